"""The center's entrypoints for data comparison (HO-34) and benefit reviews. Mixed into HsCenterService; rules in
comparison.py. What crosses the bus, and why, is in docs/data-comparison.md.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.fields import REGION_CODE, SCHEME
from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI
from shared.http import Conflict, NotFound, json_body

from . import comparison, schemas
from . import comparison_models as cm

log = logging.getLogger(__name__)
ID = validate.Length(min=1, max=64)
ID_NUMBER = validate.Regexp(r"^\d{17}[\dXx]$", error="must be an 18-character resident id number")
COMPARISON_ERRORS = (comparison.ComparisonError,)


class BenefitIn(Schema):
    id_number = fields.String(required=True, validate=ID_NUMBER)
    scheme = fields.String(required=True, validate=SCHEME)
    region_code = fields.String(required=True, validate=REGION_CODE)


class BenefitLoad(Schema):
    """POST /insured-benefits: persons' benefits in the center's registry, active unless an officer changed them."""

    benefits = fields.List(fields.Nested(BenefitIn), required=True, validate=validate.Length(min=1, max=10_000))


class ComparisonRequestIn(Schema):
    """POST /data-comparisons: which persons to check, why, and with whom."""

    request_id = fields.String(required=True, validate=ID)
    purpose = fields.String(required=True, validate=validate.OneOf(comparison.PURPOSES))
    queried = fields.List(fields.String(validate=validate.OneOf(comparison.DEPARTMENTS)), required=True,
                          validate=validate.Length(min=1))
    region_code = fields.String(required=True, validate=REGION_CODE)
    id_numbers = fields.List(fields.String(validate=ID_NUMBER), required=True,
                             validate=validate.Length(min=1, max=10_000))
    as_of = fields.Date()


class ReviewDecisionIn(Schema):
    """POST /benefit-reviews/<review_id>/decision: the officer's decision; only this changes a benefit."""

    decision = fields.String(required=True, validate=validate.OneOf(list(comparison.DECISIONS)))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    decided_by = fields.String(required=True, validate=ID)


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def review_view(row: cm.BenefitReview) -> dict:
    return {"review_id": row.review_id, "request_id": row.request_id, "department": row.department,
            "person": comparison.masked(row.id_number), "finding": row.finding, "detail": row.detail,
            "effective_on": _iso(row.effective_on), "state": row.state, "benefits_before": row.benefits_before,
            "opened_at": _iso(row.opened_at), "decision": row.decision, "reason": row.reason,
            "decided_by": row.decided_by, "decided_at": _iso(row.decided_at)}


