"""HO-35: employer violations split between tax and the bureau (B-HS-1, 001:222-235). Mixed into
HealthcareSecurityService, which provides ``clock``, ``db`` and the case plumbing (``_save``).

Tax refers employers that are not registered or did not declare their base; the bureau accepts (and opens a
case) or returns the referral. The bureau refers employers that do not pay or pay short to tax and records
tax's answer. Rules in domain/oversight.py.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.fields import REGION_CODE, Fen
from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI
from shared.http import Conflict, NotFound, json_body

from . import domain, models, schemas
from . import oversight_models as om
from .domain import oversight as rules

ERRORS = (domain.DomainError,)
DIRECTIONS = {"from-tax": rules.FROM_TAX, "to-tax": rules.TO_TAX}


class ReferralDecision(Schema):
    """POST /employer-violations/from-tax/<referral_id>/decision: accept (a case is opened) or return."""

    decision = fields.String(required=True, validate=validate.OneOf([rules.ACCEPTED, rules.RETURNED]))
    case_id = fields.String(validate=validate.Length(min=1, max=64),
                            metadata={"description": "Case opened on the referral, when accepted."})
    reason = fields.String(validate=validate.Length(min=1, max=4000),
                           metadata={"description": "Why it is not the bureau's matter, when returned."})


class ReferralToTax(Schema):
    """POST /employer-violations/to-tax: an employer that does not pay or pays short is tax's matter."""

    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    region_code = fields.String(required=True, validate=REGION_CODE)
    employer_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    employer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(rules.TAX_KINDS))
    facts = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    amount_due_fen = Fen()
    arrears_since = fields.Date()


def _iso(value):
    return value.isoformat() if value is not None else None


def violation_view(row: om.EmployerViolation) -> dict:
    return {"referral_id": row.referral_id, "direction": row.direction, "region_code": row.region_code,
            "employer_id": row.employer_id, "employer_name": row.employer_name, "kind": row.kind,
            "responsible": rules.responsible(row.kind), "facts": row.facts, "amount_due_fen": row.amount_due_fen,
            "arrears_since": _iso(row.arrears_since), "referred_at": _iso(row.referred_at), "state": row.state,
            "case_id": row.case_id, "reason": row.reason, "decided_at": _iso(row.decided_at)}


