"""public_security's payloads: the events it publishes and the officers' HTTP requests (marshmallow).

Field names follow contracts/boundary/handoffs.yaml (HO-23 … HO-26, HO-33, HO-34).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import EventSchema, Fen
from shared.parties.other import COMPARISON_TOKEN

ID = validate.Length(min=1, max=64)
TEXT = validate.Length(min=1, max=4000)
NAME = validate.Length(min=1, max=200)


class ReceiptSigned(EventSchema):
    """HO-23: the police sign for a transferred case (回执), or say to whom they passed it (art. 7)."""

    event_type = "public_security.case.receipt_signed.v1"

    case_id = fields.String(required=True, validate=ID)
    receipt_id = fields.String(required=True, validate=ID)
    receiving_unit = fields.String(required=True, validate=NAME)
    received_at = fields.AwareDateTime(required=True)
    forwarded_to = fields.String(validate=NAME)
    forwarded_at = fields.AwareDateTime()


class FilingDecided(EventSchema):
    """HO-24: filed (立案), not filed with reasons and the files returned, or forwarded; within 3 days."""

    event_type = "public_security.case.filing_decided.v1"

    case_id = fields.String(required=True, validate=ID)
    decision = fields.String(required=True, validate=validate.OneOf(["filed", "not_filed", "forwarded"]))
    police_case_number = fields.String(validate=ID)
    reasons = fields.String(validate=TEXT)
    forwarded_to = fields.String(validate=NAME)
    files_returned = fields.Boolean(required=True)
    decided_at = fields.AwareDateTime(required=True)


class ReconsiderationDecided(EventSchema):
    """HO-25: the police's decision on the bureau's reconsideration request, within 3 days."""

    event_type = "public_security.case.reconsideration_decided.v1"

    case_id = fields.String(required=True, validate=ID)
    decision = fields.String(required=True, validate=validate.OneOf(["upheld", "reversed"]))
    police_case_number = fields.String(validate=ID)
    reasons = fields.String(required=True, validate=TEXT)
    decided_at = fields.AwareDateTime(required=True)


class EvidenceReceived(EventSchema):
    """HO-26: the police confirm the evidence handed over for a filed case."""

    event_type = "public_security.case.evidence_received.v1"

    case_id = fields.String(required=True, validate=ID)
    handover_id = fields.String(required=True, validate=ID)
    received_by = fields.String(required=True, validate=NAME)
    received_at = fields.AwareDateTime(required=True)


# --- HO-33, HO-34: contracts whose flows come later (issue 11) -------------------------------------------


class JointInspectionAccepted(EventSchema):
    """HO-33 reply: the police take part in the bureau's joint inspection, or decline with a reason."""

    event_type = "public_security.joint_inspection.accepted.v1"

    inspection_id = fields.String(required=True, validate=ID)
    decision = fields.String(required=True, validate=validate.OneOf(["accepted", "declined"]))
    staff_count = fields.Integer(strict=True, validate=validate.Range(min=1))
    contact_unit = fields.String(validate=NAME)
    reason = fields.String(validate=TEXT)
    responded_at = fields.AwareDateTime(required=True)


class InspectionFinding(Schema):
    finding_id = fields.String(required=True, validate=ID)
    description = fields.String(required=True, validate=TEXT)
    amount_fen = Fen()
    follow_up = fields.String(required=True, validate=validate.OneOf(
        ["none", "own_enforcement", "referral", "transfer_to_police"]))


class JointInspectionFindingsReported(EventSchema):
    """HO-33 reply: what the police found within their own remit (empty when nothing)."""

    event_type = "public_security.joint_inspection.findings_reported.v1"

    inspection_id = fields.String(required=True, validate=ID)
    findings = fields.List(fields.Nested(InspectionFinding), required=True)
    reported_at = fields.AwareDateTime(required=True)


class PersonMatch(Schema):
    """What the household register (户籍) shows for one person."""

    person_id = fields.String(required=True, validate=COMPARISON_TOKEN,
                              metadata={"description": "The person's comparison token from the request."})
    status = fields.String(required=True, validate=validate.OneOf(
        ["found", "not_found", "deceased", "enrolled_elsewhere", "receiving_benefit"]))
    detail = fields.String(validate=validate.Length(max=500))
    effective_on = fields.Date()


class ComparisonResultReturned(EventSchema):
    """HO-34 reply: the police's register match (数据比对) for the persons the center asked about."""

    event_type = "public_security.data_comparison.result_returned.v1"

    request_id = fields.String(required=True, validate=ID)
    results = fields.List(fields.Nested(PersonMatch), required=True)
    returned_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS = [ReceiptSigned, FilingDecided, ReconsiderationDecided, EvidenceReceived,
                 JointInspectionAccepted, JointInspectionFindingsReported, ComparisonResultReturned]


class FilingDecisionRequest(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["filed", "not_filed", "forwarded"]))
    reasons = fields.String(validate=TEXT)
    files_returned = fields.Boolean(load_default=False)
    forwarded_to = fields.String(validate=NAME)
    police_case_number = fields.String(validate=ID)


class ReconsiderationDecisionRequest(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["upheld", "reversed"]))
    reasons = fields.String(required=True, validate=TEXT)
    police_case_number = fields.String(validate=ID)
