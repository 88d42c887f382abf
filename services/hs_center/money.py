"""The center's entrypoints for the fund's money cycle (budget drafts, fund-use plans, disbursement) and the
payload schemas of the events they publish. Mixed into HsCenterService; rules in budget.py.

One service serves the provincial and the city/county centers: a city's plan (HO-15) and a disbursement
(HO-19) come back to this same service off the bus, where the receiving level records them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from marshmallow import Schema, fields, validate
from nameko.timer import timer
from sqlalchemy import select

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, REGION_LEVEL, SCHEME, EventSchema, Fen, FundYear
from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI
from shared.http import NotFound, json_body

from . import budget
from . import money_models as mm

QUARTER = validate.Regexp(r"^\d{4}-Q[1-4]$", error="must be a quarter as YYYY-Qn")
ID = validate.Length(min=1, max=64)
ERRORS = (budget.DomainError,)
PROVINCE = "460000"  # the provincial center's region code (Hainan)


# --- event payloads ---------------------------------------------------------------------------------------


class SchemeBudget(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    revenue_fen = Fen(required=True)
    expenditure_fen = Fen(required=True)
    balance_fen = Fen(required=True, allow_negative=True)
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class BudgetDraftSubmitted(EventSchema):
    """HO-08: the center submits the budget draft, compiled with tax, to the bureau (004:22)."""

    event_type = "hs_center.budget_draft.submitted.v1"

    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    region_level = fields.String(required=True, validate=REGION_LEVEL)
    schemes = fields.List(fields.Nested(SchemeBudget), required=True, validate=validate.Length(min=1, max=2))
    tax_cosigned = fields.Boolean(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class ExecutionLine(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    budget_revenue_fen = Fen(required=True)
    budget_expenditure_fen = Fen(required=True)
    revenue_fen = Fen(required=True)
    expenditure_fen = Fen(required=True)


class BudgetExecutionReported(EventSchema):
    """HO-12: year-to-date execution of the approved budget, quarterly (004:24, 37)."""

    event_type = "hs_center.budget_execution.reported.v1"

    report_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    quarter = fields.String(required=True, validate=QUARTER)
    region_code = fields.String(required=True, validate=REGION_CODE)
    lines = fields.List(fields.Nested(ExecutionLine), required=True, validate=validate.Length(min=1, max=2))
    reported_at = fields.AwareDateTime(required=True)


class BudgetAdjustmentProposed(EventSchema):
    """HO-13: more spending or less revenue than approved; with tax when revenue changes (004:25)."""

    event_type = "hs_center.budget_adjustment.proposed.v1"

    adjustment_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    reason = fields.String(required=True, validate=validate.Length(min=1))
    delta_revenue_fen = Fen(required=True, allow_negative=True)
    delta_expenditure_fen = Fen(required=True, allow_negative=True)
    tax_cosigned = fields.Boolean(required=True)
    proposed_at = fields.AwareDateTime(required=True)


class SchemeActuals(Schema):
    scheme = fields.String(required=True, validate=SCHEME)
    revenue_fen = Fen(required=True)
    expenditure_fen = Fen(required=True)
    rolling_balance_fen = Fen(required=True, allow_negative=True)


class FinalAccountsSubmitted(EventSchema):
    """HO-14: the center's final-accounts draft, to the bureau (001:242, 004:26)."""

    event_type = "hs_center.final_accounts.submitted.v1"

    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    schemes = fields.List(fields.Nested(SchemeActuals), required=True, validate=validate.Length(min=1, max=2))
    submitted_at = fields.AwareDateTime(required=True)


class PlanLineOut(Schema):
    month = fields.String(required=True, validate=PERIOD_MONTH)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)
    basis = fields.String(required=True, validate=validate.Length(min=1, max=200))


class FundUsePlanSubmitted(EventSchema):
    """HO-15: a city/county center applies for next quarter's money before the 20th of the 2nd month (004:34)."""

    event_type = "hs_center.fund_use_plan.submitted.v1"

    plan_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    region_code = fields.String(required=True, validate=REGION_CODE)
    lines = fields.List(fields.Nested(PlanLineOut), required=True, validate=validate.Length(min=1))
    total_fen = Fen(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class RegionPlanLine(Schema):
    month = fields.String(required=True, validate=PERIOD_MONTH)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)


class RegionPlan(Schema):
    region_code = fields.String(required=True, validate=REGION_CODE)
    source_plan_id = fields.String(validate=ID)
    lines = fields.List(fields.Nested(RegionPlanLine), required=True)
    region_total_fen = Fen(required=True)


