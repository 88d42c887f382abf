"""The bureau's entrypoints for reviewing budget drafts, final accounts and plans
(HO-09 and its siblings). Mixed into HealthcareSecurityService."""

from __future__ import annotations


class BudgetReviewEntrypoints:
    pass
