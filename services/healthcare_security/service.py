"""healthcare_security's nameko service: thin entrypoints; the rules are in domain/.

Cases (§4.1, §4.2) and the transfer to police (HO-22 … HO-26) are here; reports, rewards, referrals, clues,
joint inspections and supervision are in ``matters.py``, budget review in ``budget_review.py``.

Clock seam: every transition takes "now" from :meth:`HealthcareSecurityService.clock` (the wall clock, UTC).
Tests fix time by subclassing the service and overriding ``clock``; the overdue sweep
(:meth:`watch_deadlines`) takes ``now`` from its caller: the 5 s ``watch`` timer passes the wall clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from shared.bus.runtime import AgencyService, handles, http
from shared.calendar import china_calendar
from shared.http import Conflict, NotFound, json_body
from shared.records import dump, load

from . import domain, models, schemas
from .agreement_actions import AgreementActionEntrypoints
from .budget_review import BudgetReviewEntrypoints
from .bureau_levels import BureauLevelEntrypoints
from .employer_violations import EmployerViolationEntrypoints
from .joint_inspection_entrypoints import JointInspectionEntrypoints
from .matters import MatterEntrypoints
from .payloads import message
from .service_pricing_entrypoints import ServicePricingEntrypoints
from .views import case_view

ERRORS = (domain.DomainError,)


class HealthcareSecurityService(AgencyService, BureauLevelEntrypoints,  # before MatterEntrypoints: POST /reports
                                 BudgetReviewEntrypoints, AgreementActionEntrypoints, MatterEntrypoints,
                                 EmployerViolationEntrypoints,
                                 ServicePricingEntrypoints, JointInspectionEntrypoints):
    name = "healthcare_security"
    agency = "healthcare_security"
    metadata = models.Base.metadata
    fraud_threshold_fen = 500_000  # the province's "relatively large" amount (Criminal Law art. 266): 5,000 yuan

    def clock(self) -> datetime:
        return datetime.now(UTC)

    # --- cases ---------------------------------------------------------------------------------------------

    @http("POST", "/cases", expected_exceptions=ERRORS)
    def open_case(self, request):
        body = schemas.OpenCase().load(json_body(request))
        if self.db.session.get(models.CaseRecord, body["case_id"]) is not None:
            raise Conflict(f"case {body['case_id']} is already open")
        case, _ = domain.open_lead(body["case_id"], self.clock())
        return 201, self._save(models.CaseRecord(case_id=case.case_id, region_code=body["region_code"]), case)

    @http("GET", "/cases/<case_id>")
    def show_case(self, request, case_id):
        record = self._record(case_id, "show")
        return case_view(load(domain.Case, record.doc), record.region_code, self.clock())

    @http("GET", "/cases")
    def list_cases(self, request):
        """``?overdue=1``: only cases with a time limit passed; ``?state=...`` filters by state."""
        now, query = self.clock(), select(models.CaseRecord).order_by(models.CaseRecord.case_id)
        if request.args.get("state"):
            query = query.where(models.CaseRecord.state == request.args["state"])
        if request.args.get("overdue") in ("1", "true", "yes"):
            query = query.where(models.CaseRecord.next_due_at < now)
        return {"cases": [self._summary(r, now) for r in self.db.session.scalars(query)]}

    @http("POST", "/cases/<case_id>/filing", expected_exceptions=ERRORS)
    def file_case(self, request, case_id):
        body = schemas.FileCase().load(json_body(request))
        return self._step(case_id, domain.file_case, body["filed_by"], self.clock(), china_calendar())

    @http("POST", "/cases/<case_id>/investigation", expected_exceptions=ERRORS)
    def start_investigation(self, request, case_id):
        body = schemas.StartInvestigation().load(json_body(request))
        return self._step(case_id, domain.start_investigation, body["officers"], self.clock())

    @http("POST", "/cases/<case_id>/findings", expected_exceptions=ERRORS)
    def record_findings(self, request, case_id):
        body = schemas.Findings().load(json_body(request))
        return self._step(case_id, domain.record_findings, body["amount_defrauded_fen"], self.fraud_threshold_fen,
                          self.clock(), suspected_crime=body["suspected_crime"])

    # --- HO-22: transfer to police (移送) -------------------------------------------------------------------

    @http("POST", "/cases/<case_id>/transfer-report", expected_exceptions=ERRORS)
    def submit_transfer_report(self, request, case_id):
        report = transfer_report(schemas.TransferReportRequest().load(json_body(request)))
        return self._step(case_id, domain.submit_transfer_report, report, self.clock(), china_calendar())

    @http("POST", "/cases/<case_id>/transfer-decision", expected_exceptions=ERRORS)
    def decide_transfer(self, request, case_id):
        body = schemas.HeadDecision().load(json_body(request))
        if body["approve"]:
            return self._step(case_id, domain.approve_transfer, body["decided_by"], self.clock())
        return self._step(case_id, domain.refuse_transfer, body["decided_by"], body.get("reasons"), self.clock())

    @http("POST", "/cases/<case_id>/transfer", expected_exceptions=ERRORS)
    def transfer_to_police(self, request, case_id):
        return self._step(case_id, domain.transfer_to_police, self.clock())

    # --- HO-23 … HO-26: the police's answers and ours ----------------------------------------------------

    @handles("fundlink.public_security.case.receipt_signed.v1")
    def on_receipt_signed(self, event):
        d = event.data
        self._step(d["case_id"], domain.record_receipt, datetime.fromisoformat(d["received_at"]), d["receiving_unit"],
                   self.clock(), china_calendar(), receipt_id=d["receipt_id"], forwarded_to=d.get("forwarded_to"),
                   what="receipt")

    @handles("fundlink.public_security.case.filing_decided.v1")
    def on_filing_decided(self, event):
        d = event.data
        self._step(d["case_id"], domain.record_filing_decision, d["decision"], self.clock(), china_calendar(),
                   reasons=d.get("reasons"), files_returned=d["files_returned"], forwarded_to=d.get("forwarded_to"),
                   what="filing decision")

    @http("POST", "/cases/<case_id>/reconsideration", expected_exceptions=ERRORS)
    def request_reconsideration(self, request, case_id):
        body = schemas.Grounds().load(json_body(request))
        return self._step(case_id, domain.request_reconsideration, body["grounds"], self.clock(), china_calendar())

    @handles("fundlink.public_security.case.reconsideration_decided.v1")
    def on_reconsideration_decided(self, event):
        d = event.data
        self._step(d["case_id"], domain.record_reconsideration_decision, domain.RECONSIDERATION_OUTCOMES[d["decision"]],
                   d["reasons"], self.clock(), china_calendar(), what="reconsideration decision")

    @http("POST", "/cases/<case_id>/filing-supervision", expected_exceptions=ERRORS)
    def request_filing_supervision(self, request, case_id):
        body = schemas.Grounds().load(json_body(request))
        return self._step(case_id, domain.request_filing_supervision, body["grounds"], self.clock())

    @http("POST", "/cases/<case_id>/supervision-outcome", expected_exceptions=ERRORS)
    def record_supervision_outcome(self, request, case_id):
        """The procuratorate's supervision result, as the officer received it (no hand-off in the catalogue)."""
        body = schemas.SupervisionOutcome().load(json_body(request))
        return self._step(case_id, domain.record_supervision_outcome, body["police_filed"], self.clock(),
                          china_calendar())

    @http("POST", "/cases/<case_id>/return-for-penalty", expected_exceptions=ERRORS)
    def return_for_penalty(self, request, case_id):
        body = schemas.DecidedBy().load(json_body(request))
        return self._step(case_id, domain.return_for_administrative_penalty, body["decided_by"], self.clock())

    @http("POST", "/cases/<case_id>/evidence-handover", expected_exceptions=ERRORS)
    def hand_over_evidence(self, request, case_id):
        body = schemas.EvidenceHandoverRequest().load(json_body(request))
        return self._step(case_id, domain.hand_over_evidence, [i["description"] for i in body["items"]], self.clock(),
                          handover_id=body["handover_id"], extra={"items": body["items"]})

    @handles("fundlink.public_security.case.evidence_received.v1")
    def on_evidence_received(self, event):
        d = event.data
        self._step(d["case_id"], domain.record_evidence_received, d["handover_id"], d["received_by"],
                   datetime.fromisoformat(d["received_at"]), what="evidence receipt")

    @http("POST", "/cases/<case_id>/criminal-closure", expected_exceptions=ERRORS)
    def close_criminal(self, request, case_id):
        return self._step(case_id, domain.close_criminal, self.clock())

    # --- §4.1 penalty path (art. 11 guard in the domain) --------------------------------------------------

    @http("POST", "/cases/<case_id>/prior-notice", expected_exceptions=ERRORS)
    def serve_prior_notice(self, request, case_id):
        return self._step(case_id, domain.serve_prior_notice, self.clock(), china_calendar())

    @http("POST", "/cases/<case_id>/statement-review", expected_exceptions=ERRORS)
    def review_statement(self, request, case_id):
        return self._step(case_id, domain.review_statement, self.clock())

    @http("POST", "/cases/<case_id>/penalty", expected_exceptions=ERRORS)
    def decide_penalty(self, request, case_id):
        body = schemas.PenaltyRequest().load(json_body(request))
        decided_by = body.pop("decided_by")
        return self._step(case_id, domain.decide_penalty, domain.PenaltyDecision(**body), decided_by, self.clock(),
                          china_calendar())

    @http("POST", "/cases/<case_id>/no-penalty", expected_exceptions=ERRORS)
    def decide_no_penalty(self, request, case_id):
        body = schemas.Reasons().load(json_body(request))
        return self._step(case_id, domain.decide_no_penalty, body["reasons"], self.clock())

    @http("POST", "/cases/<case_id>/service", expected_exceptions=ERRORS)
    def serve_decision(self, request, case_id):
        return self._step(case_id, domain.serve_decision, self.clock(), china_calendar())

    @http("POST", "/cases/<case_id>/performance", expected_exceptions=ERRORS)
    def record_performance(self, request, case_id):
        return self._step(case_id, domain.record_performance, self.clock())

    @http("POST", "/cases/<case_id>/closure", expected_exceptions=ERRORS)
    def close_case(self, request, case_id):
        body = schemas.ClosedBy().load(json_body(request))
        return self._step(case_id, domain.close_case, body["closed_by"], self.clock())

    @http("POST", "/cases/<case_id>/settlement-suspension", expected_exceptions=ERRORS)
    def order_settlement_suspension(self, request, case_id):
        """HO-39: hs_center suspends settlement for a target that refuses to cooperate."""
        b = schemas.SettlementSuspensionRequest().load(json_body(request))
        extra = {"target_kind": b["target_kind"], "reason": b["reason"], "effective_from": b["effective_from"]}
        view = self._step(case_id, domain.order_settlement_suspension, b["order_id"], b["target_id"],
                          b["approved_by"], self.clock(), extra=extra)
        self.remember_settlement_order(case_id, b)  # so the center's report of it finds this case
        return view

    # --- time ----------------------------------------------------------------------------------------------

    def watch_deadlines(self, now: datetime) -> None:
        """Move silent cases to their timer states, raise one alert per missed limit, refresh the gauges."""
        tally: tuple[Counter, Counter] = (Counter(), Counter())
        cases = select(models.CaseRecord).where(models.CaseRecord.next_due_at.is_not(None)).with_for_update()
        for record in self.db.session.scalars(cases):
            case, _ = domain.mark_overdue(load(domain.Case, record.doc), now)
            self._raise_alerts("case", case, now, tally)
            self._save(record, case)
        self.sweep_matters(now, tally)
        metrics = self.db.runtime.metrics
        for name in domain.deadline_names():
            metrics.deadlines_open.labels(self.agency, name).set(tally[0][name])
            metrics.deadlines_overdue.labels(self.agency, name).set(tally[1][name])

    def _raise_alerts(self, kind: str, value, now: datetime, tally: tuple[Counter, Counter]) -> None:
        for name, _ in domain.open_deadlines(value, now):
            tally[0][name] += 1
        for notice in domain.overdue_notices(value, now):
            tally[1][notice.deadline] += 1
            A = models.DeadlineAlert
            seen = select(A.id).where(A.subject_id == notice.subject_id, A.deadline == notice.deadline,
                                      A.due_at == notice.due_at)
            if self.db.session.scalars(seen).first() is None:
                self.db.session.add(A(
                    subject_kind=kind, subject_id=notice.subject_id, deadline=notice.deadline, due_at=notice.due_at,
                    detected_at=notice.detected_at, state=notice.state,
                    event_name=domain.OVERDUE_NOTICE_NAMES.get(notice.deadline, notice.event_name)))

    @http("GET", "/alerts")
    def list_alerts(self, request):
        A = models.DeadlineAlert
        rows = self.db.session.scalars(select(A).order_by(A.id))
        return {"alerts": [{"subject_kind": a.subject_kind, "subject_id": a.subject_id, "deadline": a.deadline,
                            "due_at": a.due_at.isoformat(), "detected_at": a.detected_at.isoformat(),
                            "state": a.state, "notice": a.event_name} for a in rows]}

    # --- plumbing ------------------------------------------------------------------------------------------

    def _record(self, case_id: str, what: str) -> models.CaseRecord:
        record = self.db.session.get(models.CaseRecord, case_id, with_for_update=True)
        if record is None:
            raise NotFound(f"{what} for unknown case {case_id!r}: healthcare_security has no such case")
        return record

    def _step(self, case_id: str, transition, *args, what: str = "step", extra: dict | None = None, **kwargs):
        """Load the case, apply one domain transition, store it and publish its hand-offs, in one transaction."""
        record = self._record(case_id, what)
        case, events = transition(load(domain.Case, record.doc), *args, **kwargs)
        view = self._save(record, case)
        self.publish_events(events, record.region_code, case_id, extra)
        return view

    def _save(self, record: models.CaseRecord, case: domain.Case) -> dict:
        now = self.clock()
        due = [d.due_at for _, d in case.deadlines]
        record.state, record.transfer_required, record.doc = case.state.value, case.transfer_required, dump(case)
        record.next_due_at, record.updated_at = (min(due) if due else None), now
        self.db.session.add(record)
        return case_view(case, record.region_code, now)

    def publish_events(self, events, region_code: str, subject: str, extra: dict | None = None) -> None:
        for event in events:
            out = message(event, region_code, extra)
            if out is not None:
                self.db.publish(out[0], out[1], subject=subject, correlation_id=subject, region=region_code)

    def _summary(self, record: models.CaseRecord, now: datetime) -> dict:
        case = load(domain.Case, record.doc)
        return {"case_id": record.case_id, "region_code": record.region_code, "state": record.state,
                "transfer_required": record.transfer_required,
                "overdue": [n for n, _ in domain.overdue(case, now)],
                "next_due_at": record.next_due_at.isoformat() if record.next_due_at else None}


def transfer_report(body: dict) -> domain.TransferReport:
    """The team's report from the request; attachments stay references to the bureau's file store."""
    docs = tuple(domain.Attachment(a["kind"], a["title"], a["sha256"], a["size_bytes"], a["document_id"])
                 for a in body["attachments"])
    return domain.TransferReport(
        officers=tuple(body["officers"]), suspect_kind=body["suspect"]["kind"], suspect_id=body["suspect"]["id_number"],
        suspect_name=body["suspect"]["name"], facts_summary=body["facts_summary"],
        amount_defrauded_fen=body["amount_defrauded_fen"], conduct_period=body["conduct_period"],
        legal_basis=tuple(body["legal_basis"]), attachments=docs, items_seized=body["items_seized"])