class FundUsePlanConsolidated(EventSchema):
    """HO-16: the provincial consolidation before the 10th of the 3rd month; late cities are listed missing."""

    event_type = "hs_center.fund_use_plan.consolidated.v1"

    plan_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    regions = fields.List(fields.Nested(RegionPlan), required=True)
    missing_regions = fields.List(fields.String(validate=REGION_CODE), required=True)
    total_fen = Fen(required=True)
    consolidated_at = fields.AwareDateTime(required=True)


class AllocationReceived(EventSchema):
    """HO-18 reply: the provincial expenditure account was credited."""

    event_type = "hs_center.fund.allocation_received.v1"

    allocation_id = fields.String(required=True, validate=ID)
    amount_fen = Fen(required=True)
    to_account = fields.String(required=True, validate=ID)
    received_on = fields.Date(required=True)


class FundDisbursed(EventSchema):
    """HO-19: the provincial center pays a city/county expenditure account by the 5th (004:34)."""

    event_type = "hs_center.fund.disbursed.v1"

    disbursement_id = fields.String(required=True, validate=ID)
    allocation_id = fields.String(validate=ID)
    plan_id = fields.String(required=True, validate=ID)
    month = fields.String(required=True, validate=PERIOD_MONTH)
    region_code = fields.String(required=True, validate=REGION_CODE)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True, validate=validate.Range(min=1, error="must be > 0 fen"))
    from_account = fields.String(required=True, validate=ID)
    to_account = fields.String(required=True, validate=ID)
    value_date = fields.Date(required=True)


class DisbursementReceived(EventSchema):
    """HO-19 reply: a city/county center confirms the money arrived."""

    event_type = "hs_center.fund.disbursement_received.v1"

    disbursement_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    amount_fen = Fen(required=True)
    received_on = fields.Date(required=True)


class LtcContributionTransferred(EventSchema):
    """HO-41: the personal or pool-fund part of long-term-care funding, to the city special account (003:86)."""

    event_type = "hs_center.ltc_contribution.transferred.v1"

    transfer_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    part = fields.String(required=True, validate=validate.OneOf(["personal", "pool_fund"]))
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    per_person_fen = Fen(required=True)
    amount_fen = Fen(required=True)
    waived = fields.Boolean(required=True)
    to_account = fields.String(required=True, validate=ID)
    transferred_on = fields.Date(required=True)


EVENT_SCHEMAS = [BudgetDraftSubmitted, BudgetExecutionReported, BudgetAdjustmentProposed, FinalAccountsSubmitted,
                 FundUsePlanSubmitted, FundUsePlanConsolidated, AllocationReceived, FundDisbursed,
                 DisbursementReceived, LtcContributionTransferred]


# --- HTTP requests ----------------------------------------------------------------------------------------


class CompileRequest(Schema):
    draft_id = fields.String(required=True, validate=ID)
    year = FundYear(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    region_level = fields.String(required=True, validate=REGION_LEVEL)
    schemes = fields.List(fields.Nested(SchemeBudget), required=True, validate=validate.Length(min=1, max=2))


class LinesRequest(Schema):
    schemes = fields.List(fields.Nested(SchemeBudget), required=True, validate=validate.Length(min=1, max=2))


class RoundRequest(Schema):
    quarter = fields.String(required=True, validate=QUARTER)
    expected_regions = fields.List(fields.String(validate=REGION_CODE), required=True, validate=validate.Length(min=1))


class PlanRequest(Schema):
    plan_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    region_code = fields.String(required=True, validate=REGION_CODE)
    lines = fields.List(fields.Nested(RegionPlanLine), required=True)
    basis = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ConsolidateRequest(Schema):
    plan_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    accept_late = fields.Boolean(load_default=False)


class DisburseRequest(Schema):
    disbursement_id = fields.String(required=True, validate=ID)
    plan_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    month = fields.String(required=True, validate=PERIOD_MONTH)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)


class ExecutionRequest(Schema):
    report_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    actuals = fields.Dict(keys=fields.String(validate=SCHEME), values=fields.List(Fen(), validate=validate.Length(
        equal=2)), required=True)


class AdjustmentRequest(Schema):
    adjustment_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    reason = fields.String(required=True)
    deltas = fields.Dict(keys=fields.String(validate=SCHEME), values=fields.List(Fen(allow_negative=True),
                         validate=validate.Length(equal=2)), required=True)