class ComparisonEntrypoints:
    """HO-34: requests out with tokens, four departments' answers in, reviews for officers."""

    @http("POST", "/insured-benefits", request_schema=BenefitLoad)
    def load_benefits(self, request):
        body, now = BenefitLoad().load(json_body(request)), self.clock()
        for b in body["benefits"]:
            key = (b["id_number"].upper(), b["scheme"])
            if self.db.session.get(cm.InsuredBenefit, key) is None:
                self.db.session.add(cm.InsuredBenefit(id_number=key[0], scheme=key[1], region_code=b["region_code"],
                                                      status="active", changed_at=now, changed_by="registry"))
        return 200, {"loaded": len(body["benefits"])}

    @http("GET", "/insured-benefits/<id_number>")
    def get_benefits(self, request, id_number):
        rows = self._benefits(id_number.upper())
        if not rows:
            raise NotFound("the center has no benefits for that person")
        reviews = self.db.session.scalars(select(cm.BenefitReview).where(
            cm.BenefitReview.id_number == id_number.upper()).order_by(cm.BenefitReview.review_id))
        return {"person": comparison.masked(id_number.upper()),
                "benefits": {r.scheme: {"status": r.status, "changed_at": _iso(r.changed_at),
                                        "changed_by": r.changed_by, "reason": r.reason} for r in rows},
                "reviews": [review_view(r) for r in reviews]}

    def _benefits(self, id_number: str, *, lock: bool = False) -> list[cm.InsuredBenefit]:
        q = select(cm.InsuredBenefit).where(cm.InsuredBenefit.id_number == id_number).order_by(cm.InsuredBenefit.scheme)
        return list(self.db.session.scalars(q.with_for_update() if lock else q))

    @http("POST", "/data-comparisons", request_schema=ComparisonRequestIn, expected_exceptions=COMPARISON_ERRORS)
    def request_comparison(self, request):
        """HO-34 out: persons go as per-request tokens with the purpose; their id numbers stay here."""
        body, now = ComparisonRequestIn().load(json_body(request)), self.clock()
        if self.db.session.get(cm.ComparisonRequest, body["request_id"]) is not None:
            raise Conflict(f"comparison {body['request_id']} was already requested")
        comparison.check_request(body["purpose"], body["queried"], body["id_numbers"])
        asked = comparison.tokens(body["request_id"], body["id_numbers"])
        as_of = body.get("as_of") or now.astimezone(SHANGHAI).date()
        queried = sorted(set(body["queried"]))
        self.db.session.add(cm.ComparisonRequest(
            request_id=body["request_id"], purpose=body["purpose"], queried=queried,
            region_code=body["region_code"], as_of=as_of, person_count=len(asked), requested_at=now, answers={}))
        self.db.session.add_all([cm.ComparisonSubject(request_id=body["request_id"], token=t, id_number=i)
                                 for t, i in asked.items()])
        self.db.publish(schemas.DataComparisonRequested, {
            "request_id": body["request_id"], "purpose": body["purpose"], "queried": queried,
            "person_ids": list(asked), "as_of": as_of, "requested_at": now},
            subject=body["request_id"], correlation_id=body["request_id"], region=body["region_code"])
        return 202, {"request_id": body["request_id"], "purpose": body["purpose"], "queried": queried,
                     "person_count": len(asked)}

    @http("GET", "/data-comparisons/<request_id>")
    def get_comparison(self, request, request_id):
        row = self.db.session.get(cm.ComparisonRequest, request_id)
        if row is None:
            raise NotFound(f"the center sent no comparison request {request_id!r}")
        matches = self.db.session.execute(select(cm.ComparisonMatch, cm.ComparisonSubject.id_number).join(
            cm.ComparisonSubject, (cm.ComparisonSubject.request_id == cm.ComparisonMatch.request_id)
            & (cm.ComparisonSubject.token == cm.ComparisonMatch.token)).where(
            cm.ComparisonMatch.request_id == request_id).order_by(cm.ComparisonMatch.department,
                                                                  cm.ComparisonMatch.token))
        return {"request_id": request_id, "purpose": row.purpose, "queried": row.queried,
                "person_count": row.person_count, "as_of": _iso(row.as_of), "requested_at": _iso(row.requested_at),
                "answers": row.answers, "waiting_for": [d for d in row.queried if d not in row.answers],
                "matches": [{"department": m.department, "person": comparison.masked(id_number), "status": m.status,
                             "detail": m.detail, "effective_on": _iso(m.effective_on)} for m, id_number in matches]}

    # -- answers (one consumer per department) ---------------------------------------------------------------
    @handles("fundlink.public_security.data_comparison.result_returned.v1")
    def on_police_comparison(self, event):
        self._record_answer("public_security", event.data)

    @handles("fundlink.tax.data_comparison.result_returned.v1")
    def on_tax_comparison(self, event):
        self._record_answer("tax", event.data)

    @handles("fundlink.hr_social_security.data_comparison.result_returned.v1")
    def on_hrss_comparison(self, event):
        self._record_answer("hr_social_security", event.data)

    @handles("fundlink.civil_affairs.data_comparison.result_returned.v1")
    def on_civil_affairs_comparison(self, event):
        self._record_answer("civil_affairs", event.data)

    def _record_answer(self, department: str, data: dict) -> None:
        """Keep every finding; flag the benefits of persons whose finding puts them in doubt. Change nothing."""
        now = self.clock()
        row = self.db.session.get(cm.ComparisonRequest, data["request_id"], with_for_update=True)
        if row is None:
            raise NotFound(f"{department} answered comparison {data['request_id']!r}, which the center never sent")
        if department not in row.queried:
            log.warning("%s answered comparison %s without being asked; ignored", department, row.request_id)
            return
        asked = dict(self.db.session.execute(select(cm.ComparisonSubject.token, cm.ComparisonSubject.id_number).where(
            cm.ComparisonSubject.request_id == row.request_id)).all())
        findings, strays = comparison.read_answer(department, data["results"], asked)
        flagged = 0
        for f in findings:
            self.db.session.merge(cm.ComparisonMatch(request_id=row.request_id, department=department, token=f.token,
                                                     status=f.status, detail=f.detail, effective_on=f.effective_on))
            if f.flags and self._flag(row.request_id, f, now):
                flagged += 1
        if strays:
            log.warning("%s's answer to comparison %s names %s persons the center did not ask about; ignored",
                        department, row.request_id, strays)
        row.answers = {**row.answers, department: {"returned_at": data["returned_at"], "matches": len(findings),
                                                   "flagged": flagged, "strays": strays}}

    def _flag(self, request_id: str, finding: comparison.Finding, now: datetime) -> bool:
        benefits = self._benefits(finding.id_number)
        review_id = finding.review_id(request_id)
        if not benefits or self.db.session.get(cm.BenefitReview, review_id) is not None:
            return False
        self.db.session.add(cm.BenefitReview(
            review_id=review_id, request_id=request_id, department=finding.department, id_number=finding.id_number,
            finding=finding.status, detail=finding.detail, effective_on=finding.effective_on, state="open",
            benefits_before={b.scheme: b.status for b in benefits}, opened_at=now))
        log.warning("benefits of %s flagged for review %s: %s reports %s", comparison.masked(finding.id_number),
                    review_id, finding.department, finding.status)
        return True

    # -- reviews -------------------------------------------------------------------------------------------
    @http("GET", "/benefit-reviews")
    def list_reviews(self, request):
        """``?state=open|decided``; oldest first."""
        q = select(cm.BenefitReview).order_by(cm.BenefitReview.opened_at, cm.BenefitReview.review_id)
        if request.args.get("state"):
            q = q.where(cm.BenefitReview.state == request.args["state"])
        return {"reviews": [review_view(r) for r in self.db.session.scalars(q)]}

    @http("GET", "/benefit-reviews/<review_id>")
    def get_review(self, request, review_id):
        return review_view(self._review(review_id))

    def _review(self, review_id: str, *, lock: bool = False) -> cm.BenefitReview:
        row = self.db.session.get(cm.BenefitReview, review_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"no benefit review {review_id!r}")
        return row

    @http("POST", "/benefit-reviews/<review_id>/decision", request_schema=ReviewDecisionIn,
          expected_exceptions=COMPARISON_ERRORS)
    def decide_review(self, request, review_id):
        """The officer's decision: stop, suspend or keep the person's benefits; the only way they change."""
        body = ReviewDecisionIn().load(json_body(request))
        row, now = self._review(review_id, lock=True), self.clock()
        if row.state != "open":
            raise Conflict(f"review {review_id} was decided ({row.decision}) by {row.decided_by}")
        benefits = self._benefits(row.id_number, lock=True)
        after = comparison.decide(body["decision"], body["reason"], {b.scheme: b.status for b in benefits})
        for b in benefits:
            if after[b.scheme] != b.status:
                b.status, b.changed_at, b.changed_by = after[b.scheme], now, body["decided_by"]
                b.reason = f"review {review_id}: {body['reason']}"
        row.state, row.decision, row.reason = "decided", body["decision"], body["reason"]
        row.decided_by, row.decided_at = body["decided_by"], now
        return {**review_view(row), "benefits_after": after}
