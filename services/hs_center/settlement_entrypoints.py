"""The center's entrypoints for settlement with designated institutions (HO-21). Mixed into HsCenterService;
rules in settlement.py.

Claims come in over HTTP: the catalogue has no event for an institution's claim (HO-21 is the center's payment
advice, institution-facing through an adapter), so the institution's system, or the center's intake desk, posts
the claim here. The day the center receives it decides the month it is settled in and starts the payment clock.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, Fen
from shared.bus.runtime import http
from shared.calendar import CalendarNotCovered, china_calendar
from shared.deadlines import SHANGHAI, Deadline, Obligation, open_deadlines
from shared.http import Conflict, NotFound, json_body

from . import schemas, settlement
from . import settlement_models as sm
from .agreement_entrypoints import check_payable

log = logging.getLogger(__name__)
ID = validate.Length(min=1, max=64)
SETTLEMENT_ERRORS = (settlement.SettlementError, CalendarNotCovered)


class ClaimRequest(Schema):
    """POST /settlement-claims: an institution's claim for one month of service."""

    claim_id = fields.String(required=True, validate=ID)
    institution_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    month = fields.String(required=True, validate=PERIOD_MONTH)
    claimed_fen = Fen(required=True)


class PaymentRequest(Schema):
    """POST /settlement-claims/<claim_id>/payment: the approved part, less what is withheld, is paid."""

    approved_fen = Fen(required=True)
    withheld_fen = Fen(load_default=0)
    deduction_reason = fields.String(validate=validate.Length(min=1, max=2000))


class ClosureRequest(Schema):
    closed_by = fields.String(required=True, validate=ID)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def claim_of(row: sm.SettlementClaim) -> settlement.Claim:
    return settlement.Claim(row.claim_id, row.institution_id, row.region_code, row.month, row.claimed_fen,
                            row.filed_on, row.settlement_month, row.late_filing, Deadline.from_dict(row.deadline))


def claim_view(row: sm.SettlementClaim, now: datetime) -> dict:
    deadline = Deadline.from_dict(row.deadline)
    state = settlement.status(deadline, now, row.paid_at is not None)
    view = {"claim_id": row.claim_id, "institution_id": row.institution_id, "region_code": row.region_code,
            "month": row.month, "claimed_fen": row.claimed_fen, "filed_on": row.filed_on.isoformat(),
            "settlement_month": row.settlement_month, "late_filing": row.late_filing, "rule": row.rule,
            "status": state, "payment_due": deadline.as_dict(), "due_date": deadline.due_date.isoformat(),
            "overdue_alerted_at": row.overdue_alerted_at and _aware(row.overdue_alerted_at).isoformat()}
    if row.paid_at is not None:
        view.update(payment=row.payment, paid_late=row.paid_late)
    else:
        view["days_left"] = settlement.days_ahead(deadline, now)
    return view


def annual_view(row: sm.AnnualSettlement, now: datetime) -> dict:
    deadline = Deadline.from_dict(row.deadline)
    return {"region_code": row.region_code, "year": row.year, "due": deadline.as_dict(),
            "status": settlement.status(deadline, now, row.closed_at is not None),
            "closed_at": row.closed_at and _aware(row.closed_at).isoformat(), "closed_by": row.closed_by}


