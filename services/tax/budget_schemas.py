"""Tax's payloads for the budget cycle: the co-signature of the revenue side of a budget draft (HO-08) and
the quarterly report of collection against the revenue budget (HO-12).

Listed in tax's EVENT_SCHEMAS (services/tax/schemas.py).
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


class ExecutionLine(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    budget_revenue_fen = Fen(required=True)
    collected_fen = Fen(required=True)


class BudgetExecutionReported(EventSchema):
    """HO-12 (tax's side): collection against the revenue budget, year to date, each quarter (004:24, 37).
    The contract comes first; the flow that sends it follows (issue 11)."""

    event_type = "tax.budget_execution.reported.v1"

    report_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    year = fields.Integer(required=True, strict=True)
    quarter = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-Q[1-4]$",
                                                                     error="must be a quarter as YYYY-Qn"))
    region_code = fields.String(required=True, validate=REGION_CODE)
    lines = fields.List(fields.Nested(ExecutionLine), required=True, validate=validate.Length(min=1, max=2))
    reported_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS = [BudgetRevenueConfirmed, BudgetExecutionReported]
