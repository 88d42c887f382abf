"""health_commission's payloads: its outcome report on a referral (HO-29), its joint-inspection answers (HO-33),
its service-item review (HO-38) and its HTTP request (marshmallow).

The HO-29 and HO-33 fields are shared with the other regulators (:mod:`shared.referrals`,
:mod:`shared.joint_inspection_schemas`); here each names only its event type and description."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.bus.fields import EventSchema
from shared.joint_inspection_schemas import JointInspectionAnswer, JointInspectionFindings
from shared.referrals import OutcomeRequest, ReferralOutcomeReported

__all__ = ["EVENT_SCHEMAS", "HealthCommissionOutcome", "JointInspectionAccepted", "JointInspectionFindingsReported",
           "OutcomeRequest", "ServiceItemReviewed"]


class HealthCommissionOutcome(ReferralOutcomeReported):
    """HO-29: health_commission acknowledges a referral (pending) or reports how it was handled."""

    event_type = "health_commission.referral.outcome_reported.v1"


# --- HO-33 joint inspection: contracts whose flows come later (issue 11) ---------------------------------


class JointInspectionAccepted(JointInspectionAnswer):
    """HO-33 reply: health_commission takes part in the bureau's joint inspection, or declines with a reason."""

    event_type = "health_commission.joint_inspection.accepted.v1"


class JointInspectionFindingsReported(JointInspectionFindings):
    """HO-33 reply: what health_commission found within its own remit (empty when nothing)."""

    event_type = "health_commission.joint_inspection.findings_reported.v1"


class ServiceItemReviewed(EventSchema):
    """HO-38: the commission's review of a new medical service item, so the bureau can price it (000:197-211)."""

    event_type = "health_commission.service_item.reviewed.v1"

    review_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    item_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    comments = fields.String(validate=validate.Length(min=1, max=4000))
    reviewed_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS = [HealthCommissionOutcome, JointInspectionAccepted, JointInspectionFindingsReported, ServiceItemReviewed]
