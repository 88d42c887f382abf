"""The center's payloads (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, SCHEME, EventSchema, Fen

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
    ``overdue``: no complete feed for the region and period by the 5th (no ``feed_id``)."""

    event_type = "hs_center.collection.reconciled.v1"

    feed_id = fields.String(validate=FEED_ID)
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


# The money cycle's payloads are declared beside its entrypoints (money.py).
EVENT_SCHEMAS = [CollectionReconciled, DiscrepancyReported, EnrollmentRegistered, *money.EVENT_SCHEMAS]
