"""health_commission's payloads: its outcome report on a referral (HO-29) and its HTTP request (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import EventSchema

from .domain import OUTCOMES


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


EVENT_SCHEMAS = [HealthCommissionOutcome]
