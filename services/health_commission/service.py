"""health_commission's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from shared.bus.runtime import AgencyService

from . import models


class HealthCommissionService(AgencyService):
    name = "health_commission"
    agency = "health_commission"
    metadata = models.Base.metadata
