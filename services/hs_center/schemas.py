"""The center's payloads (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, REGION_LEVEL, SCHEME, EventSchema, Fen
from shared.parties.other import COMPARISON_TOKEN

from . import money
from .domain import DISCREPANCY_KINDS, RECONCILIATION_STATUSES

FEED_ID = validate.Length(min=1, max=64)
PAYER_ID = validate.Length(min=1, max=32)


class DiscrepancyItem(Schema):
    """One scheme whose totals do not match the registry."""

    scheme = fields.String(required=True, validate=SCHEME)
    kind = fields.String(required=True, validate=validate.OneOf(
        ["amount_mismatch", "count_mismatch", "scheme_missing_from_feed", "scheme_not_registered"]))
    expected_fen = fields.Integer(required=True, strict=True)
    collected_fen = fields.Integer(required=True, strict=True)
    expected_count = fields.Integer(required=True, strict=True)
    collected_count = fields.Integer(required=True, strict=True)


class SchemeComparison(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    registered_insured_count = fields.Integer(required=True, strict=True)
    paid_insured_count = fields.Integer(required=True, strict=True)
    expected_fen = fields.Integer(required=True, strict=True)
    collected_fen = fields.Integer(required=True, strict=True)
    difference_fen = Fen(required=True, allow_negative=True)


class CollectionReconciled(EventSchema):
    """HO-02: the center's answer to a feed, within 5 working days (design).

    ``matched`` / ``discrepancies``: compared with the registry (per-payer items follow in
    HO-03 reports). ``incomplete``: chunks are missing; send ``missing_chunks`` again.
    ``refused``: the lines do not match the manifest (``reason``); nothing was applied.
    ``overdue`` is no longer sent (a missing feed is ``hs_center.collection.feed_overdue``);
    v1 keeps the value, and ``feed_id`` optional, for consumers written against it."""

    event_type = "hs_center.collection.reconciled.v1"

    feed_id = fields.String(validate=FEED_ID)  # always sent now; optional only for v1 compatibility
    region_code = fields.String(validate=REGION_CODE)  # always sent; optional only for v1 compatibility
    period = fields.String(required=True, validate=PERIOD_MONTH)
    status = fields.String(required=True, validate=validate.OneOf(RECONCILIATION_STATUSES))
    registered_insured_count = fields.Integer(strict=True)
    paid_insured_count = fields.Integer(strict=True)
    difference_fen = Fen(allow_negative=True)
    discrepancies = fields.List(fields.Nested(DiscrepancyItem))
    lines = fields.List(fields.Nested(SchemeComparison))
    line_count = fields.Integer(strict=True, validate=validate.Range(min=0))
    discrepancy_count = fields.Integer(strict=True, validate=validate.Range(min=0))
    missing_chunks = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)),
                                 validate=validate.Length(max=10_000))
    reason = fields.String(validate=validate.Length(max=2000))
    due_at = fields.AwareDateTime()
    reconciled_at = fields.AwareDateTime()  # always sent; optional only for v1 compatibility


class FeedOverdue(EventSchema):
    """HO-01, late: no complete feed for the region and month by the 5th; overdue from the 6th at 00:00 (design),
    told to tax and escalated to healthcare_security and finance. Raised once per region and month."""

    event_type = "hs_center.collection.feed_overdue.v1"

    region_code = fields.String(required=True, validate=REGION_CODE)
    period = fields.String(required=True, validate=PERIOD_MONTH)
    due_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    raised_at = fields.AwareDateTime(required=True)


class PayerDiscrepancy(Schema):
    """One payer and scheme whose collection does not match the registry."""

    item_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(list(DISCREPANCY_KINDS)))
    responsible = fields.String(required=True, validate=validate.OneOf(["tax", "healthcare_security"]),
                                metadata={"description": "Whose matter it is under 001's boundary table."})
    payer_id = fields.String(required=True, validate=PAYER_ID)
    payer_kind = fields.String(validate=validate.OneOf(["employer", "person"]))
    scheme = fields.String(required=True, validate=SCHEME)
    line_no = fields.Integer(strict=True, validate=validate.Range(min=1))
    expected_fen = Fen(required=True)
    collected_fen = Fen(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class DiscrepancyReported(EventSchema):
    """HO-03: the payers whose collection does not match the registry, in parts of at most 2,000."""

    event_type = "hs_center.collection.discrepancy_reported.v1"

    discrepancy_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    feed_id = fields.String(required=True, validate=FEED_ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    period = fields.String(required=True, validate=PERIOD_MONTH)
    part = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    parts = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    items = fields.List(fields.Nested(PayerDiscrepancy), required=True, validate=validate.Length(min=1, max=2000))
    reported_at = fields.AwareDateTime(required=True)


class EnrollmentRegistered(EventSchema):
    """HO-04: a payer was enrolled, changed or ended, so tax collects from the right base and place."""

    event_type = "hs_center.enrollment.registered.v1"

    registration_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    region_code = fields.String(required=True, validate=REGION_CODE)
    payer_kind = fields.String(required=True, validate=validate.OneOf(["employer", "person"]))
    payer_id = fields.String(required=True, validate=PAYER_ID)
    scheme = fields.String(required=True, validate=SCHEME)
    change_type = fields.String(required=True, validate=validate.OneOf(["new", "change", "terminate"]))
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    contribution_base_fen = Fen()
    monthly_due_fen = Fen()
    effective_from = fields.Date(required=True)
    applied_on = fields.Date(required=True)
    registered_at = fields.AwareDateTime(required=True)


class RegistryEntryIn(Schema):
    payer_id = fields.String(required=True, validate=PAYER_ID)
    payer_kind = fields.String(validate=validate.OneOf(["employer", "person"]))
    scheme = fields.String(required=True, validate=SCHEME)
    region_code = fields.String(required=True, validate=REGION_CODE)
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    monthly_due_fen = Fen(required=True)


class RegistryLoad(Schema):
    entries = fields.List(fields.Nested(RegistryEntryIn), required=True, validate=validate.Length(min=1))


class RegistrationRequest(RegistryEntryIn):
    """POST /registrations: one enrollment or change, told to tax (HO-04)."""

    registration_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    change_type = fields.String(required=True, validate=validate.OneOf(["new", "change", "terminate"]))
    contribution_base_fen = Fen()
    effective_from = fields.Date(required=True)
    applied_on = fields.Date(required=True)


class FeedScheduleRequest(Schema):
    """POST /feed-schedule: the center expects a monthly feed from this region from this period on."""

    region_code = fields.String(required=True, validate=REGION_CODE)
    first_period = fields.String(required=True, validate=PERIOD_MONTH)


# --- HO-20, HO-21, HO-34, HO-36, HO-39: contracts whose flows come later (issue 11) ----------------------

ID = validate.Length(min=1, max=64)
QUARTER = validate.Regexp(r"^\d{4}-Q[1-4]$", error="must be a quarter as YYYY-Qn")


class FundOperationLine(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    revenue_fen = Fen(required=True)
    expenditure_fen = Fen(required=True)
    rolling_balance_fen = Fen(required=True, allow_negative=True)
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class FundOperationQuarterlyReported(EventSchema):
    """HO-20: a quarter's fund revenue, spending, balance and insured persons for a region (004:37); city and
    county centers report to the provincial center, which reports the consolidated figures on."""

    event_type = "hs_center.fund_operation.quarterly_reported.v1"

    report_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    region_code = fields.String(required=True, validate=REGION_CODE)
    region_level = fields.String(required=True, validate=REGION_LEVEL)
    lines = fields.List(fields.Nested(FundOperationLine), required=True, validate=validate.Length(min=1, max=2))
    reported_at = fields.AwareDateTime(required=True)


class SettlementPaid(EventSchema):
    """HO-21: the approved part of a designated institution's monthly claim (结算), paid within 45 working days
    counted from the 21st (004:38)."""

    event_type = "hs_center.settlement.paid.v1"

    claim_id = fields.String(required=True, validate=ID)
    institution_id = fields.String(required=True, validate=ID)
    month = fields.String(required=True, validate=PERIOD_MONTH)
    claim_filed_on = fields.Date(required=True)
    claimed_fen = Fen(required=True)
    approved_fen = Fen(required=True)
    deducted_fen = Fen(required=True)
    paid_fen = Fen(required=True)
    paid_at = fields.AwareDateTime(required=True)


class DataComparisonRequested(EventSchema):
    """HO-34: the center asks other departments to match persons against their registers (数据比对); only the
    ``queried`` agencies answer. Persons travel as per-request comparison tokens, never as id numbers
    (``shared.parties.other.comparison_token``; docs/data-comparison.md)."""

    event_type = "hs_center.data_comparison.requested.v1"

    request_id = fields.String(required=True, validate=ID)
    purpose = fields.String(required=True, validate=validate.OneOf(
        ["eligibility", "duplicate_enrollment", "duplicate_benefit", "death"]))
    queried = fields.List(fields.String(validate=validate.OneOf(
        ["public_security", "hr_social_security", "tax", "civil_affairs"])), required=True,
        validate=validate.Length(min=1))
    person_ids = fields.List(fields.String(validate=COMPARISON_TOKEN), required=True,
                             validate=validate.Length(min=1, max=10_000),
                             metadata={"description": "Comparison tokens of the persons to match, one per person."})
    as_of = fields.Date(required=True)
    requested_at = fields.AwareDateTime(required=True)


class SupervisionOpinionSubmitted(EventSchema):
    """HO-36 reply: the supervised center's written opinion on a supervision report, within 10 days of receipt;
    silence is no objection (000:244)."""

    event_type = "hs_center.supervision.opinion_submitted.v1"

    report_id = fields.String(required=True, validate=ID)
    report_received_at = fields.AwareDateTime(required=True)
    position = fields.String(required=True, validate=validate.OneOf(["agree", "objection"]))
    opinion = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    disputed_findings = fields.List(fields.String(validate=ID))
    submitted_at = fields.AwareDateTime(required=True)


class AgreementActionReported(EventSchema):
    """HO-39: an agreement measure the center took against a designated institution (002:105-113; 003:15)."""

    event_type = "hs_center.agreement.action_reported.v1"

    action_id = fields.String(required=True, validate=ID)
    institution_id = fields.String(required=True, validate=ID)
    action = fields.String(required=True, validate=validate.OneOf(
        ["interview", "withhold_payment", "recover", "suspend_staff", "suspend_department", "deduct_deposit",
         "suspend_agreement", "terminate_agreement", "suspend_settlement"]))
    order_id = fields.String(validate=ID)
    amount_fen = Fen()
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    effective_from = fields.Date(required=True)
    effective_until = fields.Date()
    reported_at = fields.AwareDateTime(required=True)


# The money cycle's payloads are declared beside its entrypoints (money.py).
EVENT_SCHEMAS = [CollectionReconciled, FeedOverdue, DiscrepancyReported, EnrollmentRegistered,
                 FundOperationQuarterlyReported, SettlementPaid, DataComparisonRequested, SupervisionOpinionSubmitted,
                 AgreementActionReported, *money.EVENT_SCHEMAS]
