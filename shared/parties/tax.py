"""Outside parties' payloads for the tax flow (marshmallow): the treasury (国库, HO-05, HO-06)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, SCHEME, EventSchema, Fen


class TreasuryReceipts(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)


class RevenueMonthlyReportPublished(EventSchema):
    """HO-05: the treasury's general budget revenue monthly report (一般预算收入月报表), by the 5th (004:31, 60)."""

    event_type = "treasury.revenue.monthly_report_published.v1"

    report_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    treasury_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    region_code = fields.String(required=True, validate=REGION_CODE)
    period = fields.String(required=True, validate=PERIOD_MONTH)
    lines = fields.List(fields.Nested(TreasuryReceipts), required=True, validate=validate.Length(min=1, max=2))
    published_at = fields.AwareDateTime(required=True)


class PremiumTransferred(EventSchema):
    """HO-06: the treasury moved a dekad's contributions to the provincial special account on finance's voucher."""

    event_type = "treasury.premium.transferred.v1"

    voucher_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    transfer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)
    to_account = fields.String(required=True, validate=validate.Length(min=1, max=64))
    value_date = fields.Date(required=True)
    transferred_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS: list = [RevenueMonthlyReportPublished, PremiumTransferred]