class FinalAccountsRequest(Schema):
    draft_id = fields.String(required=True, validate=ID)
    year = FundYear(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    schemes = fields.List(fields.Nested(SchemeActuals), required=True, validate=validate.Length(min=1, max=2))


class LtcRequest(Schema):
    transfer_id = fields.String(required=True, validate=ID)
    year = FundYear(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    part = fields.String(required=True)
    insured_person_count = fields.Integer(required=True, strict=True)
    to_account = fields.String(required=True, validate=ID)


# --- stored ↔ domain --------------------------------------------------------------------------------------


def _lines_out(lines) -> list[dict]:
    return [{"scheme": ln.scheme.value, "revenue_fen": ln.revenue_fen, "expenditure_fen": ln.expenditure_fen,
             "balance_fen": ln.balance_fen, "insured_person_count": ln.insured_person_count} for ln in lines]


def compilation(row: mm.CenterBudgetDraft) -> budget.BudgetCompilation:
    confirmed = row.tax_confirmed_revenue
    return budget.BudgetCompilation(
        row.draft_id, row.year, row.region_code, row.tax_cosign_required,
        tuple(budget.BudgetLine(**ln) for ln in row.lines), row.status,
        None if confirmed is None else tuple((budget.Scheme(s), v) for s, v in confirmed), row.revision,
        tuple(row.returned), tuple(
            budget.AppliedAdjustment(a["adjustment_id"], tuple(budget.BudgetLine(**d) for d in a["deltas"]),
                                     datetime.fromisoformat(a["at"])) for a in row.adjustments or ()))


def store(row: mm.CenterBudgetDraft, comp: budget.BudgetCompilation, at: datetime, note: str) -> None:
    row.status, row.revision, row.lines, row.returned = comp.status, comp.revision, _lines_out(comp.lines), \
        list(comp.returned)
    row.tax_confirmed_revenue = None if comp.tax_confirmed_revenue is None else [
        [s.value, v] for s, v in comp.tax_confirmed_revenue]
    row.adjustments = [{"adjustment_id": a.adjustment_id, "at": a.at.isoformat(), "deltas": [
        {"scheme": d.scheme.value, "revenue_fen": d.revenue_fen, "expenditure_fen": d.expenditure_fen}
        for d in a.deltas]} for a in comp.adjustments]
    row.history, row.updated_at = [*row.history, {"at": at.isoformat(), "note": note, "status": comp.status}], at


def draft_view(row: mm.CenterBudgetDraft) -> dict:
    comp = compilation(row)
    waiting = {"drafting": "the center (submit; Hainan needs tax's revenue confirmation first)",
               "submitted": "the review chain (bureau, finance, government, congress)",
               "approved": "nothing: the budget is in execution"}[comp.status]
    return {"draft_id": row.draft_id, "year": row.year, "region_code": row.region_code, "status": comp.status,
            "revision": comp.revision, "tax_cosign_required": comp.tax_cosign_required,
            "tax_cosigned": comp.tax_cosigned, "returned_reasons": list(comp.returned), "waiting_for": waiting,
            "schemes": row.lines, "budget": budget.budget_figures(comp),
            "adjustments_applied": [a.adjustment_id for a in comp.adjustments], "history": row.history}


def plan_of(row: mm.CenterFundUsePlan) -> budget.FundUsePlan:
    lines = tuple(budget.PlanLine(ln["month"], ln["scheme"], ln["amount_fen"]) for ln in row.lines)
    return budget.FundUsePlan(row.plan_id, row.quarter, row.region_code, lines, row.basis, row.submitted_at)


def _day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


class MoneyEntrypoints:
    def clock(self) -> datetime:
        """The one source of 'now' for the center's money rules; tests override it with fixed dates."""
        return datetime.now(UTC)

    # -- budget draft (HO-08) --------------------------------------------------------------------------------
    def _draft_row(self, draft_id: str) -> mm.CenterBudgetDraft:
        row = self.db.session.get(mm.CenterBudgetDraft, draft_id)
        if row is None:
            raise NotFound(f"the center has no budget draft {draft_id!r}")
        return row

    @http("POST", "/budget-drafts", request_schema=CompileRequest, expected_exceptions=ERRORS)
    def compile_budget(self, request):
        """Start a draft; whether tax must co-sign comes from the region's chain configuration."""
        body, now = CompileRequest().load(json_body(request)), self.clock()
        if self.db.session.get(mm.CenterBudgetDraft, body["draft_id"]) is not None:
            raise budget.DomainError(f"draft {body['draft_id']} exists; change its lines instead")
        comp = budget.compile_budget(body["draft_id"], body["year"], body["region_code"],
                                     [budget.BudgetLine(**s) for s in body["schemes"]],
                                     tax_cosign_required=budget.tax_cosign_required_for(body["region_code"]))
        row = mm.CenterBudgetDraft(draft_id=comp.draft_id, year=comp.year, region_code=comp.region_code,
                                   region_level=body["region_level"], tax_cosign_required=comp.tax_cosign_required,
                                   history=[], returned=[])
        store(row, comp, now, "compiled")
        self.db.session.add(row)
        return 201, draft_view(row)

    @http("PUT", "/budget-drafts/<draft_id>/lines", request_schema=LinesRequest, expected_exceptions=ERRORS)
    def revise_budget(self, request, draft_id):
        body, row, now = LinesRequest().load(json_body(request)), self._draft_row(draft_id), self.clock()
        comp = budget.revise_lines(compilation(row), [budget.BudgetLine(**s) for s in body["schemes"]])
        store(row, comp, now, "lines revised")
        return draft_view(row)

    @handles("fundlink.tax.budget_draft.revenue_confirmed.v1")
    def on_revenue_confirmed(self, event):
        data, now = event.data, self.clock()
        row = self._draft_row(data["draft_id"])
        revenue = {ln["scheme"]: ln["revenue_fen"] for ln in data["lines"]}
        store(row, budget.record_tax_confirmation(compilation(row), "tax", now, revenue), now, "tax co-signed revenue")

    @http("POST", "/budget-drafts/<draft_id>/submit", expected_exceptions=ERRORS)
    def submit_budget(self, request, draft_id):
        row, now = self._draft_row(draft_id), self.clock()
        comp, event = budget.submit_budget_draft(compilation(row), "hs_center", now)
        store(row, comp, now, f"submitted (revision {event.revision})")
        self.db.publish(BudgetDraftSubmitted, {
            "draft_id": draft_id, "year": row.year, "region_code": row.region_code, "region_level": row.region_level,
            "schemes": _lines_out(event.lines), "tax_cosigned": event.tax_cosigned, "submitted_at": now},
            subject=draft_id, correlation_id=draft_id, region=row.region_code)
        return 202, draft_view(row)

    @handles("fundlink.healthcare_security.budget_draft.reviewed.v1")
    def on_bureau_review(self, event):
        data, now = event.data, self.clock()
        row = self._draft_row(data["draft_id"])
        if data["decision"] == "returned":
            if row.status != "submitted":
                return  # already back with the center (finance's progress notice of the same return came first)
            comp = budget.take_back_for_revision(compilation(row), "healthcare_security",
                                                 data.get("comments") or "returned by the bureau", now)
            store(row, comp, now, f"returned by the bureau: {data.get('comments', '')}")
        else:
            store(row, compilation(row), now, "forwarded by the bureau to finance")

    @handles("fundlink.people_government.budget.approved.v1")
    def on_government_decision(self, event):
        data, now = event.data, self.clock()
        row = self._draft_row(data["draft_id"])
        if data["decision"] == "returned" and row.status != "submitted":
            return  # already back with the center (finance's progress notice of the same return came first)
        if data["decision"] == "returned":
            comp = budget.take_back_for_revision(compilation(row), "people_government",
                                                 f"returned by {data['approving_body']}", now)
        elif data["requires_congress"]:
            comp = compilation(row)
        else:
            comp = budget.record_budget_approved(compilation(row), now)
        store(row, comp, now, f"government {data['decision']} ({data['approval_id']})")

    @handles("fundlink.peoples_congress.budget.approved.v1")
    def on_congress_decision(self, event):
        data, now = event.data, self.clock()
        row = self._draft_row(data["draft_id"])
        if row.status != "submitted":
            return  # already decided here (finance's progress notice of the same decision came first)
        comp = compilation(row)
        comp = budget.record_budget_approved(comp, now) if data["decision"] == "approved" else \
            budget.take_back_for_revision(comp, "peoples_congress", f"not approved ({data['approval_id']})", now)
        store(row, comp, now, f"congress {data['decision']} ({data['approval_id']})")

    @http("GET", "/budget-drafts/<draft_id>")
    def get_budget(self, request, draft_id):
        return draft_view(self._draft_row(draft_id))

    @http("GET", "/budget-drafts")
    def list_budgets(self, request):
        rows = self.db.session.scalars(select(mm.CenterBudgetDraft).order_by(mm.CenterBudgetDraft.draft_id))
        return {"drafts": [draft_view(r) for r in rows]}

    # -- execution, adjustment, final accounts (HO-12…HO-14) ------------------------------------------------
    @http("POST", "/budget-execution-reports", request_schema=ExecutionRequest, expected_exceptions=ERRORS)
    def report_execution(self, request):
        body, now = ExecutionRequest().load(json_body(request)), self.clock()
        row = self._draft_row(body["draft_id"])
        reports = [budget.report_execution(compilation(row), body["quarter"], scheme, rev, exp, "hs_center", now)
                   for scheme, (rev, exp) in sorted(body["actuals"].items())]
        payload = {"report_id": body["report_id"], "year": row.year, "quarter": body["quarter"],
                   "region_code": row.region_code, "reported_at": now, "lines": [
                       {"scheme": r.scheme.value, "budget_revenue_fen": r.budget_revenue_fen,
                        "budget_expenditure_fen": r.budget_expenditure_fen, "revenue_fen": r.revenue_fen,
                        "expenditure_fen": r.expenditure_fen} for r in reports]}
        self._sent("execution_report", body["report_id"], BudgetExecutionReported, payload, row.region_code, now)
        return 202, {"report_id": body["report_id"], "late": any(r.late for r in reports),
                     "deadline": budget.execution_report_deadline(body["quarter"]).as_dict()}

    @http("POST", "/final-accounts", request_schema=FinalAccountsRequest, expected_exceptions=ERRORS)
    def submit_final_accounts(self, request):
        body, now = FinalAccountsRequest().load(json_body(request)), self.clock()
        event = budget.submit_final_accounts(body["draft_id"], body["year"], body["region_code"], [
            budget.BudgetLine(s["scheme"], s["revenue_fen"], s["expenditure_fen"], s["rolling_balance_fen"])
            for s in body["schemes"]], "hs_center", now)
        payload = {**body, "submitted_at": now}
        self._sent("final_accounts", event.draft_id, FinalAccountsSubmitted, payload, body["region_code"], now)
        return 202, {"draft_id": event.draft_id, "rolling_balance_fen": event.rolling_balance_fen}

    @handles("fundlink.healthcare_security.final_accounts.reviewed.v1")
    def on_final_accounts_reviewed(self, event):
        row = self.db.session.get(mm.CenterMoneyRecord, event.data["draft_id"])
        if row is None or row.kind != "final_accounts":
            raise NotFound(f"review of unknown final accounts {event.data['draft_id']!r}")
        row.status = event.data["decision"]

    @http("GET", "/final-accounts/<draft_id>")
    def get_final_accounts(self, request, draft_id):
        row = self.db.session.get(mm.CenterMoneyRecord, draft_id)
        if row is None or row.kind != "final_accounts":
            raise NotFound(f"the center has sent no final accounts {draft_id!r}")
        return {"draft_id": draft_id, "status": row.status, "sent": row.data}

    @http("POST", "/ltc-contributions", request_schema=LtcRequest, expected_exceptions=ERRORS)
    def transfer_ltc(self, request):
        body, now = LtcRequest().load(json_body(request)), self.clock()
        event = budget.transfer_ltc_part(body["year"], body["part"], body["insured_person_count"], now)
        payload = {**body, "per_person_fen": event.per_person_fen, "amount_fen": event.amount_fen,
                   "waived": event.waived, "transferred_on": _day(now)}
        self._sent("ltc_transfer", body["transfer_id"], LtcContributionTransferred, payload, body["region_code"], now)
        return 202, {"transfer_id": body["transfer_id"], "amount_fen": event.amount_fen, "waived": event.waived,
                     "late": event.late, "deadline": budget.ltc_transfer_deadline(body["year"]).as_dict()}

    def _sent(self, kind, record_id, schema, payload, region, now) -> None:
        if self.db.session.get(mm.CenterMoneyRecord, record_id) is not None:
            raise budget.DomainError(f"{kind} {record_id} was already sent")
        self.db.session.add(mm.CenterMoneyRecord(record_id=record_id, kind=kind, data=schema().dump(payload),
                                                 status="sent", at=now))
        self.db.publish(schema, payload, subject=record_id, correlation_id=record_id, region=region)

    # -- fund-use plans (HO-15, HO-16, HO-17 in) -------------------------------------------------------------
    @http("POST", "/fund-use-plans/rounds", request_schema=RoundRequest, expected_exceptions=ERRORS)
    def open_round(self, request):
        """The provincial center names the regions that must apply for ``quarter``."""
        body = RoundRequest().load(json_body(request))
        self.db.session.merge(mm.CenterPlanRound(quarter=body["quarter"], expected_regions=body["expected_regions"]))
        return 201, self._round_view(body["quarter"])

    @http("POST", "/fund-use-plans", request_schema=PlanRequest, expected_exceptions=ERRORS)
    def submit_plan(self, request):
        body, now = PlanRequest().load(json_body(request)), self.clock()
        if self.db.session.get(mm.CenterFundUsePlan, body["plan_id"]) is not None:
            raise budget.DuplicatePlan(f"plan {body['plan_id']} was already submitted")
        plan, events = budget.submit_plan(body["plan_id"], body["quarter"], body["region_code"],
                                          [budget.PlanLine(**ln) for ln in body["lines"]], body["basis"], now)
        due = budget.city_plan_deadline(plan.quarter)
        lines = [{"month": ln.month, "scheme": ln.scheme.value, "amount_fen": ln.amount_fen} for ln in plan.lines]
        self.db.session.add(mm.CenterFundUsePlan(plan_id=plan.plan_id, quarter=plan.quarter,
                                                 region_code=plan.region_code, lines=lines, basis=plan.basis,
                                                 submitted_at=now, due_at=due.due_at, late=plan.late))
        for alert in events[1:]:
            self._alert("fund_use_plan_late", alert.region_code, f"{alert.quarter}", alert.due_at, now)
        self.db.publish(FundUsePlanSubmitted, {
            "plan_id": plan.plan_id, "quarter": plan.quarter, "region_code": plan.region_code,
            "lines": [{**ln, "basis": plan.basis} for ln in lines], "total_fen": plan.total_fen, "submitted_at": now},
            subject=plan.plan_id, correlation_id=plan.plan_id, region=plan.region_code)
        return 202, {"plan_id": plan.plan_id, "late": plan.late, "deadline": due.as_dict(), "total_fen": plan.total_fen}

    @handles("fundlink.hs_center.fund_use_plan.submitted.v1")
    def on_plan_submitted(self, event):
        """The provincial center receives a city's plan (the city and the province share this service)."""
        row = self.db.session.get(mm.CenterFundUsePlan, event.data["plan_id"])
        if row is None:
            raise NotFound(f"plan {event.data['plan_id']} is not in the center's records")
        row.received_at = self.clock()

    @http("POST", "/fund-use-plans/consolidations", request_schema=ConsolidateRequest, expected_exceptions=ERRORS)
    def consolidate(self, request):
        body, now = ConsolidateRequest().load(json_body(request)), self.clock()
        rnd = self.db.session.get(mm.CenterPlanRound, body["quarter"])
        if rnd is None:
            raise NotFound(f"no planning round is open for {body['quarter']}; open it with the expected regions")
        rows = self._received_plans(body["quarter"])
        result, event = budget.consolidate(body["plan_id"], body["quarter"], rnd.expected_regions,
                                           [plan_of(r) for r in rows], now, accept_late=body["accept_late"])
        sources = {r.region_code: r.plan_id for r in rows if r.region_code not in result.missing_regions}
        lines = [{"region_code": ln.region_code, "month": ln.month, "scheme": ln.scheme.value,
                  "amount_fen": ln.amount_fen} for ln in result.lines]
        self.db.session.add(mm.CenterConsolidatedPlan(
            plan_id=result.plan_id, quarter=result.quarter, lines=lines, source_plans=sources,
            missing_regions=list(result.missing_regions), consolidated_at=now, late=event.late, status="consolidated"))
        rnd.consolidated_plan_id = result.plan_id
        regions = [{"region_code": region, "source_plan_id": plan_id,
                    "lines": [{k: ln[k] for k in ("month", "scheme", "amount_fen")} for ln in lines
                              if ln["region_code"] == region],
                    "region_total_fen": sum(ln["amount_fen"] for ln in lines if ln["region_code"] == region)}
                   for region, plan_id in sorted(sources.items())]
        self.db.publish(FundUsePlanConsolidated, {
            "plan_id": result.plan_id, "quarter": result.quarter, "regions": regions,
            "missing_regions": list(result.missing_regions), "total_fen": result.total_fen, "consolidated_at": now},
            subject=result.plan_id, correlation_id=result.plan_id, region=PROVINCE)
        return 202, {"plan_id": result.plan_id, "missing_regions": list(result.missing_regions),
                     "total_fen": result.total_fen, "late": event.late,
                     "deadline": budget.consolidation_deadline(result.quarter).as_dict()}

    def _received_plans(self, quarter: str) -> list[mm.CenterFundUsePlan]:
        q = select(mm.CenterFundUsePlan).where(mm.CenterFundUsePlan.quarter == quarter,
                                               mm.CenterFundUsePlan.received_at.is_not(None))
        return list(self.db.session.scalars(q.order_by(mm.CenterFundUsePlan.region_code)))

    @handles("fundlink.finance.fund_use_plan.reviewed.v1")
    def on_plan_reviewed(self, event):
        row = self.db.session.get(mm.CenterConsolidatedPlan, event.data["plan_id"])
        if row is None:
            raise NotFound(f"review of unknown consolidated plan {event.data['plan_id']!r}")
        row.status, row.approved_lines = event.data["decision"], event.data["approved_lines"]
        row.adjustment_reason = event.data.get("adjustment_reason")

    def _round_view(self, quarter: str) -> dict:
        rnd = self.db.session.get(mm.CenterPlanRound, quarter)
        if rnd is None:
            raise NotFound(f"no planning round for {quarter}")
        plans = {r.region_code: r for r in self.db.session.scalars(
            select(mm.CenterFundUsePlan).where(mm.CenterFundUsePlan.quarter == quarter))}
        alerts = self.db.session.scalars(select(mm.CenterMoneyAlert).where(mm.CenterMoneyAlert.subject == quarter))
        consolidated = rnd.consolidated_plan_id and self.db.session.get(mm.CenterConsolidatedPlan,
                                                                        rnd.consolidated_plan_id)
        return {
            "quarter": quarter, "plans_due": budget.city_plan_deadline(quarter).as_dict(),
            "consolidation_due": budget.consolidation_deadline(quarter).as_dict(),
            "regions": {region: None if region not in plans else {
                "plan_id": plans[region].plan_id, "submitted_at": plans[region].submitted_at.isoformat(),
                "late": plans[region].late, "received": plans[region].received_at is not None}
                for region in rnd.expected_regions},
            "alerts": [{"kind": a.kind, "region_code": a.region_code, "due_at": a.due_at.isoformat(),
                        "detected_at": a.detected_at.isoformat()} for a in alerts],
            "consolidation": None if not consolidated else {
                "plan_id": consolidated.plan_id, "status": consolidated.status,
                "missing_regions": consolidated.missing_regions, "approved_lines": consolidated.approved_lines}}

    @http("GET", "/fund-use-plans/rounds/<quarter>")
    def get_round(self, request, quarter):
        return self._round_view(quarter)

    # -- allocation in (HO-18), disbursement out (HO-19) -------------------------------------------------------
    def _book(self, plan_id: str) -> budget.DisbursementBook:
        plan = self.db.session.get(mm.CenterConsolidatedPlan, plan_id)
        if plan is None or plan.approved_lines is None:
            raise budget.DomainError(f"plan {plan_id} has no approved split from finance and healthcare_security yet")
        book = budget.open_disbursement_book(plan_id, plan.quarter, [
            budget.ApprovedLine(ln["region_code"], ln["month"], ln["scheme"], ln["amount_fen"])
            for ln in plan.approved_lines])
        for a in self.db.session.scalars(select(mm.CenterAllocation).where(mm.CenterAllocation.plan_id == plan_id)):
            book, _ = budget.receive_allocation(book, a.allocation_id, a.month, a.scheme, a.amount_fen, a.received_at)
        disbursed = {}
        for d in self.db.session.scalars(select(mm.CenterDisbursement).where(mm.CenterDisbursement.plan_id == plan_id)):
            key = (d.region_code, d.month, budget.Scheme(d.scheme))
            disbursed[key] = disbursed.get(key, 0) + d.amount_fen
        ids = frozenset(self.db.session.scalars(select(mm.CenterDisbursement.disbursement_id).where(
            mm.CenterDisbursement.plan_id == plan_id)))
        return replace(book, disbursed=disbursed, disbursement_ids=ids)

    def _accounts(self) -> budget.Accounts:
        allocations = self.db.session.execute(select(mm.CenterAllocation.scheme, mm.CenterAllocation.amount_fen))
        paid = self.db.session.execute(select(mm.CenterDisbursement.region_code, mm.CenterDisbursement.scheme,
                                              mm.CenterDisbursement.amount_fen))
        return budget.center_accounts(list(allocations), list(paid))

    @handles("fundlink.finance.fund.allocated.v1")
    def on_allocated(self, event):
        data, now = event.data, self.clock()
        book, received = budget.receive_allocation(self._book(data["plan_id"]), data["allocation_id"], data["month"],
                                                   data["scheme"], data["amount_fen"], now)
        self.db.session.add(mm.CenterAllocation(
            allocation_id=received.allocation_id, plan_id=received.plan_id, month=received.month,
            scheme=received.scheme.value, amount_fen=received.amount_fen,
            value_date=date.fromisoformat(data["value_date"]), received_at=now))
        self.db.publish(AllocationReceived, {"allocation_id": received.allocation_id,
                                             "amount_fen": received.amount_fen, "to_account": data["to_account"],
                                             "received_on": _day(now)},
                        subject=received.allocation_id, correlation_id=event.correlationid, region=PROVINCE)

    @http("POST", "/disbursements", request_schema=DisburseRequest, expected_exceptions=ERRORS)
    def disburse(self, request):
        """Never beyond the allocation for the month nor the region's approved split; due by the 5th."""
        body, now = DisburseRequest().load(json_body(request)), self.clock()
        accounts = self._accounts().opened(budget.expenditure_account(body["region_code"], body["scheme"]))
        accounts = accounts.opened(budget.provincial_expenditure_account(body["scheme"]))
        _, accounts, event = budget.disburse(self._book(body["plan_id"]), accounts, body["disbursement_id"],
                                             body["region_code"], body["month"], body["scheme"], body["amount_fen"],
                                             now)
        self.db.session.add(mm.CenterDisbursement(
            disbursement_id=event.disbursement_id, plan_id=event.plan_id, month=event.month,
            region_code=event.region_code, scheme=event.scheme.value, amount_fen=event.amount_fen,
            value_date=_day(now), late=event.late, confirmed=False))
        self.db.publish(FundDisbursed, {
            "disbursement_id": event.disbursement_id, "plan_id": event.plan_id, "month": event.month,
            "region_code": event.region_code, "scheme": event.scheme.value, "amount_fen": event.amount_fen,
            "from_account": event.from_account, "to_account": event.to_account, "value_date": _day(now)},
            subject=event.disbursement_id, correlation_id=event.plan_id, region=event.region_code)
        return 202, {"disbursement_id": event.disbursement_id, "late": event.late,
                     "deadline": budget.disbursement_deadline(event.month).as_dict(),
                     "balance_after_fen": accounts.balance(event.from_account)}

    @handles("fundlink.hs_center.fund.disbursed.v1")
    def on_disbursed(self, event):
        """The city/county center's side: the money arrived in its expenditure account."""
        data, now = event.data, self.clock()
        row = self.db.session.get(mm.CenterDisbursement, data["disbursement_id"])
        if row is None:
            raise NotFound(f"disbursement {data['disbursement_id']} is not in the center's records")
        row.received_on = _day(now)
        self.db.publish(DisbursementReceived, {"disbursement_id": row.disbursement_id, "region_code": row.region_code,
                                               "amount_fen": row.amount_fen, "received_on": row.received_on},
                        subject=row.disbursement_id, correlation_id=event.correlationid, region=row.region_code)

    @handles("fundlink.hs_center.fund.disbursement_received.v1")
    def on_disbursement_received(self, event):
        row = self.db.session.get(mm.CenterDisbursement, event.data["disbursement_id"])
        if row is None:
            raise NotFound(f"receipt for unknown disbursement {event.data['disbursement_id']!r}")
        row.confirmed = True

    @http("GET", "/disbursements")
    def list_disbursements(self, request):
        plan_id = request.args.get("plan_id")
        q = select(mm.CenterDisbursement).order_by(mm.CenterDisbursement.month, mm.CenterDisbursement.region_code)
        if plan_id:
            q = q.where(mm.CenterDisbursement.plan_id == plan_id)
        out = {"disbursements": [
            {"disbursement_id": d.disbursement_id, "plan_id": d.plan_id, "month": d.month,
             "region_code": d.region_code, "scheme": d.scheme, "amount_fen": d.amount_fen, "late": d.late,
             "received_on": d.received_on, "confirmed": d.confirmed} for d in self.db.session.scalars(q)]}
        if plan_id:
            out["open"] = [{"what": o.what, "due_at": o.deadline.due_at.isoformat()}
                           for o in budget.open_deadlines(self._book(plan_id).obligations())]
        return out

    @http("GET", "/expenditure-accounts")
    def expenditure_accounts(self, request):
        return {"accounts": dict(sorted(self._accounts().balances.items()))}

    # -- missed deadlines ------------------------------------------------------------------------------------
    def _alert(self, kind: str, region: str, subject: str, due_at: datetime, now: datetime) -> bool:
        alert_id = f"{kind}:{subject}:{region}"
        if self.db.session.get(mm.CenterMoneyAlert, alert_id) is not None:
            return False
        self.db.session.add(mm.CenterMoneyAlert(alert_id=alert_id, kind=kind, region_code=region, subject=subject,
                                                due_at=due_at, detected_at=now))
        return True

    @timer(interval=5)
    def watch_money_deadlines(self):
        """Alert once per city without an on-time plan; keep the deadline gauges current."""
        now = self.clock()
        owed: dict[str, list] = {"fund_use_plan": [], "fund_disbursement": []}
        for rnd in self.db.session.scalars(select(mm.CenterPlanRound)):
            plans = [plan_of(r) for r in self.db.session.scalars(
                select(mm.CenterFundUsePlan).where(mm.CenterFundUsePlan.quarter == rnd.quarter))]
            for late in budget.flag_late_plans(rnd.quarter, rnd.expected_regions, plans, now):
                self._alert("fund_use_plan_late", late.region_code, late.quarter, late.due_at, now)
            owed["fund_use_plan"] += budget.plan_obligations(rnd.quarter, rnd.expected_regions, plans,
                                                             rnd.consolidated_plan_id is not None)
        for plan in self.db.session.scalars(select(mm.CenterConsolidatedPlan).where(
                mm.CenterConsolidatedPlan.status != "consolidated")):
            owed["fund_disbursement"] += self._book(plan.plan_id).obligations()
        metrics = self.db.runtime.metrics
        for kind, obligations in owed.items():
            metrics.deadlines_open.labels(self.agency, kind).set(len(budget.open_deadlines(obligations)))
            metrics.deadlines_overdue.labels(self.agency, kind).set(len(budget.overdue(obligations, now)))
