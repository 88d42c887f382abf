"""The center's side of the budget-adjustment chain (HO-13) and the quarterly fund operation report (HO-20).
Mixed into HsCenterService; rules in budget.py.

HO-13: finance tracks the chain (004:25) and tells the center where its proposal stands
(``finance.approval_chain.progressed``); a returned proposal is revised and proposed again under the same
``adjustment_id``, and the chain resumes at the step that returned it. A budget draft returned at a later step
(e.g. a co-signatory refusing the joint submission) comes back the same way.

HO-20 (004:37): city/county centers report their quarter to the provincial center; the provincial center (the
same service) records them off the bus and reports the sum, with the missing regions, to healthcare_security and
finance. Deadlines are [design] (budget.operation_report_deadline); a missed one is alerted once by
:meth:`watch_operation_reports`, called from the service's ``watch_deadlines``.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import JSON, Boolean, DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.bus.fields import REGION_CODE
from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from . import budget
from . import money_models as mm
from .models import Base
from .money import PROVINCE, AdjustmentRequest, BudgetAdjustmentProposed, compilation, store
from .schemas import FundOperationLine, FundOperationQuarterlyReported

ID = validate.Length(min=1, max=64)
ERRORS = (budget.DomainError,)
CHAIN_KEYS = ("chain_history", "state", "sequence", "pending_step", "awaiting", "revision")  # beside the proposal


# --- tables (migration 0401) ---------------------------------------------------------------------------------


# An officer's quarter: years the calendar can count (a year 0 would break the date arithmetic).
QUARTER = validate.Regexp(r"^20\d{2}-Q[1-4]$", error="must be a quarter as YYYY-Qn, year 2000-2099")

class OperationRound(Base):
    """The regions that owe the provincial center a quarter's fund operation report."""

    __tablename__ = "center_operation_round"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    expected_regions: Mapped[list] = mapped_column(JSON)
    consolidated_report_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class OperationReport(Base):
    """A quarterly fund operation report sent (``received_at`` once the provincial center has it off the bus)."""

    __tablename__ = "center_operation_report"

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    region_level: Mapped[str] = mapped_column(String(10))
    lines: Mapped[list] = mapped_column(JSON)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- payloads -----------------------------------------------------------------------------------------------


class OperationReportRequest(Schema):
    report_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    region_code = fields.String(required=True, validate=REGION_CODE)
    region_level = fields.String(required=True, validate=validate.OneOf(["city", "county"]))
    lines = fields.List(fields.Nested(FundOperationLine), required=True, validate=validate.Length(min=1, max=2))


class OperationRoundRequest(Schema):
    quarter = fields.String(required=True, validate=QUARTER)
    expected_regions = fields.List(fields.String(validate=REGION_CODE), required=True, validate=validate.Length(min=1))


class OperationConsolidationRequest(Schema):
    report_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)


class AdjustmentRevisionRequest(AdjustmentRequest):
    class Meta:
        exclude = ("adjustment_id",)


def _report(row: OperationReport) -> budget.OperationReport:
    return budget.OperationReport(row.report_id, row.quarter, row.region_code,
                                  tuple(budget.OperationLine(**ln) for ln in row.lines), row.reported_at)


def _lines_out(lines) -> list[dict]:
    return [{"scheme": ln.scheme.value, "revenue_fen": ln.revenue_fen, "expenditure_fen": ln.expenditure_fen,
             "rolling_balance_fen": ln.rolling_balance_fen, "insured_person_count": ln.insured_person_count}
            for ln in lines]


