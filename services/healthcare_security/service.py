"""healthcare_security's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from shared.bus.runtime import AgencyService

from . import models


class HealthcareSecurityService(AgencyService):
    name = "healthcare_security"
    agency = "healthcare_security"
    metadata = models.Base.metadata