class EmployerViolationEntrypoints:
    """HO-35, both directions."""

    def _violation(self, direction: str, referral_id: str, *, lock: bool = False) -> om.EmployerViolation:
        row = self.db.session.get(om.EmployerViolation, (direction, referral_id), with_for_update=lock)
        if row is None:
            where = "from tax" if direction == rules.FROM_TAX else "to tax"
            raise NotFound(f"the bureau has no employer violation referral {referral_id!r} {where}")
        return row

    # --- tax's referrals to the bureau -------------------------------------------------------------------

    @handles("fundlink.tax.employer_violation.referred.v1")
    def on_employer_violation_referred(self, event):
        """Kept for an officer's decision; the same referral delivered twice is kept once."""
        d, now = event.data, self.clock()
        if self.db.session.get(om.EmployerViolation, (rules.FROM_TAX, d["referral_id"])) is not None:
            return
        self.db.session.add(om.EmployerViolation(
            direction=rules.FROM_TAX, referral_id=d["referral_id"], region_code=d["region_code"],
            employer_id=d["employer_id"], employer_name=d["employer_name"], kind=d["kind"], facts=d["facts"],
            amount_due_fen=d.get("amount_due_fen"), referred_at=datetime.fromisoformat(d["referred_at"]),
            state=rules.RECEIVED, updated_at=now))
        self.db.session.flush()

    @http("POST", "/employer-violations/from-tax/<referral_id>/decision", request_schema=ReferralDecision,
          expected_exceptions=ERRORS)
    def decide_employer_violation(self, request, referral_id):
        """Accept tax's referral and open a case on it (P-01 path), or return it as not the bureau's matter."""
        body, now = ReferralDecision().load(json_body(request)), self.clock()
        row = self._violation(rules.FROM_TAX, referral_id, lock=True)
        rules.check_decision(referral_id, row.state, body["decision"], body.get("case_id"), body.get("reason"))
        if body["decision"] == rules.ACCEPTED:
            if self.db.session.get(models.CaseRecord, body["case_id"]) is not None:
                raise Conflict(f"case {body['case_id']} is already open; name a new case for referral {referral_id}")
            case, _ = domain.open_lead(body["case_id"], now)
            self._save(models.CaseRecord(case_id=case.case_id, region_code=row.region_code), case)
        row.state, row.case_id, row.reason = body["decision"], body.get("case_id"), body.get("reason")
        row.decided_at = row.updated_at = now
        answer = {"referral_id": referral_id, "decision": body["decision"], "decided_at": now,
                  **{k: body[k] for k in ("case_id", "reason") if body.get(k)}}
        self.db.publish(schemas.EmployerViolationAccepted, answer, subject=referral_id, correlation_id=referral_id,
                        region=row.region_code)
        return 202, violation_view(row)

    # --- the bureau's referrals to tax ---------------------------------------------------------------------

    @http("POST", "/employer-violations/to-tax", request_schema=ReferralToTax, expected_exceptions=ERRORS)
    def refer_employer_violation(self, request):
        """Refer an employer that does not pay or pays short to tax (P-02 path: tax adds the surcharge)."""
        body, now = ReferralToTax().load(json_body(request)), self.clock()
        rules.check_referral_to_tax(body["referral_id"], body["kind"], body.get("amount_due_fen"),
                                    body.get("arrears_since"), now.astimezone(SHANGHAI).date())
        if self.db.session.get(om.EmployerViolation, (rules.TO_TAX, body["referral_id"])) is not None:
            raise Conflict(f"referral {body['referral_id']} was already sent to tax; use a new referral_id")
        row = om.EmployerViolation(
            direction=rules.TO_TAX, referral_id=body["referral_id"], region_code=body["region_code"],
            employer_id=body["employer_id"], employer_name=body["employer_name"], kind=body["kind"],
            facts=body["facts"], amount_due_fen=body.get("amount_due_fen"), arrears_since=body.get("arrears_since"),
            referred_at=now, state=rules.REFERRED, updated_at=now)
        self.db.session.add(row)
        self.db.session.flush()
        self.db.publish(schemas.EmployerViolationReferred, {**body, "referred_at": now}, subject=row.referral_id,
                        correlation_id=row.referral_id, region=row.region_code)
        return 201, violation_view(row)

    @handles("fundlink.tax.employer_violation.accepted.v1")
    def on_tax_employer_violation_answer(self, event):
        """Tax's answer to our referral; the same answer again changes nothing."""
        d, now = event.data, self.clock()
        row = self._violation(rules.TO_TAX, d["referral_id"], lock=True)
        state = rules.answer_state(row.referral_id, row.state, d["decision"])
        if state is None:
            return
        row.state, row.case_id, row.reason = state, d.get("case_id"), d.get("reason")
        row.decided_at, row.updated_at = datetime.fromisoformat(d["decided_at"]), now

    # --- reading ---------------------------------------------------------------------------------------------

    @http("GET", "/employer-violations")
    def list_employer_violations(self, request):
        """``?direction=from-tax|to-tax`` and ``?state=received|referred|accepted|returned`` filter."""
        q = select(om.EmployerViolation).order_by(om.EmployerViolation.referred_at, om.EmployerViolation.referral_id)
        if request.args.get("direction") in DIRECTIONS:
            q = q.where(om.EmployerViolation.direction == DIRECTIONS[request.args["direction"]])
        if request.args.get("state"):
            q = q.where(om.EmployerViolation.state == request.args["state"])
        return {"referrals": [violation_view(r) for r in self.db.session.scalars(q)]}

    @http("GET", "/employer-violations/from-tax/<referral_id>")
    def get_employer_violation_from_tax(self, request, referral_id):
        return violation_view(self._violation(rules.FROM_TAX, referral_id))

    @http("GET", "/employer-violations/to-tax/<referral_id>")
    def get_employer_violation_to_tax(self, request, referral_id):
        return violation_view(self._violation(rules.TO_TAX, referral_id))
