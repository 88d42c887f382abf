"""market_regulation's nameko service: thin entrypoints; the referral rules are in shared/referrals.py.

Clock seam: "now" comes from :meth:`MarketRegulationService.clock` (wall clock, UTC); tests subclass and override it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.bus.runtime import AgencyService
from shared.referrals import referral_entrypoints

from . import models, schemas
from .joint_inspection_entrypoints import JointInspectionEntrypoints

# HO-28 in, HO-29 out: shared/referrals.py, on this agency's table and outcome event.
ReferralEntrypoints = referral_entrypoints(
    "fundlink.healthcare_security.referral.sent_to_market_regulation.v1", models.ReferralRecord,
    schemas.MarketRegulationOutcome, schemas.OutcomeRequest)


class MarketRegulationService(AgencyService, ReferralEntrypoints, JointInspectionEntrypoints):
    name = "market_regulation"
    agency = "market_regulation"
    metadata = models.Base.metadata

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def watch_deadlines(self, now: datetime) -> None:
        self.watch_referrals(now)
