"""finance's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from shared.bus.runtime import AgencyService

from . import models


class FinanceService(AgencyService):
    name = "finance"
    agency = "finance"
    metadata = models.Base.metadata