class SettlementEntrypoints:
    """HO-21: claims in, the 45-working-day (or regional) clock, payment out, and the overdue alert."""

    def _claim_row(self, claim_id: str, *, lock: bool = False) -> sm.SettlementClaim:
        row = self.db.session.get(sm.SettlementClaim, claim_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"the center has no settlement claim {claim_id!r}")
        return row

    @http("POST", "/settlement-claims", request_schema=ClaimRequest, expected_exceptions=SETTLEMENT_ERRORS)
    def file_settlement_claim(self, request):
        """A claim for last month: by the 20th it is settled this month, later it rolls to the next (Hainan)."""
        body, now = ClaimRequest().load(json_body(request)), self.clock()
        existing = self.db.session.get(sm.SettlementClaim, body["claim_id"])
        if existing is not None:
            same = all(getattr(existing, k) == v for k, v in body.items())
            if not same:
                raise Conflict(f"claim {body['claim_id']} was already filed with other figures; file a new claim id")
            return 200, claim_view(existing, now)
        rule = settlement.rule_for(body["region_code"])
        claim = settlement.file_claim(body["claim_id"], body["institution_id"], body["region_code"], body["month"],
                                      body["claimed_fen"], now, china_calendar(), rule)
        row = sm.SettlementClaim(
            claim_id=claim.claim_id, institution_id=claim.institution_id, region_code=claim.region_code,
            month=claim.month, claimed_fen=claim.claimed_fen, filed_on=claim.filed_on,
            settlement_month=claim.settlement_month, late_filing=claim.late, rule=rule.name,
            deadline=claim.deadline.as_dict(), due_at=claim.deadline.due_at, filed_at=now)
        self.db.session.add(row)
        self._open_annual_settlement(claim, rule)
        return 201, claim_view(row, now)

    def _open_annual_settlement(self, claim: settlement.Claim, rule: settlement.SettlementRule) -> None:
        year = int(claim.month[:4])
        due = settlement.annual_settlement_deadline(year, rule)
        if due is None or self.db.session.get(sm.AnnualSettlement, (claim.region_code, year)) is not None:
            return
        self.db.session.add(sm.AnnualSettlement(region_code=claim.region_code, year=year, deadline=due.as_dict(),
                                                due_at=due.due_at))
        self.db.session.flush()

    @http("GET", "/settlement-claims")
    def list_settlement_claims(self, request):
        """``?status=open|overdue|paid`` and ``?institution_id=`` filter; soonest due first."""
        now, q = self.clock(), select(sm.SettlementClaim).order_by(sm.SettlementClaim.due_at,
                                                                    sm.SettlementClaim.claim_id)
        if request.args.get("institution_id"):
            q = q.where(sm.SettlementClaim.institution_id == request.args["institution_id"])
        views = [claim_view(r, now) for r in self.db.session.scalars(q)]
        wanted = request.args.get("status")
        return {"claims": [v for v in views if not wanted or v["status"] == wanted]}

    @http("GET", "/settlement-claims/<claim_id>")
    def get_settlement_claim(self, request, claim_id):
        return claim_view(self._claim_row(claim_id), self.clock())

    @http("POST", "/settlement-claims/<claim_id>/payment", request_schema=PaymentRequest,
          expected_exceptions=SETTLEMENT_ERRORS)
    def pay_settlement_claim(self, request, claim_id):
        """HO-21: pay the approved part; the institution is told (hs_center.settlement.paid)."""
        body = PaymentRequest().load(json_body(request))
        row, now = self._claim_row(claim_id, lock=True), self.clock()
        if row.paid_at is not None:
            raise Conflict(f"claim {claim_id} was paid on {_aware(row.paid_at).isoformat()}")
        check_payable(self.db.session, row.institution_id, now)  # HO-39: not while settlement is suspended
        payment = settlement.pay(claim_of(row), body["approved_fen"], body["withheld_fen"], now)
        payload = {"claim_id": row.claim_id, "institution_id": row.institution_id, "month": row.month,
                   "claim_filed_on": row.filed_on, "claimed_fen": payment.claimed_fen,
                   "approved_fen": payment.approved_fen, "deducted_fen": payment.deducted_fen,
                   "paid_fen": payment.paid_fen, "paid_at": now}
        row.paid_at, row.paid_late = now, payment.late
        row.payment = {**schemas.SettlementPaid().dump(payload),
                       **({"deduction_reason": body["deduction_reason"]} if "deduction_reason" in body else {})}
        self.db.publish(schemas.SettlementPaid, payload, subject=row.claim_id, correlation_id=row.claim_id,
                        region=row.region_code)
        if payment.late:
            log.warning("settlement claim %s of %s paid after its due date %s", row.claim_id, row.institution_id,
                        Deadline.from_dict(row.deadline).due_at.isoformat())
        return 202, claim_view(row, now)

    @http("GET", "/annual-settlements")
    def list_annual_settlements(self, request):
        now = self.clock()
        rows = self.db.session.scalars(select(sm.AnnualSettlement).order_by(sm.AnnualSettlement.year,
                                                                            sm.AnnualSettlement.region_code))
        return {"annual_settlements": [annual_view(r, now) for r in rows]}

    @http("POST", "/annual-settlements/<region_code>/<year>/closure", request_schema=ClosureRequest)
    def close_annual_settlement(self, request, region_code, year):
        """年终结算 done for the region's year (Hongze: by the end of April of the next year)."""
        body = ClosureRequest().load(json_body(request))
        row = self.db.session.get(sm.AnnualSettlement, (region_code, int(year) if year.isdigit() else -1))
        if row is None:
            raise NotFound(f"no annual settlement is open for region {region_code} and year {year}")
        if row.closed_at is None:
            row.closed_at, row.closed_by = self.clock(), body["closed_by"]
        return annual_view(row, self.clock())

    @http("GET", "/settlement-deadlines")
    def settlement_deadlines(self, request):
        """Every open settlement clock, soonest first, with whether it has passed."""
        now = self.clock()
        obligations = self._settlement_obligations()
        return {"open": [{"what": o.what, "kind": kind, "due_at": o.deadline.due_at.isoformat(),
                          "rule": o.deadline.rule, "overdue": o.deadline.is_overdue(now)}
                         for kind, group in obligations.items() for o in open_deadlines(group)]}

    def _settlement_obligations(self) -> dict[str, list[Obligation]]:
        claims = self.db.session.scalars(select(sm.SettlementClaim).where(sm.SettlementClaim.paid_at.is_(None)))
        years = self.db.session.scalars(select(sm.AnnualSettlement).where(sm.AnnualSettlement.closed_at.is_(None)))
        return {settlement.SETTLEMENT_PAYMENT: [claim_of(r).obligation() for r in claims],
                settlement.ANNUAL_SETTLEMENT: [
                    Obligation(f"annual settlement {r.year} of region {r.region_code}", "hs_center",
                               Deadline.from_dict(r.deadline)) for r in years]}

    def watch_settlement_deadlines(self, now: datetime) -> None:
        """Called from the service's ``watch_deadlines``: gauges per kind, one alert per missed clock."""
        open_ = dict.fromkeys((settlement.SETTLEMENT_PAYMENT, settlement.ANNUAL_SETTLEMENT), 0)
        overdue = dict.fromkeys(open_, 0)
        claims = select(sm.SettlementClaim).where(sm.SettlementClaim.paid_at.is_(None)).with_for_update()
        for row in self.db.session.scalars(claims):
            deadline = Deadline.from_dict(row.deadline)
            if not deadline.is_overdue(now):
                open_[settlement.SETTLEMENT_PAYMENT] += 1
                continue
            overdue[settlement.SETTLEMENT_PAYMENT] += 1
            if row.overdue_alerted_at is None:
                row.overdue_alerted_at = now
                log.error("settlement claim %s of institution %s for %s is not paid by %s (%s)", row.claim_id,
                          row.institution_id, row.month, deadline.due_at.astimezone(SHANGHAI).isoformat(),
                          deadline.rule)
        years = select(sm.AnnualSettlement).where(sm.AnnualSettlement.closed_at.is_(None)).with_for_update()
        for row in self.db.session.scalars(years):
            deadline = Deadline.from_dict(row.deadline)
            if not deadline.is_overdue(now):
                open_[settlement.ANNUAL_SETTLEMENT] += 1
                continue
            overdue[settlement.ANNUAL_SETTLEMENT] += 1
            if row.overdue_alerted_at is None:
                row.overdue_alerted_at = now
                log.error("annual settlement %s of region %s is not done by %s (%s)", row.year, row.region_code,
                          deadline.due_at.astimezone(SHANGHAI).isoformat(), deadline.rule)
        metrics = self.db.runtime.metrics
        for kind in open_:
            metrics.deadlines_open.labels(self.agency, kind).set(open_[kind])
            metrics.deadlines_overdue.labels(self.agency, kind).set(overdue[kind])
