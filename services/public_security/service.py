"""public_security's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from shared.bus.runtime import AgencyService

from . import models


class PublicSecurityService(AgencyService):
    name = "public_security"
    agency = "public_security"
    metadata = models.Base.metadata
