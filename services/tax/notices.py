"""Tax in the budget cycle: it co-signs the revenue side of the draft (HO-08), reports collection against the
revenue budget each quarter (HO-12), and keeps copies of the chain (HO-10, HO-11) and of the adjustment
decisions (HO-13), so it knows where the draft and its adjustments stand."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from shared import notices
from shared.bus.fields import REGION_CODE
from shared.bus.runtime import http
from shared.http import json_body

from .budget_schemas import BudgetExecutionReported, BudgetRevenueConfirmed, ExecutionLine, RevenueLine
from .models import Base

NOTICES = notices.notice_table(Base.metadata, "tax_budget_notice")
# HO-10 finance's review of the draft whose revenue tax confirmed; HO-11 the budget's approvals; HO-13 the
# decisions on an adjustment that changes revenue.
BudgetNotices = notices.notice_handlers("BudgetNotices", NOTICES, (
    "fundlink.finance.budget_draft.reviewed.v1",
    "fundlink.people_government.budget.approved.v1",
    "fundlink.peoples_congress.budget.approved.v1",
    "fundlink.people_government.budget_adjustment.approved.v1",
    "fundlink.peoples_congress.budget_adjustment.approved.v1",
))


class RevenueConfirmation(Schema):
    """POST /budget-drafts/<draft_id>/revenue-confirmation: tax's revenue figures for the draft."""

    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2099))
    region_code = fields.String(required=True, validate=REGION_CODE)
    lines = fields.List(fields.Nested(RevenueLine), required=True, validate=validate.Length(min=1, max=2))


class ExecutionReport(Schema):
    """POST /budget-execution-reports: collection against the revenue budget, year to date."""

    report_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2099))
    quarter = fields.String(required=True, validate=validate.Regexp(r"^20\d{2}-Q[1-4]$",
                                                                     error="must be a quarter as YYYY-Qn"))
    region_code = fields.String(required=True, validate=REGION_CODE)
    lines = fields.List(fields.Nested(ExecutionLine), required=True, validate=validate.Length(min=1, max=2))


class BudgetNoticeEntrypoints(BudgetNotices):
    @http("POST", "/budget-drafts/<draft_id>/revenue-confirmation", request_schema=RevenueConfirmation)
    def confirm_budget_revenue(self, request, draft_id):
        """HO-08: tax co-signs the revenue side of the budget draft it compiled with the center (004:22)."""
        body = RevenueConfirmation().load(json_body(request))
        data = {"draft_id": draft_id, **body, "confirmed_at": self.clock().isoformat()}
        event_id = self.db.publish(BudgetRevenueConfirmed, data, subject=draft_id, correlation_id=draft_id,
                                   region=body["region_code"])
        return 202, {"draft_id": draft_id, "event_id": event_id, "status": "revenue_confirmed"}

    @http("POST", "/budget-execution-reports", request_schema=ExecutionReport)
    def report_budget_execution(self, request):
        """HO-12 (tax's side): collection against the revenue budget, each quarter (004:24, 37)."""
        body = ExecutionReport().load(json_body(request))
        if body["quarter"][:4] != str(body["year"]):
            raise ValidationError({"quarter": [f"must be a quarter of {body['year']}"]})
        data = {**body, "reported_at": self.clock().isoformat()}
        event_id = self.db.publish(BudgetExecutionReported, data, subject=body["report_id"],
                                   correlation_id=body["report_id"], region=body["region_code"])
        return 202, {"report_id": body["report_id"], "event_id": event_id, "status": "reported"}


    @http("GET", "/budget-notices")
    def list_budget_notices(self, request):
        """Where the budget and its adjustments stand, as the other agencies told tax (``?subject=<draft>``)."""
        return {"notices": notices.listing(self.db.session, NOTICES, request.args.get("subject"))}
