"""The center's payloads (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, SCHEME, EventSchema, Fen


class DiscrepancyItem(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    kind = fields.String(required=True, validate=validate.OneOf(
        ["amount_mismatch", "count_mismatch", "scheme_missing_from_feed", "scheme_not_registered"]))
    expected_fen = fields.Integer(required=True, strict=True)
    collected_fen = fields.Integer(required=True, strict=True)
    expected_count = fields.Integer(required=True, strict=True)
    collected_count = fields.Integer(required=True, strict=True)


class CollectionReconciled(EventSchema):
    """HO-02: the center's answer to a feed, within 5 working days (design)."""

    event_type = "hs_center.collection.reconciled.v1"

    feed_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    period = fields.String(required=True, validate=PERIOD_MONTH)
    status = fields.String(required=True, validate=validate.OneOf(["matched", "discrepancies"]))
    registered_insured_count = fields.Integer(required=True, strict=True)
    paid_insured_count = fields.Integer(required=True, strict=True)
    difference_fen = Fen(required=True, allow_negative=True)
    discrepancies = fields.List(fields.Nested(DiscrepancyItem), required=True)


class RegistryEntryIn(Schema):
    payer_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    scheme = fields.String(required=True, validate=SCHEME)
    region_code = fields.String(required=True, validate=REGION_CODE)
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    monthly_due_fen = Fen(required=True)


class RegistryLoad(Schema):
    entries = fields.List(fields.Nested(RegistryEntryIn), required=True, validate=validate.Length(min=1))


EVENT_SCHEMAS = [CollectionReconciled]
