"""Finance's desk on fund-use plans and monthly allocation (HO-16 in, HO-17, HO-18 out). Mixed into
FinanceService."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI
from shared.http import NotFound, json_body

from . import domain, models, schemas

ERRORS = (domain.DomainError,)


def approved_plan(review: models.PlanReview) -> domain.ApprovedPlan:
    lines = tuple(domain.ApprovedLine(ln["region_code"], ln["month"], ln["scheme"], ln["amount_fen"],
                                      ln.get("reason", "")) for ln in review.approved or ())
    return domain.ApprovedPlan(review.plan_id, review.quarter, lines)


class FundEntrypoints:
    def _ledger(self) -> domain.Ledger:
        rows = self.db.session.scalars(select(models.Account)).all()
        return domain.Ledger({r.account: r.balance_fen for r in rows})

    def _store_ledger(self, ledger: domain.Ledger) -> None:
        for account, balance in ledger.balances.items():
            self.db.session.merge(models.Account(account=account, balance_fen=balance))

    def _allocation_book(self, plan_id: str) -> domain.AllocationBook:
        review = self.db.session.get(models.PlanReview, plan_id)
        if review is None or review.approved is None:
            raise domain.DomainError(f"plan {plan_id} has no approved joint review; review it before allocating")
        rows = self.db.session.scalars(select(models.Allocation).where(models.Allocation.plan_id == plan_id)).all()
        return domain.rebuild_allocation_book(approved_plan(review),
                                              [(r.allocation_id, r.month, r.scheme, r.amount_fen) for r in rows])

    # -- HO-16 in, HO-17 out -------------------------------------------------------------------------------
    @handles("fundlink.hs_center.fund_use_plan.consolidated.v1")
    def on_plan_consolidated(self, event):
        data = event.data
        requested = [{"region_code": r["region_code"], **ln} for r in data["regions"] for ln in r["lines"]]
        self.db.session.merge(models.PlanReview(plan_id=data["plan_id"], quarter=data["quarter"], requested=requested,
                                                missing_regions=data["missing_regions"], received_at=self.clock()))

    @http("POST", "/fund-use-plans/<plan_id>/review", request_schema=schemas.PlanReviewRequest,
          expected_exceptions=ERRORS)
    def review_plan(self, request, plan_id):
        """Joint review with healthcare_security; a changed amount needs its reason (004:35)."""
        body, now = schemas.PlanReviewRequest().load(json_body(request)), self.clock()
        review = self.db.session.get(models.PlanReview, plan_id)
        if review is None:
            raise NotFound(f"no consolidated plan {plan_id!r} has reached finance")
        requested = [domain.PlanLine(r["region_code"], r["month"], r["scheme"], r["amount_fen"])
                     for r in review.requested]
        approved = [domain.ApprovedLine(ln["region_code"], ln["month"], ln["scheme"], ln["amount_fen"],
                                        ln["reason"] or body["adjustment_reason"]) for ln in body["approved_lines"]]
        plan, event = domain.review_fund_use_plan(plan_id, review.quarter, requested, approved, body["reviewed_by"],
                                                  now)
        review.decision, review.reviewed_at = event.decision, now
        review.approved = [{"region_code": ln.region_code, "month": ln.month, "scheme": ln.scheme.value,
                            "amount_fen": ln.amount_fen, "reason": ln.reason} for ln in plan.lines]
        payload = {"plan_id": plan_id, "quarter": review.quarter, "decision": event.decision,
                   "approved_lines": [{k: v for k, v in ln.items() if k != "reason"} for ln in review.approved],
                   "signatories": [{"agency": a, "signed_at": now} for a in event.reviewed_by], "reviewed_at": now}
        reasons = sorted({ln["reason"] for ln in review.approved if ln["reason"]})
        if event.decision == "adjusted":
            payload["adjustment_reason"] = "; ".join(reasons)
        self.db.publish(schemas.FundUsePlanReviewed, payload, subject=plan_id, correlation_id=plan_id,
                        region=self.provincial_region)
        return {"plan_id": plan_id, "decision": event.decision, "late": event.late,
                "deadline": domain.plan_review_deadline(review.quarter).as_dict(), "approved_lines": review.approved}

    # -- accounts and HO-18 ----------------------------------------------------------------------------------
    @http("POST", "/accounts", request_schema=schemas.AccountFunding, expected_exceptions=ERRORS)
    def fund_account(self, request):
        """Money reaching the ledger from outside (contributions, subsidies); opens the account if new."""
        body = schemas.AccountFunding().load(json_body(request))
        ledger = domain.fund_account(self._ledger(), body["account"], body["amount_fen"])
        self._store_ledger(ledger)
        return {"account": body["account"], "balance_fen": ledger.balance(body["account"])}

    @http("GET", "/accounts")
    def list_accounts(self, request):
        return {"accounts": dict(sorted(self._ledger().balances.items()))}

    @http("POST", "/allocations", request_schema=schemas.AllocationRequest, expected_exceptions=ERRORS)
    def allocate(self, request):
        """Never beyond the approved plan nor the special account's balance; due by the end of the month before."""
        body, now = schemas.AllocationRequest().load(json_body(request)), self.clock()
        book, ledger = self._allocation_book(body["plan_id"]), self._ledger()
        for account in (domain.fiscal_special_account(body["scheme"]),
                        domain.provincial_expenditure_account(body["scheme"])):
            if account not in ledger.balances:
                ledger = domain.Ledger({**ledger.balances, account: 0})
        book, ledger, event = domain.allocate(book, ledger, body["allocation_id"], body["month"], body["scheme"],
                                              body["amount_fen"], now)
        self._store_ledger(ledger)
        value_date = now.astimezone(SHANGHAI).date()
        self.db.session.add(models.Allocation(allocation_id=event.allocation_id, plan_id=event.plan_id,
                                              month=event.month, scheme=event.scheme.value,
                                              amount_fen=event.amount_fen, value_date=value_date, late=event.late))
        self.db.publish(schemas.FundAllocated, {
            "allocation_id": event.allocation_id, "plan_id": event.plan_id, "month": event.month,
            "scheme": event.scheme.value, "amount_fen": event.amount_fen, "from_account": event.from_account,
            "to_account": event.to_account, "value_date": value_date}, subject=event.allocation_id,
            correlation_id=event.plan_id, region=self.provincial_region)
        return 202, {"allocation_id": event.allocation_id, "late": event.late,
                     "deadline": domain.allocation_deadline(event.month).as_dict(),
                     "remaining_fen": book.remaining(event.month, event.scheme)}

    @handles("fundlink.hs_center.fund.allocation_received.v1")
    def on_allocation_received(self, event):
        row = self.db.session.get(models.Allocation, event.data["allocation_id"])
        if row is None:
            raise NotFound(f"receipt for unknown allocation {event.data['allocation_id']!r}")
        row.received_on = date.fromisoformat(event.data["received_on"])

    @http("GET", "/allocations")
    def list_allocations(self, request):
        plan_id = request.args.get("plan_id")
        q = select(models.Allocation).order_by(models.Allocation.month, models.Allocation.allocation_id)
        if plan_id:
            q = q.where(models.Allocation.plan_id == plan_id)
        return {"allocations": [{"allocation_id": r.allocation_id, "plan_id": r.plan_id, "month": r.month,
                                 "scheme": r.scheme, "amount_fen": r.amount_fen, "late": r.late,
                                 "received_on": r.received_on} for r in self.db.session.scalars(q)]}

    @http("GET", "/fund-use-plans/<plan_id>")
    def get_plan_review(self, request, plan_id):
        review = self.db.session.get(models.PlanReview, plan_id)
        if review is None:
            raise NotFound(f"no consolidated plan {plan_id!r} has reached finance")
        due = domain.plan_review_deadline(review.quarter)
        return {"plan_id": plan_id, "quarter": review.quarter, "requested": review.requested,
                "missing_regions": review.missing_regions, "decision": review.decision,
                "approved": review.approved, "review_deadline": due.as_dict(),
                "open_allocations": [{"what": o.what, "due_at": o.deadline.due_at.isoformat()}
                                     for o in domain.open_deadlines(self._allocation_book(plan_id).obligations())]
                if review.approved is not None else []}
