"""health_commission's payloads: its outcome report on a referral (HO-29), its joint-inspection answers (HO-33),
its service-item review (HO-38) and its HTTP request (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import EventSchema, Fen
from shared.referrals import OUTCOMES


class OutcomeRequest(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    outcome_summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    decision_reference = fields.String(validate=validate.Length(min=1, max=64))


class HealthCommissionOutcome(EventSchema):
    """HO-29: health_commission acknowledges a referral (pending) or reports how it was handled."""

    event_type = "health_commission.referral.outcome_reported.v1"

    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    outcome_summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    decision_reference = fields.String(validate=validate.Length(min=1, max=64))
    decided_at = fields.AwareDateTime()
    reported_at = fields.AwareDateTime(required=True)


# --- HO-33 joint inspection: contracts whose flows come later (issue 11) ---------------------------------


class JointInspectionAccepted(EventSchema):
    """HO-33 reply: health_commission takes part in the bureau's joint inspection, or declines with a reason."""

    event_type = "health_commission.joint_inspection.accepted.v1"

    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    decision = fields.String(required=True, validate=validate.OneOf(["accepted", "declined"]))
    staff_count = fields.Integer(strict=True, validate=validate.Range(min=1))
    contact_unit = fields.String(validate=validate.Length(min=1, max=200))
    reason = fields.String(validate=validate.Length(min=1, max=4000))
    responded_at = fields.AwareDateTime(required=True)


class InspectionFinding(Schema):
    finding_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    amount_fen = Fen()
    follow_up = fields.String(required=True, validate=validate.OneOf(
        ["none", "own_enforcement", "referral", "transfer_to_police"]))


class JointInspectionFindingsReported(EventSchema):
    """HO-33 reply: what health_commission found within its own remit (empty when nothing)."""

    event_type = "health_commission.joint_inspection.findings_reported.v1"

    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    findings = fields.List(fields.Nested(InspectionFinding), required=True)
    reported_at = fields.AwareDateTime(required=True)


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
