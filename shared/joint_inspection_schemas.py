"""HO-33 joint inspection (联合检查): the invited agency's two replies, their fields written once.

Each invited agency subclasses :class:`JointInspectionAnswer` and :class:`JointInspectionFindings`, naming
only its own ``event_type`` and a docstring (the docstring is the published contract's description). Kept
apart from :mod:`shared.joint_inspection` so an agency's schemas module does not load the entrypoints.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import EventSchema, Fen

DECISIONS = ("accepted", "declined")
FOLLOW_UPS = ("none", "own_enforcement", "referral", "transfer_to_police")


class JointInspectionAnswer(EventSchema):
    """HO-33 reply fields: the agency takes part (with its staff) or declines with a reason."""

    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)))
    staff_count = fields.Integer(strict=True, validate=validate.Range(min=1))
    contact_unit = fields.String(validate=validate.Length(min=1, max=200))
    reason = fields.String(validate=validate.Length(min=1, max=4000))
    responded_at = fields.AwareDateTime(required=True)


class InspectionFinding(Schema):
    """One finding within the agency's own remit, and how it follows it up."""

    finding_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    amount_fen = Fen()
    follow_up = fields.String(required=True, validate=validate.OneOf(list(FOLLOW_UPS)))


class JointInspectionFindings(EventSchema):
    """HO-33 reply fields: what the agency found (an empty list when nothing)."""

    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    findings = fields.List(fields.Nested(InspectionFinding), required=True)
    reported_at = fields.AwareDateTime(required=True)
