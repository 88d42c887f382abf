"""Finance's desk on deficit sharing (HO-40), long-term-care funding (HO-41) and whistle-blower rewards
(HO-32). Mixed into FinanceService."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI, Deadline
from shared.http import NotFound, json_body

from . import domain, models, schemas

ERRORS = (domain.DomainError,)


class SupportEntrypoints:
    # -- HO-40 ---------------------------------------------------------------------------------------------
    @http("PUT", "/deficit-sharing/ratios/<int:year>", request_schema=schemas.RatioRequest,
          expected_exceptions=ERRORS)
    def configure_ratio(self, request, year):
        """The province–city ratio the provincial government approved for ``year`` (the seeds set none)."""
        body = schemas.RatioRequest().load(json_body(request))
        ratio = domain.SharingRatio(year, body["weights"], body["source"])
        domain.split_by_weights(0, ratio.weights)  # refuses negative or all-zero weights now, not at use
        self.db.session.merge(models.SharingRatio(year=year, weights={k: str(v) for k, v in ratio.weights.items()},
                                                  source=ratio.source))
        return {"year": year, "weights": {k: str(v) for k, v in ratio.weights.items()}, "source": ratio.source}

    def _ratios(self) -> dict[int, domain.SharingRatio]:
        rows = self.db.session.scalars(select(models.SharingRatio)).all()
        return {r.year: domain.SharingRatio(r.year, {k: Decimal(v) for k, v in r.weights.items()}, r.source)
                for r in rows}

    @http("POST", "/deficit-sharing/proposals", request_schema=schemas.DeficitRequest, expected_exceptions=ERRORS)
    def propose_deficit_sharing(self, request):
        """Apply 004:42-43 to the fund's position; without a configured ratio the request is refused."""
        body, now = schemas.DeficitRequest().load(json_body(request)), self.clock()
        position = domain.FundPosition(body["year"], body["rolling_balance_fen"], body["avg_monthly_expenditure_fen"],
                                       body["in_budget_gap_fen"], body["out_of_budget_gaps"])
        outcomes = domain.share_deficit(position, self._ratios(), now)
        signatories = [{"agency": "finance", "signed_at": now}, {"agency": "healthcare_security", "signed_at": now}]
        sent = []
        for outcome in outcomes:
            payload = self._proposal_payload(body, outcome, signatories, now)
            if payload is None:
                continue
            self.db.session.add(models.DeficitProposal(proposal_id=payload["proposal_id"], year=body["year"],
                                                       status="proposed", data=schemas.DeficitSharingProposed()
                                                       .dump(payload), payments=[]))
            self.db.publish(schemas.DeficitSharingProposed, payload, subject=payload["proposal_id"],
                            correlation_id=body["proposal_id"], region=self.provincial_region)
            sent.append(schemas.DeficitSharingProposed().dump(payload))
        return 202, {"proposals": sent, "outcomes": [type(o).__name__ for o in outcomes]}

    @staticmethod
    def _proposal_payload(body, outcome, signatories, now) -> dict | None:
        common = {"year": body["year"], "avg_monthly_expenditure_fen": body["avg_monthly_expenditure_fen"],
                  "signatories": signatories, "proposed_at": now}
        if isinstance(outcome, domain.DeficitSharingProposed):
            return {**common, "proposal_id": body["proposal_id"], "trigger": "balance_below_six_months",
                    "rolling_balance_fen": outcome.rolling_balance_fen, "months_payable": str(outcome.months_payable),
                    "shortfall_fen": outcome.shortfall_fen, "province_share_fen": outcome.province_share_fen,
                    "region_shares": [{"region_code": r, "amount_fen": a} for r, a in outcome.region_shares],
                    "ratio_source": outcome.ratio_source}
        if isinstance(outcome, domain.OutOfBudgetGapAssigned):
            cover = domain.months_payable(body["rolling_balance_fen"], body["avg_monthly_expenditure_fen"])
            return {**common, "proposal_id": f"{body['proposal_id']}-{outcome.region_code}",
                    "trigger": "out_of_budget_gap", "rolling_balance_fen": body["rolling_balance_fen"],
                    "months_payable": f"{float(cover):.4f}", "shortfall_fen": outcome.amount_fen,
                    "province_share_fen": 0,
                    "region_shares": [{"region_code": outcome.region_code, "amount_fen": outcome.amount_fen}],
                    "ratio_source": "004:42: an out-of-budget gap is borne by the city or county that caused it"}
        return None  # an in-budget gap is paid from the balance: nothing to propose

    @handles("fundlink.people_government.deficit_sharing.approved.v1")
    def on_deficit_sharing_decided(self, event):
        row = self.db.session.get(models.DeficitProposal, event.data["proposal_id"])
        if row is None:
            raise NotFound(f"decision on unknown proposal {event.data['proposal_id']!r}")
        row.status = event.data["decision"]

    @handles("fundlink.people_government.deficit_share.paid.v1")
    def on_deficit_share_paid(self, event):
        data = event.data
        row = self.db.session.get(models.DeficitProposal, data["proposal_id"])
        if row is None:
            raise NotFound(f"payment for unknown proposal {data['proposal_id']!r}")
        row.payments = [*row.payments, {k: data[k] for k in ("payment_id", "region_code", "amount_fen", "paid_on")}]
        self._store_ledger(domain.fund_account(self._ledger(), data["to_account"], data["amount_fen"]))

    @http("GET", "/deficit-sharing/proposals/<proposal_id>")
    def get_proposal(self, request, proposal_id):
        row = self.db.session.get(models.DeficitProposal, proposal_id)
        if row is None:
            raise NotFound(f"no deficit-sharing proposal {proposal_id!r}")
        return {"proposal_id": proposal_id, "status": row.status, "proposal": row.data, "payments": row.payments}

    # -- HO-41 ---------------------------------------------------------------------------------------------
    @http("POST", "/ltc-subsidies", request_schema=schemas.LtcRemitRequest, expected_exceptions=ERRORS)
    def remit_ltc_subsidy(self, request):
        """Finance's 10 yuan a person into the city special account, by the end of March (003:86)."""
        body, now = schemas.LtcRemitRequest().load(json_body(request)), self.clock()
        event = domain.remit_ltc_subsidy(body["year"], body["insured_person_count"], body["amount_fen"], now)
        payload = {**body, "per_person_fen": domain.LTC_PART_FEN[domain.LtcPart.FINANCE_SUBSIDY], "waived": False,
                   "remitted_on": now.astimezone(SHANGHAI).date()}
        self.db.publish(schemas.LtcSubsidyRemitted, payload, subject=body["remittance_id"],
                        correlation_id=body["remittance_id"], region=body["region_code"])
        return 202, {"remittance_id": body["remittance_id"], "late": event.late,
                     "deadline": domain.ltc_deadline(body["year"], domain.LtcPart.FINANCE_SUBSIDY).as_dict()}

    @handles("fundlink.finance.ltc_subsidy.remitted.v1")
    def on_ltc_subsidy_remitted(self, event):
        self._record("ltc_subsidy_received", event.data["remittance_id"], event.data)

    @handles("fundlink.hs_center.ltc_contribution.transferred.v1")
    def on_ltc_contribution(self, event):
        self._record("ltc_contribution_received", event.data["transfer_id"], event.data)

    def _record(self, kind: str, key: str, data: dict) -> None:
        self.db.session.merge(models.MoneyRecord(record_id=f"{kind}:{key}", kind=kind, data=data, at=self.clock()))

    @http("GET", "/ltc/<int:year>", expected_exceptions=ERRORS)
    def ltc_status(self, request, year):
        """What LTC funding has reached the city special account for ``year`` and what is still due."""
        rows = self.db.session.scalars(select(models.MoneyRecord).where(
            models.MoneyRecord.kind.in_(["ltc_subsidy_received", "ltc_contribution_received"]))).all()
        got = [r.data for r in rows if r.data["year"] == year]
        paid = {d.get("part", "finance_subsidy") for d in got}
        count = max((d["insured_person_count"] for d in got), default=0)
        return {"year": year, "received": got, "open": [
            {"what": o.what, "party": o.party, "due_at": o.deadline.due_at.isoformat()}
            for o in domain.open_deadlines(domain.ltc_obligations(year, count, paid))]}

    # -- notices finance supervises with (HO-12, HO-13, HO-14) ------------------------------------------------
    @handles("fundlink.hs_center.budget_execution.reported.v1")
    def on_execution_reported(self, event):
        self._record("execution_report", event.data["report_id"], event.data)

    # -- catalogued notices finance keeps for supervision (HO-01/02/03/05/14) -------------------------------
    @handles("fundlink.tax.budget_execution.reported.v1")
    def on_tax_execution_report(self, event):
        """HO-12: tax's collection against the revenue budget, beside the center's execution report."""
        self._record("tax_execution_report", event.data["report_id"], event.data)

    @handles("fundlink.tax.collection.feed_published.v1")
    def on_feed_published_notice(self, event):
        self._record("collection_feed", event.data["feed_id"], event.data)

    @handles("fundlink.hs_center.collection.feed_overdue.v1")
    def on_feed_overdue_notice(self, event):
        self._record("collection_feed_overdue", f"{event.data['region_code']}:{event.data['period']}", event.data)

    @handles("fundlink.hs_center.collection.reconciled.v1")
    def on_feed_reconciled_notice(self, event):
        self._record("collection_reconciliation", event.data["feed_id"], event.data)

    @handles("fundlink.tax.collection.feed_corrected.v1")
    def on_feed_corrected_notice(self, event):
        self._record("collection_correction", event.data["correction_id"], event.data)

    @handles("fundlink.treasury.revenue.monthly_report_published.v1")
    def on_treasury_monthly_report(self, event):
        self._record("treasury_monthly_report", event.data["report_id"], event.data)

    @http("GET", "/notices")
    def list_notices(self, request):
        kinds = ["execution_report", "tax_execution_report", "adjustment_proposal", "final_accounts_review"]
        rows = self.db.session.scalars(select(models.MoneyRecord).where(models.MoneyRecord.kind.in_(kinds))
                                       .order_by(models.MoneyRecord.at, models.MoneyRecord.record_id))
        return {"notices": [{"kind": r.kind, "at": r.at.isoformat(), "data": r.data} for r in rows]}

    # -- HO-32 ---------------------------------------------------------------------------------------------
    @handles("fundlink.healthcare_security.reward.approved.v1")
    def on_reward_approved(self, event):
        data = event.data
        collect_by = domain.reward_collect_deadline(date.fromisoformat(data["collect_by"]),
                                                    datetime.fromisoformat(data["notice_served_at"]))
        reward = domain.receive_reward(data["reward_id"], data["report_id"], data["region_code"],
                                       data["reward_amount_fen"], collect_by)
        self.db.session.merge(models.Reward(reward_id=reward.reward_id, report_id=reward.report_id,
                                            region_code=reward.region_code, amount_fen=reward.amount_fen,
                                            collect_by=collect_by.as_dict()))

    @handles("fundlink.healthcare_security.reward.forfeited.v1")
    def on_reward_forfeited(self, event):
        """The reporter did not collect in time: the reward is deemed waived and finance does not fund it."""
        row, reward = self._reward(event.data["reward_id"])
        forfeited = domain.forfeit_reward(reward, datetime.fromisoformat(event.data["forfeited_at"]))
        row.forfeited_at = forfeited.forfeited_at

    def _reward(self, reward_id: str) -> tuple[models.Reward, domain.Reward]:
        row = self.db.session.get(models.Reward, reward_id)
        if row is None:
            raise NotFound(f"finance has no approved reward {reward_id!r}")
        return row, domain.Reward(row.reward_id, row.report_id, row.region_code, row.amount_fen,
                                  Deadline.from_dict(row.collect_by), row.paid_at, row.payment_ref, row.forfeited_at)

    @http("POST", "/rewards/<reward_id>/payment", request_schema=schemas.RewardPayRequest,
          expected_exceptions=ERRORS)
    def pay_reward(self, request, reward_id):
        body, now = schemas.RewardPayRequest().load(json_body(request)), self.clock()
        row, reward = self._reward(reward_id)
        reward, event = domain.pay_reward(reward, body["payment_ref"], now)
        row.paid_at, row.payment_ref = reward.paid_at, reward.payment_ref
        self.db.publish(schemas.RewardPaid, {"reward_id": reward_id, "amount_fen": event.amount_fen,
                                             "payment_ref": event.payment_ref, "paid_at": now},
                        subject=reward_id, correlation_id=reward_id, region=row.region_code)
        return 202, {"reward_id": reward_id, "status": "paid", "amount_fen": event.amount_fen}

    @http("GET", "/rewards/<reward_id>")
    def get_reward(self, request, reward_id):
        row, reward = self._reward(reward_id)
        return {"reward_id": reward_id, "amount_fen": reward.amount_fen, "status": domain.reward_status(reward),
                "collect_by": row.collect_by, "payment_ref": reward.payment_ref,
                "forfeited_at": reward.forfeited_at.isoformat() if reward.forfeited_at else None}
