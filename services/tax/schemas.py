"""Tax's payloads: the HTTP requests and the events it publishes (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, REGION_LEVEL, SCHEME, EventSchema, Fen
from shared.parties.other import COMPARISON_TOKEN
from shared.push.feedfile import WIRE_LINES_PATTERN

from . import budget_schemas, chain_signing

SHA256_HEX = validate.Regexp(r"^[0-9a-f]{64}$", error="must be 64 lower-case hex digits (SHA-256)")
FEED_ID = validate.Length(min=1, max=64)
MAX_CHUNK_TEXT = 6 * 1024 * 1024  # stays under the consumers' 8 MiB body limit


class SchemeLine(Schema):
    """Per-scheme totals of a month's collection (employee includes maternity)."""

    scheme = fields.String(required=True, validate=SCHEME)
    payer_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    amount_collected_fen = Fen(required=True)
    refunds_fen = Fen(required=True)
    arrears_fen = Fen(required=True)
    late_surcharge_fen = Fen(required=True)


class FeedManifest(Schema):
    """What the detail lines of a feed add up to; the center refuses a feed that does not match."""

    line_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    chunk_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    lines_sha256 = fields.String(required=True, validate=SHA256_HEX,
                                 metadata={"description": "SHA-256 of all wire lines of the feed, in order."})
    rejected_line_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0),
                                         metadata={"description": "Lines of tax's file left out as malformed."})


class FeedChunk(Schema):
    """A run of detail lines, one per payer and scheme, as canonical CSV text."""

    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    line_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    first_line_no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    last_line_no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    sha256 = fields.String(required=True, validate=SHA256_HEX)
    lines = fields.String(required=True, validate=[
        validate.Length(min=1, max=MAX_CHUNK_TEXT),
        validate.Regexp(WIRE_LINES_PATTERN, error="every line must be line_no,payer_kind,payer_id,scheme,period,"
                                                 "insured_persons,collected_fen,refunded_fen,arrears_fen,"
                                                 "late_surcharge_fen with a newline"),
    ])


