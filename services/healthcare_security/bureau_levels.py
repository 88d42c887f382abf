"""Hand-offs from one of the bureau's offices or levels to another: producer and consumer are both
healthcare_security, and each side keeps its own record (bureau_level_models.py).

* HO-31: registering a whistle-blower report (POST /reports) publishes ``report.received``; the receiving
  bureau puts it on its docket with the 30-day handling limit (GET /report-docket/<report_id>). The event
  says what was reported and whether the reporter gave a real name, never who (002:115).
* HO-37: the supervising body proposes a penalty on a case (POST /cases/<case_id>/penalty-proposals); the
  competent authority receives it (GET /penalty-proposals/<id>) and decides (POST .../decision, a head); the
  decision comes back onto the case's timeline.
* HO-42: an upper bureau issues an enforcement-supervision notice (POST /enforcement-notices); the lower
  bureau receives it with its 10 days to ask for review (GET /enforcement-notices/received/<id>), may ask
  (POST .../review-request); the upper bureau, its 15 days running, decides (POST
  /enforcement-notices/issued/<id>/review-decision, a head) and the lower bureau records the decision.

Mixed into HealthcareSecurityService ahead of MatterEntrypoints, which provides ``_new_matter``; the service
provides ``clock``, ``db``, ``_step`` and ``publish_events``.
"""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import Schema, fields, validate

from shared.bus.fields import REGION_CODE, Fen
from shared.bus.runtime import handles, http
from shared.calendar import china_calendar
from shared.http import Conflict, NotFound, json_body
from shared.records import dump, load

from . import domain, schemas
from .bureau_level_models import BureauLevelMatter
from .domain import case as case_rules
from .domain import proposals, reports, supervision

ERRORS = (domain.DomainError,)
ID = validate.Length(min=1, max=64)
TEXT = validate.Length(min=1, max=4000)
NAME = validate.Length(min=1, max=200)
KINDS: dict[str, type] = {
    "report_docket": reports.ReportDocketEntry,
    "penalty_proposal": proposals.PenaltyProposal,
    "enforcement_issued": supervision.EnforcementSupervision,  # the upper bureau's copy
    "enforcement_received": supervision.EnforcementSupervision,  # the lower bureau's copy
}


# --- requests ---------------------------------------------------------------------------------------------


class ReportIn(schemas.ReportRequest):
    """POST /reports, with the target's kind and code (the catalogue's ``target`` object)."""

    target_kind = fields.String(load_default="other", validate=validate.OneOf(
        ["institution", "pharmacy", "insured_person", "employer", "handling_agency", "other"]))
    target_id = fields.String(validate=ID)


class ProposalIn(Schema):
    proposal_id = fields.String(required=True, validate=ID)
    supervision_id = fields.String(validate=ID)
    party = fields.Nested(schemas.PenalisedParty, required=True)
    violations = fields.String(required=True, validate=TEXT)
    legal_basis = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=1))
    rule_id = fields.String(required=True, validate=validate.Regexp(r"^P-\d\d$"))
    base_fen = Fen(load_default=0)
    proposed_fine_fen = Fen(required=True)
    jurisdiction = fields.String(load_default="national", validate=validate.OneOf(["national", "jiangsu"]))
    fine_on = fields.String(validate=validate.OneOf(["unit", "persons"]))  # the §5 table's party
    tier = fields.String(validate=validate.OneOf(["serious", "especially_serious"]))
    proposed_measures = fields.List(fields.String(validate=NAME))


class ProposalDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(proposals.PROPOSAL_DECISIONS))
    approved_fine_fen = Fen()
    reasons = fields.String(validate=TEXT)
    decided_by = fields.String(required=True, validate=NAME)


class NoticeIn(Schema):
    notice_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)  # the lower bureau's region
    issuing_unit = fields.String(required=True, validate=NAME)
    lower_unit = fields.String(required=True, validate=NAME)
    related_case_id = fields.String(validate=ID)
    defects = fields.List(fields.String(validate=TEXT), required=True, validate=validate.Length(min=1))
    required_action = fields.String(required=True, validate=TEXT)
    correct_by = fields.Date(required=True)


class ReviewRequestIn(Schema):
    request_id = fields.String(required=True, validate=ID)
    grounds = fields.String(required=True, validate=TEXT)


class ReviewDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(supervision.REVIEW_DECISIONS))
    reasons = fields.String(required=True, validate=TEXT)
    decided_by = fields.String(required=True, validate=NAME)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class BureauLevelEntrypoints:
    # --- HO-31: a report registered here goes to the receiving bureau's docket --------------------------

    @http("POST", "/reports", expected_exceptions=ERRORS)
    def receive_report(self, request):
        """Register a report (the reporter stays on the report row) and hand it to the receiving bureau."""
        b = ReportIn().load(json_body(request))
        who = domain.Reporter(**b["reporter"]) if b.get("reporter") else None
        report, events = domain.receive_report(b["report_id"], b["channel"], b["target"], b["clues"], self.clock(),
                                               china_calendar(), reporter=who)
        view = self._new_matter("report", report.report_id, b["region_code"], report)
        target = {"kind": b["target_kind"], "name": b["target"], "target_id": b.get("target_id")}
        self.publish_events(events, b["region_code"], report.report_id, {
            "target": {k: v for k, v in target.items() if v is not None}, "clues": b["clues"],
            "real_name": who is not None})
        return 201, view

    @handles("fundlink.healthcare_security.report.received.v1")
    def on_report_received(self, event):
        d = event.data
        if self._level_row("report_docket", d["report_id"]) is not None:
            return  # already on the docket
        entry = reports.accept_report(
            d["report_id"], d["channel"], d["target"]["kind"], d["target"]["name"], d["real_name"],
            _at(d["received_at"]), self.clock(), china_calendar(), target_id=d["target"].get("target_id"))
        self._new_level("report_docket", entry.report_id, d["region_code"], entry, {"clues": d["clues"]})

    @http("GET", "/report-docket/<report_id>")
    def show_report_docket(self, request, report_id):
        return self._level_view(self._level("report_docket", report_id, lock=False))

    # --- HO-37: penalty proposal to the competent authority ---------------------------------------------

    @http("POST", "/cases/<case_id>/penalty-proposals", expected_exceptions=ERRORS)
    def submit_penalty_proposal(self, request, case_id):
        b = ProposalIn().load(json_body(request))
        decision = domain.PenaltyDecision(b["rule_id"], b["base_fen"], b["proposed_fine_fen"], b["jurisdiction"],
                                          b.get("fine_on"), b.get("tier"))
        extra = {"party": b["party"], "violations": b["violations"], "supervision_id": b.get("supervision_id"),
                 "proposed_measures": b.get("proposed_measures")}
        return 201, self._step(case_id, domain.propose_penalty, b["proposal_id"], decision, b["legal_basis"],
                               self.clock(), extra=extra)

    @handles("fundlink.healthcare_security.penalty.proposal_submitted.v1")
    def on_penalty_proposal_submitted(self, event):
        d = event.data
        if self._level_row("penalty_proposal", d["proposal_id"]) is not None:
            return
        p = d["party"]
        proposal = proposals.receive_proposal(
            d["proposal_id"], d["case_id"], p["kind"], p["party_id"], p["name"], d["violations"], d["legal_basis"],
            _at(d["submitted_at"]), self.clock(), proposed_fine_fen=d.get("proposed_fine_fen"),
            proposed_measures=d.get("proposed_measures", ()), supervision_id=d.get("supervision_id"))
        self._new_level("penalty_proposal", proposal.proposal_id, event.region, proposal, {})

    @http("GET", "/penalty-proposals/<proposal_id>")
    def show_penalty_proposal(self, request, proposal_id):
        return self._level_view(self._level("penalty_proposal", proposal_id, lock=False))

    @http("POST", "/penalty-proposals/<proposal_id>/decision", expected_exceptions=ERRORS)
    def decide_penalty_proposal(self, request, proposal_id):
        b = ProposalDecisionIn().load(json_body(request))
        row = self._level("penalty_proposal", proposal_id)
        proposal, events = proposals.decide_proposal(
            load(proposals.PenaltyProposal, row.doc), b["decision"], b["decided_by"], self.clock(),
            approved_fine_fen=b.get("approved_fine_fen"), reasons=b.get("reasons"))
        view = self._save_level(row, proposal)
        self.publish_events(events, row.region_code, proposal.case_id)
        return view

    @handles("fundlink.healthcare_security.penalty.proposal_approved.v1")
    def on_penalty_proposal_decided(self, event):
        d = event.data
        self._step(d["case_id"], case_rules.record_proposal_decision, d["proposal_id"], d["decision"],
                   _at(d["decided_at"]), approved_fine_fen=d.get("approved_fine_fen"),
                   what="penalty proposal decision")

    # --- HO-42: enforcement supervision, upper bureau to lower bureau and back ---------------------------

    @http("POST", "/enforcement-notices", expected_exceptions=ERRORS)
    def issue_enforcement_notice(self, request):
        b = NoticeIn().load(json_body(request))
        if self._level_row("enforcement_issued", b["notice_id"]) is not None:
            raise Conflict(f"enforcement notice {b['notice_id']} was already issued")
        es, events = supervision.send_enforcement_notice(
            b["notice_id"], b["issuing_unit"], b["lower_unit"], b["defects"], b["correct_by"], self.clock(),
            china_calendar())
        facts = {"issuing_unit": b["issuing_unit"], "required_action": b["required_action"],
                 "related_case_id": b.get("related_case_id")}
        view = self._new_level("enforcement_issued", es.notice_id, b["region_code"], es, facts)
        self.publish_events(events, b["region_code"], es.notice_id, facts)
        return 201, view

    @handles("fundlink.healthcare_security.enforcement_supervision.notice_issued.v1")
    def on_enforcement_notice(self, event):
        """The lower bureau receives the notice now: its 10 days to ask for review start (001:393)."""
        d = event.data
        if self._level_row("enforcement_received", d["notice_id"]) is not None:
            return
        es, _ = supervision.issue_enforcement_notice(
            d["notice_id"], d["lower_unit"], d["defects"], date.fromisoformat(d["correct_by"]), self.clock(),
            china_calendar())
        facts = {k: d.get(k) for k in ("issuing_unit", "required_action", "related_case_id", "issued_at")}
        self._new_level("enforcement_received", es.notice_id, event.region, es, facts)

    @http("GET", "/enforcement-notices/issued/<notice_id>")
    def show_issued_enforcement_notice(self, request, notice_id):
        return self._level_view(self._level("enforcement_issued", notice_id, lock=False))

    @http("GET", "/enforcement-notices/received/<notice_id>")
    def show_received_enforcement_notice(self, request, notice_id):
        return self._level_view(self._level("enforcement_received", notice_id, lock=False))

    @http("POST", "/enforcement-notices/received/<notice_id>/review-request", expected_exceptions=ERRORS)
    def request_enforcement_review(self, request, notice_id):
        """The lower bureau asks for review; after its 10 days the decision stands (ReviewWindowClosed, 409)."""
        b = ReviewRequestIn().load(json_body(request))
        row = self._level("enforcement_received", notice_id)
        received = load(supervision.EnforcementSupervision, row.doc)
        es, events = supervision.request_enforcement_review(received, b["grounds"], self.clock(), china_calendar())
        view = self._save_level(row, es, {"request_id": b["request_id"]})
        self.publish_events(events, row.region_code, notice_id,
                            {"request_id": b["request_id"], "notice_received_at": es.received_at})
        return view

    @handles("fundlink.healthcare_security.enforcement_supervision.review_requested.v1")
    def on_enforcement_review_requested(self, event):
        d = event.data
        row = self._level("enforcement_issued", d["notice_id"])
        es, _ = supervision.record_review_request(
            load(supervision.EnforcementSupervision, row.doc), d["grounds"], _at(d["notice_received_at"]),
            _at(d["requested_at"]), china_calendar())
        self._save_level(row, es, {"request_id": d["request_id"], "grounds": d["grounds"]})

    @http("POST", "/enforcement-notices/issued/<notice_id>/review-decision", expected_exceptions=ERRORS)
    def decide_enforcement_review(self, request, notice_id):
        b = ReviewDecisionIn().load(json_body(request))
        row = self._level("enforcement_issued", notice_id)
        es, events = supervision.decide_enforcement_review(
            load(supervision.EnforcementSupervision, row.doc), b["decision"], b["reasons"], self.clock())
        view = self._save_level(row, es, {"decided_by": b["decided_by"], "reasons": b["reasons"]})
        self.publish_events(events, row.region_code, notice_id, {"request_id": row.facts["request_id"]})
        return view

    @handles("fundlink.healthcare_security.enforcement_supervision.review_decided.v1")
    def on_enforcement_review_decided(self, event):
        d = event.data
        row = self._level("enforcement_received", d["notice_id"])
        es, _ = supervision.decide_enforcement_review(
            load(supervision.EnforcementSupervision, row.doc), d["decision"], d["reasons"], _at(d["decided_at"]))
        self._save_level(row, es, {"reasons": d["reasons"]})

    # --- plumbing -----------------------------------------------------------------------------------------

    def _level_row(self, kind: str, matter_id: str, lock: bool = True) -> BureauLevelMatter | None:
        return self.db.session.get(BureauLevelMatter, (kind, matter_id), with_for_update=lock)

    def _level(self, kind: str, matter_id: str, lock: bool = True) -> BureauLevelMatter:
        row = self._level_row(kind, matter_id, lock)
        if row is None:
            raise NotFound(f"unknown {kind.replace('_', ' ')} {matter_id!r}: healthcare_security has none")
        return row

    def _new_level(self, kind: str, matter_id: str, region_code: str, value, facts: dict) -> dict:
        row = BureauLevelMatter(kind=kind, matter_id=matter_id, region_code=region_code, facts={})
        return self._save_level(row, value, facts)

    def _save_level(self, row: BureauLevelMatter, value, facts: dict | None = None) -> dict:
        deadlines = value.deadlines
        row.state, row.doc, row.updated_at = value.state.value, dump(value), self.clock()
        row.next_due_at = min((d.due_at for _, d in deadlines), default=None)
        if facts:
            row.facts = {**(row.facts or {}), **dump({k: v for k, v in facts.items() if v is not None})}
        self.db.session.add(row)
        return self._level_view(row, value)

    def _level_view(self, row: BureauLevelMatter, value=None) -> dict:
        value = value if value is not None else load(KINDS[row.kind], row.doc)
        now = self.clock()
        return {"kind": row.kind, "region_code": row.region_code, **dump(value), "facts": row.facts,
                "open_deadlines": [{"name": n, **d.as_dict(), "overdue": d.is_overdue(now)}
                                   for n, d in domain.open_deadlines(value, now)]}
