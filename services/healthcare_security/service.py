"""healthcare_security's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from shared.bus.runtime import AgencyService

from . import models
from .budget_review import BudgetReviewEntrypoints


class HealthcareSecurityService(AgencyService, BudgetReviewEntrypoints):
    name = "healthcare_security"
    agency = "healthcare_security"
    metadata = models.Base.metadata