class _FeedHeader(EventSchema):
    """What every message of a feed carries: which feed, region, month and treasury, and when it was made."""

    feed_id = fields.String(required=True, validate=FEED_ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    region_level = fields.String(required=True, validate=REGION_LEVEL)
    period = fields.String(required=True, validate=PERIOD_MONTH)
    treasury_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    lines = fields.List(fields.Nested(SchemeLine), required=True, validate=validate.Length(min=1, max=2))
    generated_at = fields.AwareDateTime(required=True)


class CollectionFeedPublished(_FeedHeader):
    """HO-01: tax hands the previous month's collection to the center by the 5th.

    Two shapes share this type: a summary (per-scheme ``lines`` only), and the manifest that
    closes a detailed feed (``manifest``, with ``lines`` totalling the whole feed). The detail
    lines travel to the center alone as ``tax.collection.feed_chunk_published``; ``chunk`` stays
    here only because v1 published it (the center still accepts it, nobody sends it)."""

    event_type = "tax.collection.feed_published.v1"

    manifest = fields.Nested(FeedManifest)
    chunk = fields.Nested(FeedChunk, metadata={"deprecated": True, "description": (
        "Deprecated: chunks are sent as tax.collection.feed_chunk_published.v1.")})

    @validates_schema
    def _one_shape(self, data, **kwargs):
        if "manifest" in data and "chunk" in data:
            raise ValidationError("a message is either a manifest or a chunk, not both", "chunk")


class FeedChunkPublished(_FeedHeader):
    """HO-01, detail: one chunk of a detailed feed's lines (``lines`` totals that chunk), for the center only,
    so the copies of the feed that go to healthcare_security and finance stay one summary and one manifest."""

    event_type = "tax.collection.feed_chunk_published.v1"

    chunk = fields.Nested(FeedChunk, required=True)


class FeedRequest(CollectionFeedPublished):
    """POST /feeds: the same facts as the summary event; ``generated_at`` defaults to now."""

    generated_at = fields.AwareDateTime(required=False)


class Resolution(Schema):
    item_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    resolution = fields.String(required=True, validate=validate.OneOf(["corrected", "confirmed",
                                                                       "under_investigation"]))
    comment = fields.String(validate=validate.Length(max=500))


class FeedCorrected(EventSchema):
    """HO-03 reply: tax answers a discrepancy report item by item, restating figures that changed."""

    event_type = "tax.collection.feed_corrected.v1"

    correction_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    feed_id = fields.String(required=True, validate=FEED_ID)
    discrepancy_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    region_code = fields.String(required=True, validate=REGION_CODE)
    period = fields.String(required=True, validate=PERIOD_MONTH)
    resolutions = fields.List(fields.Nested(Resolution), required=True, validate=validate.Length(min=1))
    lines = fields.List(fields.Nested(SchemeLine), validate=validate.Length(min=1, max=2))
    corrected_at = fields.AwareDateTime(required=True)


class CorrectionRequest(Schema):
    """POST /discrepancies/<id>/corrections: an officer's answer to the center's report."""

    correction_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    resolutions = fields.List(fields.Nested(Resolution), required=True, validate=validate.Length(min=1))
    lines = fields.List(fields.Nested(SchemeLine), validate=validate.Length(min=1, max=2))


class EnrollmentAcknowledged(EventSchema):
    """HO-04 reply: tax sets up collection on a registration, or says why not."""

    event_type = "tax.enrollment.acknowledged.v1"

    registration_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    payer_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    status = fields.String(required=True, validate=validate.OneOf(["accepted", "rejected"]))
    reason = fields.String(validate=validate.Length(max=500))
    acknowledged_at = fields.AwareDateTime(required=True)


class EmployerViolationReferred(EventSchema):
    """HO-35: an employer that pays but is not enrolled is the bureau's matter (001:222-235)."""

    event_type = "tax.employer_violation.referred.v1"

    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    region_code = fields.String(required=True, validate=REGION_CODE)
    employer_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    employer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(["not_registered", "base_not_declared"]))
    facts = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    amount_due_fen = Fen()
    referred_at = fields.AwareDateTime(required=True)


# --- HO-34, HO-35: contracts whose flows come later (issue 11) -------------------------------------------


class PersonMatch(Schema):
    """What tax's register shows for one person."""

    person_id = fields.String(required=True, validate=COMPARISON_TOKEN,
                              metadata={"description": "The person's comparison token from the request."})
    status = fields.String(required=True, validate=validate.OneOf(
        ["found", "not_found", "deceased", "enrolled_elsewhere", "receiving_benefit"]))
    detail = fields.String(validate=validate.Length(max=500))
    effective_on = fields.Date()


class ComparisonResultReturned(EventSchema):
    """HO-34 reply: tax's register match (数据比对) for the persons the center asked about."""

    event_type = "tax.data_comparison.result_returned.v1"

    request_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    results = fields.List(fields.Nested(PersonMatch), required=True)
    returned_at = fields.AwareDateTime(required=True)


class EmployerViolationAccepted(EventSchema):
    """HO-35 reply: tax takes up the bureau's referral of an employer that does not pay or pays short, or
    returns it as not tax's matter."""

    event_type = "tax.employer_violation.accepted.v1"

    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    decision = fields.String(required=True, validate=validate.OneOf(["accepted", "returned"]))
    case_id = fields.String(validate=validate.Length(min=1, max=64))
    reason = fields.String(validate=validate.Length(min=1, max=2000))
    decided_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS = [CollectionFeedPublished, FeedChunkPublished, FeedCorrected, EnrollmentAcknowledged,
                 EmployerViolationReferred, ComparisonResultReturned, EmployerViolationAccepted,
                 *budget_schemas.EVENT_SCHEMAS, *chain_signing.EVENT_SCHEMAS]
