"""HO-35 at tax: the bureau's referrals of employers that do not pay, tax's answer, and the bureau's answer to
tax's own referrals (published from the reconciliation, service.py ``_refer``). Mixed into TaxService, which
provides ``clock`` and ``db``; rules in violations.py.

HO-35 sets no time limit. Where the bureau gives the first day of arrears, tax's view shows the surcharge accrued
so far (0.05 % a day, P-02).
"""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI
from shared.http import NotFound, json_body

from . import models, schemas, violations
from . import violation_models as vm

ERRORS = (violations.ViolationError,)


class DecisionRequest(Schema):
    """POST /employer-violations/from-bureau/<referral_id>/decision: take up the bureau's referral, or return it."""

    decision = fields.String(required=True, validate=validate.OneOf([violations.ACCEPTED, violations.RETURNED]))
    case_id = fields.String(validate=validate.Length(min=1, max=64),
                            metadata={"description": "Tax's case reference; default TAX-<referral_id>."})
    reason = fields.String(validate=validate.Length(min=1, max=2000),
                           metadata={"description": "Why it is not tax's matter, when returned."})


def _iso(value):
    return value.isoformat() if value is not None else None


def bureau_referral_view(row: vm.BureauReferral, now: datetime) -> dict:
    view = {"referral_id": row.referral_id, "region_code": row.region_code, "employer_id": row.employer_id,
            "employer_name": row.employer_name, "kind": row.kind, "facts": row.facts,
            "amount_due_fen": row.amount_due_fen, "arrears_since": _iso(row.arrears_since),
            "referred_at": _iso(row.referred_at), "received_at": _iso(row.received_at), "state": row.state,
            "case_id": row.case_id, "reason": row.reason, "decided_at": _iso(row.decided_at)}
    if row.amount_due_fen is not None and row.arrears_since is not None:
        today = now.astimezone(SHANGHAI).date()
        view["late_surcharge"] = {
            "as_of": today.isoformat(), "days": violations.surcharge_days(row.arrears_since, today),
            "amount_fen": violations.late_surcharge_fen(row.amount_due_fen, row.arrears_since, today),
            "basis": violations.SURCHARGE_BASIS}
    return view


class EmployerViolationEntrypoints:
    """HO-35 at tax, both directions."""

    def _bureau_referral(self, referral_id: str, *, lock: bool = False) -> vm.BureauReferral:
        row = self.db.session.get(vm.BureauReferral, referral_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"the bureau has referred no employer violation {referral_id!r} to tax")
        return row

    @handles("fundlink.healthcare_security.employer_violation.referred.v1")
    def on_bureau_employer_violation(self, event):
        """Kept for an officer's decision; the same referral delivered twice is kept once."""
        d, now = event.data, self.clock()
        if self.db.session.get(vm.BureauReferral, d["referral_id"]) is not None:
            return
        self.db.session.add(vm.BureauReferral(
            referral_id=d["referral_id"], region_code=d["region_code"], employer_id=d["employer_id"],
            employer_name=d["employer_name"], kind=d["kind"], facts=d["facts"], amount_due_fen=d.get("amount_due_fen"),
            arrears_since=date.fromisoformat(d["arrears_since"]) if d.get("arrears_since") else None,
            referred_at=datetime.fromisoformat(d["referred_at"]), received_at=now, state=violations.RECEIVED))
        self.db.session.flush()

    @http("POST", "/employer-violations/from-bureau/<referral_id>/decision", request_schema=DecisionRequest,
          expected_exceptions=ERRORS)
    def decide_bureau_referral(self, request, referral_id):
        """HO-35 reply: tax takes up the arrears (and the surcharge runs), or returns the referral."""
        body, now = DecisionRequest().load(json_body(request)), self.clock()
        row = self._bureau_referral(referral_id, lock=True)
        violations.check_decision(referral_id, row.state, body["decision"], row.kind, body.get("reason"))
        case_id = None
        if body["decision"] == violations.ACCEPTED:
            case_id = body.get("case_id") or f"TAX-{referral_id}"[:64]
        row.state, row.case_id, row.reason, row.decided_at = body["decision"], case_id, body.get("reason"), now
        answer = {"referral_id": referral_id, "decision": body["decision"], "decided_at": now}
        answer.update({k: v for k, v in (("case_id", case_id), ("reason", body.get("reason"))) if v})
        self.db.publish(schemas.EmployerViolationAccepted, answer, subject=referral_id, correlation_id=referral_id,
                        region=row.region_code)
        return 202, bureau_referral_view(row, now)

    @http("GET", "/employer-violations/from-bureau")
    def list_bureau_referrals(self, request):
        """``?state=received|accepted|returned`` filters."""
        now, q = self.clock(), select(vm.BureauReferral).order_by(vm.BureauReferral.received_at,
                                                                  vm.BureauReferral.referral_id)
        if request.args.get("state"):
            q = q.where(vm.BureauReferral.state == request.args["state"])
        return {"referrals": [bureau_referral_view(r, now) for r in self.db.session.scalars(q)]}

    @http("GET", "/employer-violations/from-bureau/<referral_id>")
    def get_bureau_referral(self, request, referral_id):
        return bureau_referral_view(self._bureau_referral(referral_id), self.clock())

    # --- the bureau's answers to tax's referrals -------------------------------------------------------------

    @handles("fundlink.healthcare_security.employer_violation.accepted.v1")
    def on_bureau_answer(self, event):
        """The bureau accepted (and opened a case) or returned one of our referrals; kept once."""
        d, now = event.data, self.clock()
        if self.db.session.get(models.EmployerReferral, d["referral_id"]) is None:
            raise NotFound(f"the bureau answers referral {d['referral_id']!r}, which tax never sent")
        if self.db.session.get(vm.ReferralAnswer, d["referral_id"]) is not None:
            return
        self.db.session.add(vm.ReferralAnswer(
            referral_id=d["referral_id"], decision=d["decision"], case_id=d.get("case_id"), reason=d.get("reason"),
            decided_at=datetime.fromisoformat(d["decided_at"]), received_at=now))
        self.db.session.flush()

    @http("GET", "/employer-violations/to-bureau")
    def list_referrals_to_bureau(self, request):
        rows = self.db.session.scalars(select(models.EmployerReferral).order_by(models.EmployerReferral.referral_id))
        return {"referrals": [self._referral_view(r) for r in rows]}

    @http("GET", "/employer-violations/to-bureau/<referral_id>")
    def get_referral_to_bureau(self, request, referral_id):
        row = self.db.session.get(models.EmployerReferral, referral_id)
        if row is None:
            raise NotFound(f"tax has referred no employer violation {referral_id!r} to the bureau")
        return self._referral_view(row)

    def _referral_view(self, row) -> dict:
        answer = self.db.session.get(vm.ReferralAnswer, row.referral_id)
        return {"referral_id": row.referral_id, "employer_id": row.employer_id, "feed_id": row.feed_id,
                "referred_at": _iso(row.referred_at), "state": answer.decision if answer else "referred",
                "answer": None if answer is None else {
                    "decision": answer.decision, "case_id": answer.case_id, "reason": answer.reason,
                    "decided_at": _iso(answer.decided_at), "received_at": _iso(answer.received_at)}}
