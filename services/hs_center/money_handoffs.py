"""The center's side of the budget-adjustment chain (HO-13) and the quarterly fund operation report (HO-20).
Mixed into HsCenterService; rules in budget.py.

HO-13: the center proposes "together with tax" when revenue changes (004:25): tax co-signs the proposal's figures
with its own key (``tax.chain_step.signed``, step ``proposed``) and only then does the proposal go to the bureau
and finance (``tax_cosigned`` in it says so; no officer asserts it). Finance tracks the chain and tells the
center where its proposal stands (``finance.approval_chain.progressed``); a returned proposal is revised and
proposed again under the same ``adjustment_id``, and the chain resumes at the step that returned it. Once the
chain approves it, the adjustment applies to the budget lines (original, adjustment, adjusted, in fen). A budget
draft returned at a later step (e.g. a co-signatory refusing the joint submission) comes back the same way;
final accounts follow their chain (the province's up to the NPC standing committee).

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

from shared import notices
from shared.bus.fields import REGION_CODE
from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from . import budget
from . import money_models as mm
from .models import Base
from .money import PROVINCE, AdjustmentRequest, BudgetAdjustmentProposed, compilation, store
from .notices import NOTICES
from .schemas import FundOperationLine, FundOperationQuarterlyReported

ID = validate.Length(min=1, max=64)
ERRORS = (budget.DomainError,)
CHAIN_KEYS = ("chain_history", "state", "sequence", "pending_step", "awaiting", "revision", "tax",
              "waiting")  # kept beside the proposal


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


def _deltas(body_deltas: dict) -> list[budget.BudgetLine]:
    return [budget.BudgetLine(s, rev, exp) for s, (rev, exp) in sorted(body_deltas.items())]


class MoneyHandoffEntrypoints:
    # -- HO-13: the proposal, tax's co-signature, where it stands, its revision and its application --------------
    def _adjustment(self, adjustment_id: str) -> mm.CenterMoneyRecord:
        row = self.db.session.get(mm.CenterMoneyRecord, adjustment_id)
        if row is None or row.kind != "adjustment":
            raise NotFound(f"the center has proposed no adjustment {adjustment_id!r}")
        return row

    def _tax_cosignature(self, adjustment_id: str) -> dict | None:
        """Tax's latest signed co-signature (or refusal) of the proposal, kept as a notice when it came first."""
        rows = self.db.session.execute(
            select(NOTICES.c.data).where(NOTICES.c.subject == adjustment_id, NOTICES.c.signer == "tax")
            .order_by(NOTICES.c.received_at)).scalars().all()
        signed = [d for d in rows if d.get("kind") == "adjustment" and d.get("step") == "proposed"]
        return signed[-1] if signed else None

    def _send_adjustment(self, row: mm.CenterMoneyRecord, now: datetime) -> None:
        """Send the proposal to the bureau and finance if tax's signature (where revenue changes) is there with
        the figures proposed; otherwise it waits for tax (or stands refused by tax)."""
        data = row.data
        tax = data.get("tax")
        if tax is not None and tax["region_code"] != data["region_code"]:
            tax = None  # tax of another region signed; it does not co-sign this center's proposal
        signed = None if tax is None or tax["decision"] != "signed" else \
            (tax["total_revenue_fen"], tax["total_expenditure_fen"])
        try:
            event = budget.propose_adjustment(compilation(self._draft_row(data["draft_id"])), row.record_id,
                                              data["reason"], _deltas(data["deltas"]), now, tax_signed=signed)
        except (budget.TaxCosignatureMissing, budget.TaxFiguresDiffer) as waiting:
            refused = tax is not None and tax["decision"] == "returned"
            row.status = "refused_by_tax" if refused else "awaiting_tax"
            note = f"tax refused to co-sign: {tax.get('reasons', '')}" if refused else str(waiting)
            row.data = {**data, "waiting": note}
            return
        payload = {"adjustment_id": row.record_id, "draft_id": event.draft_id, "year": event.year,
                   "region_code": event.region_code, "reason": event.reason,
                   "delta_revenue_fen": event.delta_revenue_fen, "delta_expenditure_fen": event.delta_expenditure_fen,
                   "tax_cosigned": event.tax_cosigned, "proposed_at": now}
        row.status = "sent"
        row.data = {**{k: v for k, v in data.items() if k != "waiting"}, **BudgetAdjustmentProposed().dump(payload)}
        self.db.publish(BudgetAdjustmentProposed, payload, subject=row.record_id, correlation_id=row.record_id,
                        region=event.region_code)

    def _draft_adjustment(self, row: mm.CenterMoneyRecord, body: dict, now: datetime) -> None:
        draft = self._draft_row(body["draft_id"])
        budget.draft_adjustment(compilation(draft), row.record_id, body["reason"], _deltas(body["deltas"]), now)
        row.data = {**row.data, "draft_id": draft.draft_id, "year": draft.year, "region_code": draft.region_code,
                    "reason": body["reason"].strip(), "deltas": body["deltas"]}
        self._send_adjustment(row, now)

    @http("POST", "/budget-adjustments", request_schema=AdjustmentRequest, expected_exceptions=ERRORS)
    def propose_adjustment(self, request):
        """HO-13: the center proposes an adjustment of its approved budget. When revenue changes it proposes
        together with tax (004:25): the proposal goes to the bureau and finance once tax's own signed
        co-signature of its figures has arrived (``tax.chain_step.signed``, step ``proposed``)."""
        body, now = AdjustmentRequest().load(json_body(request)), self.clock()
        if self.db.session.get(mm.CenterMoneyRecord, body["adjustment_id"]) is not None:
            raise budget.DomainError(f"adjustment {body['adjustment_id']} was already proposed; revise it instead")
        row = mm.CenterMoneyRecord(record_id=body["adjustment_id"], kind="adjustment", status="drafted", at=now,
                                   data={"tax": self._tax_cosignature(body["adjustment_id"])})
        self.db.session.add(row)
        self._draft_adjustment(row, body, now)
        return 202, self._adjustment_view(row)

    @http("POST", "/budget-adjustments/<adjustment_id>/revision", request_schema=AdjustmentRevisionRequest,
          expected_exceptions=ERRORS)
    def revise_adjustment(self, request, adjustment_id):
        """A returned adjustment (or one tax has not co-signed), revised and proposed again; the chain resumes
        where it was returned. Changed figures need tax's co-signature again where revenue changes."""
        body, now = AdjustmentRevisionRequest().load(json_body(request)), self.clock()
        row = self._adjustment(adjustment_id)
        budget.check_adjustment_revisable(adjustment_id, row.status)
        tax = row.data.get("tax")
        if tax is not None and tax["decision"] != "signed":
            tax = None  # a refusal was of the figures before this revision
        row.data = {**row.data, "tax": tax, "revision": row.data.get("revision", 0) + 1}
        self._draft_adjustment(row, {**body, "adjustment_id": adjustment_id}, now)
        return 202, self._adjustment_view(row)

    @handles("fundlink.tax.chain_step.signed.v1")
    def on_tax_signed_step(self, event):
        """Tax's signed step. Its co-signature of a proposal (step ``proposed``) sends a proposal that waits
        for it; every tax signature is kept as a notice (so MoneyNotices does not handle this type)."""
        notices.keep(self.db.session, NOTICES, event, self.clock())
        data = event.data
        if data["kind"] != "adjustment" or data["step"] != "proposed":
            return
        row = self.db.session.get(mm.CenterMoneyRecord, data["draft_id"])
        if row is None or row.kind != "adjustment":
            return  # tax signed first; the proposal finds the signature among the notices
        row.data = {**row.data, "tax": data}
        if row.status in ("awaiting_tax", "refused_by_tax"):
            self._send_adjustment(row, self.clock())

    @handles("fundlink.finance.approval_chain.progressed.v1")
    def on_chain_progressed(self, event):
        data, now = event.data, self.clock()
        if data["kind"] == "adjustment":
            self._adjustment_progressed(data, now)
        elif data["kind"] == "budget" and data["action"] == "returned" and data["by"] != "finance":
            # Returned past the bureau (a co-signatory refusing the joint submission, the government, the
            # congress). Finance's own return goes back to the bureau (HO-10), not to the center.
            draft = self.db.session.get(mm.CenterBudgetDraft, data["draft_id"], with_for_update=True)
            if draft is not None and draft.status == "submitted":
                comp = budget.take_back_for_revision(compilation(draft), data["by"], data.get("note") or
                                                     f"returned by {data['by']}", now)
                store(draft, comp, now, f"returned by {data['by']}: {data.get('note', '')}")
        elif data["kind"] == "final_accounts":
            record = self.db.session.get(mm.CenterMoneyRecord, data["draft_id"], with_for_update=True)
            if record is not None and record.kind == "final_accounts" and \
                    record.data.get("sequence", 0) < data["sequence"]:
                record.status = "approved" if data["complete"] else "returned" if data["action"] == "returned" \
                    else record.status
                record.data = {**record.data, "sequence": data["sequence"], "state": data["state"],
                               "pending_step": data.get("pending_step"), "awaiting": data["awaiting"]}

    def _adjustment_progressed(self, data: dict, now: datetime) -> None:
        row = self._adjustment(data["draft_id"])
        if row.data.get("sequence", 0) >= data["sequence"]:
            return  # an older notice overtaken by a newer one
        row.status = "approved" if data["complete"] else "returned" if data["action"] == "returned" \
            else "in_review"  # the chain's own state is kept in the record (status holds 20 characters)
        history = [*row.data.get("chain_history", []), {"at": now.isoformat(), "state": data["state"],
                                                        "action": data["action"], "by": data["by"],
                                                        "note": data.get("note", "")}]
        row.data = {**row.data, "chain_history": history, "state": data["state"], "sequence": data["sequence"],
                    "pending_step": data.get("pending_step"), "awaiting": data["awaiting"]}
        if data["complete"]:
            self._apply_adjustment(row, now)

    def _apply_adjustment(self, row: mm.CenterMoneyRecord, now: datetime) -> None:
        """The chain approved the adjustment: its changes apply to the budget lines (004:25)."""
        draft = self._draft_row(row.data["draft_id"])
        comp = compilation(draft)
        if budget.applied(comp, row.record_id):
            return
        comp = budget.apply_adjustment(comp, row.record_id, _deltas(row.data["deltas"]), now)
        store(draft, comp, now, f"adjustment {row.record_id} applied")

    def _adjustment_view(self, row: mm.CenterMoneyRecord) -> dict:
        return {"adjustment_id": row.record_id, "status": row.status, "state": row.data.get("state"),
                "revision": row.data.get("revision", 0), "waiting": row.data.get("waiting"),
                "tax_cosignature": row.data.get("tax"),
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
