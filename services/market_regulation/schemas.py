"""market_regulation's payloads: its outcome report on a referral (HO-29), its joint-inspection answers (HO-33)
and its HTTP request (marshmallow).

The fields are shared with the other regulators (:mod:`shared.referrals`, :mod:`shared.joint_inspection_schemas`);
here each names only its event type and description."""

from __future__ import annotations

from shared.joint_inspection_schemas import JointInspectionAnswer, JointInspectionFindings
from shared.referrals import OutcomeRequest, ReferralOutcomeReported

__all__ = ["EVENT_SCHEMAS", "JointInspectionAccepted", "JointInspectionFindingsReported", "MarketRegulationOutcome",
           "OutcomeRequest"]


class MarketRegulationOutcome(ReferralOutcomeReported):
    """HO-29: market_regulation acknowledges a referral (pending) or reports how it was handled."""

    event_type = "market_regulation.referral.outcome_reported.v1"


# --- HO-33 joint inspection: contracts whose flows come later (issue 11) ---------------------------------


class JointInspectionAccepted(JointInspectionAnswer):
    """HO-33 reply: market_regulation takes part in the bureau's joint inspection, or declines with a reason."""

    event_type = "market_regulation.joint_inspection.accepted.v1"


class JointInspectionFindingsReported(JointInspectionFindings):
    """HO-33 reply: what market_regulation found within its own remit (empty when nothing)."""

    event_type = "market_regulation.joint_inspection.findings_reported.v1"


EVENT_SCHEMAS = [MarketRegulationOutcome, JointInspectionAccepted, JointInspectionFindingsReported]
