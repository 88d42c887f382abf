"""market_regulation's nameko service: thin entrypoints; the rules are in domain.py."""

from __future__ import annotations

from shared.bus.runtime import AgencyService

from . import models


class MarketRegulationService(AgencyService):
    name = "market_regulation"
    agency = "market_regulation"
    metadata = models.Base.metadata
