"""The center's entrypoints for the fund's money cycle (budget drafts, fund-use plans,
disbursement). Mixed into HsCenterService; rules in budget.py."""

from __future__ import annotations


class MoneyEntrypoints:
    pass