class MoneyHandoffEntrypoints:
    # -- HO-13: where the proposal stands, and its revision ----------------------------------------------------
    def _adjustment(self, adjustment_id: str) -> mm.CenterMoneyRecord:
        row = self.db.session.get(mm.CenterMoneyRecord, adjustment_id)
        if row is None or row.kind != "adjustment":
            raise NotFound(f"the center has proposed no adjustment {adjustment_id!r}")
        return row

    @handles("fundlink.finance.approval_chain.progressed.v1")
    def on_chain_progressed(self, event):
        data, now = event.data, self.clock()
        if data["kind"] == "adjustment":
            row = self._adjustment(data["draft_id"])
            if row.data.get("sequence", 0) >= data["sequence"]:
                return  # an older notice overtaken by a newer one
            row.status = "approved" if data["complete"] else "returned" if data["action"] == "returned" \
                else "in_review"  # the chain's own state is kept in the record (status holds 20 characters)
            history = [*row.data.get("chain_history", []), {"at": now.isoformat(), "state": data["state"],
                                                            "action": data["action"], "by": data["by"],
                                                            "note": data.get("note", "")}]
            row.data = {**row.data, "chain_history": history, "state": data["state"], "sequence": data["sequence"],
                        "pending_step": data.get("pending_step"),
                        "awaiting": data["awaiting"]}
        elif data["kind"] == "budget" and data["action"] == "returned":
            draft = self.db.session.get(mm.CenterBudgetDraft, data["draft_id"])
            if draft is not None and draft.status == "submitted":  # returned past the bureau (e.g. by a co-signer)
                comp = budget.take_back_for_revision(compilation(draft), data["by"], data.get("note") or
                                                     f"returned by {data['by']}", now)
                store(draft, comp, now, f"returned by {data['by']}: {data.get('note', '')}")

    @http("POST", "/budget-adjustments/<adjustment_id>/revision", request_schema=AdjustmentRevisionRequest,
          expected_exceptions=ERRORS)
    def revise_adjustment(self, request, adjustment_id):
        """A returned adjustment, revised and proposed again; the chain resumes where it was returned."""
        body, now = AdjustmentRevisionRequest().load(json_body(request)), self.clock()
        row = self._adjustment(adjustment_id)
        budget.check_adjustment_revisable(adjustment_id, row.status)
        draft = self._draft_row(body["draft_id"])
        event = budget.propose_adjustment(
            compilation(draft), adjustment_id, body["reason"],
            [budget.BudgetLine(s, rev, exp) for s, (rev, exp) in body["deltas"].items()], now,
            tax_cosigned=body["tax_cosigned"])
        payload = {"adjustment_id": adjustment_id, "draft_id": event.draft_id, "year": event.year,
                   "region_code": event.region_code, "reason": event.reason,
                   "delta_revenue_fen": event.delta_revenue_fen, "delta_expenditure_fen": event.delta_expenditure_fen,
                   "tax_cosigned": event.tax_cosigned, "proposed_at": now}
        row.status = "sent"
        row.data = {**row.data, **BudgetAdjustmentProposed().dump(payload), "revision": row.data.get("revision", 0) + 1}
        self.db.publish(BudgetAdjustmentProposed, payload, subject=adjustment_id, correlation_id=adjustment_id,
                        region=event.region_code)
        return 202, self._adjustment_view(row)

    def _adjustment_view(self, row: mm.CenterMoneyRecord) -> dict:
        return {"adjustment_id": row.record_id, "status": row.status, "state": row.data.get("state"),
                "revision": row.data.get("revision", 0),
                "pending_step": row.data.get("pending_step"), "awaiting": row.data.get("awaiting", []),
                "history": row.data.get("chain_history", []),
                "proposal": {k: v for k, v in row.data.items() if k not in CHAIN_KEYS}}

    @http("GET", "/budget-adjustments/<adjustment_id>")
    def get_adjustment(self, request, adjustment_id):
        return self._adjustment_view(self._adjustment(adjustment_id))

    # -- HO-20 -------------------------------------------------------------------------------------------------
    @http("POST", "/fund-operation-reports/rounds", request_schema=OperationRoundRequest)
    def open_operation_round(self, request):
        body = OperationRoundRequest().load(json_body(request))
        self.db.session.merge(OperationRound(quarter=body["quarter"], expected_regions=body["expected_regions"]))
        return 201, self._operation_round_view(body["quarter"])

    @http("POST", "/fund-operation-reports", request_schema=OperationReportRequest, expected_exceptions=ERRORS)
    def report_fund_operation(self, request):
        """HO-20 out: a city/county center's quarter, to the provincial center."""
        body, now = OperationReportRequest().load(json_body(request)), self.clock()
        if self.db.session.get(OperationReport, body["report_id"]) is not None:
            raise budget.DuplicateReport(f"report {body['report_id']} was already sent")
        report = budget.report_operation(body["report_id"], body["quarter"], body["region_code"],
                                         [budget.OperationLine(**ln) for ln in body["lines"]], now)
        lines = _lines_out(report.lines)
        self.db.session.add(OperationReport(report_id=report.report_id, quarter=report.quarter,
                                            region_code=report.region_code, region_level=body["region_level"],
                                            lines=lines, reported_at=now, late=report.late))
        self.db.publish(FundOperationQuarterlyReported, {**body, "lines": lines, "reported_at": now},
                        subject=report.report_id, correlation_id=report.report_id, region=report.region_code)
        return 202, {"report_id": report.report_id, "late": report.late,
                     "deadline": budget.operation_report_deadline(report.quarter).as_dict()}

    @handles("fundlink.hs_center.fund_operation.quarterly_reported.v1")
    def on_operation_reported(self, event):
        """The provincial center's side: a city/county report arrived (its own consolidated report is ignored)."""
        data = event.data
        if data["region_level"] == "province":
            return
        row = self.db.session.get(OperationReport, data["report_id"])
        if row is None:  # sent by a center outside this deployment
            row = OperationReport(report_id=data["report_id"], quarter=data["quarter"],
                                  region_code=data["region_code"], region_level=data["region_level"],
                                  lines=data["lines"], reported_at=datetime.fromisoformat(data["reported_at"]),
                                  late=budget.operation_report_deadline(data["quarter"]).is_overdue(
                                      datetime.fromisoformat(data["reported_at"])))
            self.db.session.add(row)
        row.received_at = self.clock()

    @http("POST", "/fund-operation-reports/consolidations", request_schema=OperationConsolidationRequest,
          expected_exceptions=ERRORS)
    def consolidate_operation_reports(self, request):
        """HO-20 on: the provincial sum to healthcare_security and finance, with the regions that did not report."""
        body, now = OperationConsolidationRequest().load(json_body(request)), self.clock()
        rnd = self.db.session.get(OperationRound, body["quarter"])
        if rnd is None:
            raise NotFound(f"no fund operation round for {body['quarter']}")
        if rnd.consolidated_report_id is not None:
            raise budget.DuplicateReport(f"{body['quarter']} was already reported as {rnd.consolidated_report_id}")
        received = [_report(r) for r in self._operation_reports(body["quarter"]) if r.received_at is not None]
        lines, missing = budget.consolidate_operation_reports(body["report_id"], body["quarter"],
                                                              rnd.expected_regions, received, now)
        out = _lines_out(lines)
        rnd.consolidated_report_id = body["report_id"]
        self.db.session.add(OperationReport(report_id=body["report_id"], quarter=body["quarter"], region_code=PROVINCE,
                                            region_level="province", lines=out, reported_at=now, received_at=now,
                                            late=budget.provincial_operation_report_deadline(
                                                body["quarter"]).is_overdue(now)))
        self.db.publish(FundOperationQuarterlyReported, {
            "report_id": body["report_id"], "quarter": body["quarter"], "region_code": PROVINCE,
            "region_level": "province", "lines": out, "reported_at": now},
            subject=body["report_id"], correlation_id=body["report_id"], region=PROVINCE)
        return 202, {"report_id": body["report_id"], "missing_regions": list(missing), "lines": out}

    def _operation_reports(self, quarter: str) -> list[OperationReport]:
        return list(self.db.session.scalars(select(OperationReport).where(
            OperationReport.quarter == quarter, OperationReport.region_level != "province")))

    def _operation_obligations(self, rnd: OperationRound) -> tuple[budget.Obligation, ...]:
        reported = [r.region_code for r in self._operation_reports(rnd.quarter) if r.received_at is not None]
        return budget.operation_report_obligations(rnd.quarter, rnd.expected_regions, reported,
                                                   rnd.consolidated_report_id is not None)

    def _operation_round_view(self, quarter: str) -> dict:
        rnd = self.db.session.get(OperationRound, quarter)
        if rnd is None:
            raise NotFound(f"no fund operation round for {quarter}")
        now = self.clock()
        reports = {r.region_code: r for r in self._operation_reports(quarter)}
        alerts = self.db.session.scalars(select(mm.CenterMoneyAlert).where(
            mm.CenterMoneyAlert.kind == "fund_operation_report_late", mm.CenterMoneyAlert.subject == quarter))
        return {"quarter": quarter, "due": budget.operation_report_deadline(quarter).as_dict(),
                "consolidated_report_id": rnd.consolidated_report_id,
                "regions": {region: None if region not in reports else {
                    "report_id": reports[region].report_id, "late": reports[region].late,
                    "received": reports[region].received_at is not None} for region in rnd.expected_regions},
                "open": [{"what": o.what, "due_at": o.deadline.due_at.isoformat(),
                          "overdue": o.deadline.is_overdue(now)}
                         for o in budget.open_deadlines(self._operation_obligations(rnd))],
                "alerts": [{"region_code": a.region_code, "due_at": a.due_at.isoformat(),
                            "detected_at": a.detected_at.isoformat()} for a in alerts]}

    @http("GET", "/fund-operation-reports/rounds/<quarter>")
    def get_operation_round(self, request, quarter):
        return self._operation_round_view(quarter)

    def watch_operation_reports(self) -> dict[str, tuple]:
        """One alert per region whose report missed its deadline; sets the ``fund_operation_report`` gauges."""
        now = self.clock()
        owed: list = []
        for rnd in self.db.session.scalars(select(OperationRound)):
            obligations = self._operation_obligations(rnd)
            owed += obligations
            for o in budget.overdue(obligations, now):
                region = o.party.removeprefix("hs_center:")
                alert_id = f"fund_operation_report_late:{rnd.quarter}:{region}"
                if self.db.session.get(mm.CenterMoneyAlert, alert_id) is None:
                    self.db.session.add(mm.CenterMoneyAlert(
                        alert_id=alert_id, kind="fund_operation_report_late",
                        region_code=PROVINCE if region == "province" else region, subject=rnd.quarter,
                        due_at=o.deadline.due_at, detected_at=now))
        metrics = self.db.runtime.metrics
        metrics.deadlines_open.labels(self.agency, "fund_operation_report").set(len(budget.open_deadlines(owed)))
        metrics.deadlines_overdue.labels(self.agency, "fund_operation_report").set(len(budget.overdue(owed, now)))
        return {"open": budget.open_deadlines(owed), "overdue": budget.overdue(owed, now)}
