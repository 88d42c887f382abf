"""health_commission's nameko service: thin entrypoints; the rules are in shared/referrals.py and service_items.py.

Clock seam: "now" comes from :meth:`HealthCommissionService.clock` (wall clock, UTC); tests subclass and override it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.bus.runtime import AgencyService
from shared.referrals import referral_entrypoints

from . import models, schemas
from .joint_inspection_entrypoints import JointInspectionEntrypoints
from .service_item_entrypoints import ServiceItemEntrypoints

# HO-27 in, HO-29 out: shared/referrals.py, on this agency's table and outcome event.
ReferralEntrypoints = referral_entrypoints(
    "fundlink.healthcare_security.referral.sent_to_health_commission.v1", models.ReferralRecord,
    schemas.HealthCommissionOutcome, schemas.OutcomeRequest)


class HealthCommissionService(AgencyService, ReferralEntrypoints, ServiceItemEntrypoints, JointInspectionEntrypoints):
    name = "health_commission"
    agency = "health_commission"
    metadata = models.Base.metadata

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def watch_deadlines(self, now: datetime) -> None:
        self.watch_referrals(now)
