"""Tax's payloads for the budget cycle (HO-08): the co-signature of the revenue side of a budget draft.

To be listed in tax's EVENT_SCHEMAS (services/tax/schemas.py) by the tax service's owner.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import REGION_CODE, SCHEME, EventSchema, Fen


class RevenueLine(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    revenue_fen = Fen(required=True)


class BudgetRevenueConfirmed(EventSchema):
    """HO-08: tax co-signs the revenue side of the budget draft it compiled with the center (004:22)."""

    event_type = "tax.budget_draft.revenue_confirmed.v1"

    draft_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    lines = fields.List(fields.Nested(RevenueLine), required=True, validate=validate.Length(min=1, max=2))
    confirmed_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS = [BudgetRevenueConfirmed]
