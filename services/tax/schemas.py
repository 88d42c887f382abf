"""Tax's payloads: the HTTP request and the events it publishes (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, REGION_LEVEL, SCHEME, EventSchema, Fen


class SchemeLine(Schema):
    """Per-scheme totals of a month's collection (employee includes maternity)."""

    scheme = fields.String(required=True, validate=SCHEME)
    payer_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    amount_collected_fen = Fen(required=True)
    refunds_fen = Fen(required=True)
    arrears_fen = Fen(required=True)
    late_surcharge_fen = Fen(required=True)


class CollectionFeedPublished(EventSchema):
    """HO-01: tax hands the previous month's collection to the center by the 5th."""

    event_type = "tax.collection.feed_published.v1"

    feed_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    region_code = fields.String(required=True, validate=REGION_CODE)
    region_level = fields.String(required=True, validate=REGION_LEVEL)
    period = fields.String(required=True, validate=PERIOD_MONTH)
    treasury_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    lines = fields.List(fields.Nested(SchemeLine), required=True, validate=validate.Length(min=1, max=2))
    generated_at = fields.AwareDateTime(required=True)


class FeedRequest(CollectionFeedPublished):
    """POST /feeds: the same facts as the event; ``generated_at`` defaults to now."""

    generated_at = fields.AwareDateTime(required=False)


EVENT_SCHEMAS = [CollectionFeedPublished]
