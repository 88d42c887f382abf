"""Finance's desk on money coming in: the treasuries' ten-day transfers on finance's vouchers (HO-06) and the
cities' and counties' resident matching subsidies (HO-07). Mixed into FinanceService; rules in
``domain/treasury.py`` and ``domain/ltc.py``.

The treasury runs no service (docs/decisions.md, outside parties): it reads finance's voucher off the bus and
answers ``treasury.premium.transferred`` with its own key. City/county finance and provincial finance are the
same service here; a remittance comes back to it off the bus, where the provincial side credits the special
account and confirms receipt. :meth:`watch_money_in` is called from ``watch_deadlines``: it raises one alert
per missed deadline and returns the obligations for the deadline gauges.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI
from shared.http import NotFound, json_body

from . import domain, models, schemas
from . import handoff_models as hm
from .domain import treasury
from .domain._base import fund_year

ERRORS = (domain.DomainError,)


def _day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def _voucher(row: hm.PremiumVoucher) -> treasury.Voucher:
    return treasury.Voucher(row.voucher_id, row.dekad, row.treasury_code, row.region_code, domain.Scheme(row.scheme),
                            row.amount_fen, row.to_account, row.issued_at, row.transferred_at is not None)


def _obligation_view(o: domain.Obligation, now: datetime) -> dict:
    return {"what": o.what, "party": o.party, "due_at": o.deadline.due_at.isoformat(), "rule": o.deadline.rule,
            "overdue": o.deadline.is_overdue(now)}


class TreasuryEntrypoints:
    def _credit(self, account: str, amount_fen: int) -> None:
        """Money arriving from outside the fund's books (a treasury, a city's subsidy) raises one account."""
        balances = self._ledger().balances
        self._store_ledger(domain.Ledger({**balances, account: balances.get(account, 0) + amount_fen}))

    # -- HO-06 --------------------------------------------------------------------------------------------
    @http("POST", "/treasury-schedules", request_schema=schemas.TreasuryScheduleRequest, expected_exceptions=ERRORS)
    def schedule_treasury(self, request):
        """From ``first_dekad`` on, the treasury owes a transfer to the special account every 旬 (004:31)."""
        body = schemas.TreasuryScheduleRequest().load(json_body(request))
        treasury.parse_dekad(body["first_dekad"])
        self.db.session.merge(hm.TreasurySchedule(**body))
        return 200, body

    @http("POST", "/premium-transfer-vouchers", request_schema=schemas.VoucherRequest, expected_exceptions=ERRORS)
    def issue_voucher(self, request):
        """HO-06 out: the voucher on which the treasury moves an ended dekad's contributions."""
        body, now = schemas.VoucherRequest().load(json_body(request)), self.clock()
        issued = [_voucher(r) for r in self.db.session.scalars(select(hm.PremiumVoucher).where(
            (hm.PremiumVoucher.voucher_id == body["voucher_id"])
            | (hm.PremiumVoucher.treasury_code == body["treasury_code"]) & (hm.PremiumVoucher.dekad == body["dekad"])))]
        v = treasury.issue_voucher(body["voucher_id"], body["dekad"], body["treasury_code"], body["region_code"],
                                   body["scheme"], body["amount_fen"], now, issued)
        self.db.session.add(hm.PremiumVoucher(
            voucher_id=v.voucher_id, dekad=v.dekad, treasury_code=v.treasury_code, region_code=v.region_code,
            scheme=v.scheme.value, amount_fen=v.amount_fen, to_account=v.to_account, issued_at=now))
        self.db.publish(schemas.PremiumTransferVoucherIssued, {**body, "to_account": v.to_account, "issued_at": now},
                        subject=v.voucher_id, correlation_id=v.voucher_id, region=v.region_code)
        deadline = treasury.premium_transfer_deadline(v.dekad)
        return 202, {"voucher_id": v.voucher_id, "to_account": v.to_account, "deadline": deadline.as_dict(),
                     "late": deadline.is_overdue(now)}

    @handles("fundlink.treasury.premium.transferred.v1")
    def on_premium_transferred(self, event):
        """HO-06 in: the treasury carried out a voucher; the special account's sub-account is credited."""
        data, now = event.data, self.clock()
        row = self.db.session.get(hm.PremiumVoucher, data["voucher_id"])
        if row is None:
            raise NotFound(f"the treasury reports transfer {data['transfer_id']} on voucher {data['voucher_id']!r}, "
                           f"which finance never issued")
        treasury.receive_transfer(_voucher(row), data["scheme"], data["amount_fen"], data["to_account"])
        row.transfer_id, row.value_date, row.transferred_at = (data["transfer_id"],
                                                               date.fromisoformat(data["value_date"]), now)
        self._credit(row.to_account, row.amount_fen)

    @http("GET", "/premium-transfer-vouchers")
    def list_vouchers(self, request):
        q = select(hm.PremiumVoucher).order_by(hm.PremiumVoucher.dekad, hm.PremiumVoucher.voucher_id)
        return {"vouchers": [
            {"voucher_id": r.voucher_id, "dekad": r.dekad, "treasury_code": r.treasury_code, "scheme": r.scheme,
             "amount_fen": r.amount_fen, "to_account": r.to_account, "transfer_id": r.transfer_id,
             "transferred": r.transferred_at is not None,
             "due_at": treasury.premium_transfer_deadline(r.dekad).due_at.isoformat()}
            for r in self.db.session.scalars(q)]}

    # -- HO-07 --------------------------------------------------------------------------------------------
    @http("POST", "/resident-subsidies/rounds", request_schema=schemas.SubsidyRoundRequest,
          expected_exceptions=ERRORS)
    def open_subsidy_round(self, request):
        """The cities and counties that owe the year's resident matching subsidy by 31 August (004:32)."""
        body = schemas.SubsidyRoundRequest().load(json_body(request))
        self.db.session.merge(hm.SubsidyRound(year=body["year"], regions=sorted(set(body["regions"]))))
        return 200, {**body, "deadline": domain.resident_subsidy_deadline(body["year"]).as_dict()}

    @http("POST", "/resident-subsidies", request_schema=schemas.SubsidyRemitRequest, expected_exceptions=ERRORS)
    def remit_resident_subsidy(self, request):
        """HO-07 out: a city/county finance remits its matching subsidy to the provincial special account."""
        body, now = schemas.SubsidyRemitRequest().load(json_body(request)), self.clock()
        if self.db.session.get(hm.ResidentSubsidy, body["remittance_id"]) is not None:
            raise domain.DomainError(f"remittance {body['remittance_id']} was already sent; it is sent once")
        e = domain.remit_resident_subsidy(body["year"], body["region_code"], body["amount_fen"],
                                          body["insured_person_count"], now)
        self.db.session.add(hm.ResidentSubsidy(
            remittance_id=body["remittance_id"], year=e.year, region_code=e.region_code,
            insured_person_count=e.insured_person_count, amount_fen=e.amount_fen, remitted_on=_day(now), late=e.late,
            confirmed=False))
        self.db.publish(schemas.ResidentSubsidyRemitted, {**body, "to_account": e.to_account,
                                                          "remitted_on": _day(now)},
                        subject=body["remittance_id"], correlation_id=body["remittance_id"], region=e.region_code)
        return 202, {"remittance_id": body["remittance_id"], "to_account": e.to_account, "late": e.late,
                     "deadline": domain.resident_subsidy_deadline(e.year).as_dict()}

    @handles("fundlink.finance.resident_subsidy.remitted.v1")
    def on_resident_subsidy_remitted(self, event):
        """HO-07 in (provincial finance): credit the resident sub-account once and confirm receipt."""
        data, now = event.data, self.clock()
        row = self.db.session.get(hm.ResidentSubsidy, data["remittance_id"])
        treasury.receive_resident_subsidy(data["remittance_id"], [data["remittance_id"]] if row and row.received_on
                                          else [])
        if row is None:  # remitted by a city finance outside this deployment
            row = hm.ResidentSubsidy(
                remittance_id=data["remittance_id"], year=data["year"], region_code=data["region_code"],
                insured_person_count=data["insured_person_count"], amount_fen=data["amount_fen"],
                remitted_on=date.fromisoformat(data["remitted_on"]),
                late=domain.resident_subsidy_deadline(data["year"]).is_overdue(now), confirmed=False)
            self.db.session.add(row)
        row.received_on = _day(now)
        self._credit(data["to_account"], data["amount_fen"])
        self.db.publish(schemas.ResidentSubsidyReceived, {
            "remittance_id": row.remittance_id, "region_code": row.region_code, "amount_fen": row.amount_fen,
            "received_on": row.received_on}, subject=row.remittance_id, correlation_id=event.correlationid,
            region=row.region_code)

    @handles("fundlink.finance.resident_subsidy.received.v1")
    def on_resident_subsidy_received(self, event):
        row = self.db.session.get(hm.ResidentSubsidy, event.data["remittance_id"])
        if row is None:
            raise NotFound(f"receipt for unknown remittance {event.data['remittance_id']!r}")
        row.confirmed = True

    @http("GET", "/resident-subsidies/<int:year>", expected_exceptions=ERRORS)
    def subsidy_status(self, request, year):
        now, year = self.clock(), fund_year(year)
        rows = self.db.session.scalars(select(hm.ResidentSubsidy).where(hm.ResidentSubsidy.year == year)).all()
        return {"year": year, "deadline": domain.resident_subsidy_deadline(year).as_dict(), "remittances": [
            {"remittance_id": r.remittance_id, "region_code": r.region_code, "amount_fen": r.amount_fen,
             "late": r.late, "received_on": r.received_on and r.received_on.isoformat(), "confirmed": r.confirmed}
            for r in rows], "open": [_obligation_view(o, now) for o in domain.open_deadlines(
                self._subsidy_obligations(year))]}

    # -- HO-20 in -------------------------------------------------------------------------------------------
    @handles("fundlink.hs_center.fund_operation.quarterly_reported.v1")
    def on_fund_operation_reported(self, event):
        """HO-20: the provincial center's quarterly fund operation report, kept beside the books (004:37)."""
        self._record("fund_operation_report", event.data["report_id"], event.data)

    @http("GET", "/fund-operation-reports")
    def list_fund_operation_reports(self, request):
        rows = self.db.session.scalars(select(models.MoneyRecord).where(
            models.MoneyRecord.kind == "fund_operation_report").order_by(models.MoneyRecord.record_id))
        return {"reports": [r.data for r in rows]}

    # -- deadlines -----------------------------------------------------------------------------------------
    def _subsidy_obligations(self, year: int) -> tuple[domain.Obligation, ...]:
        rnd = self.db.session.get(hm.SubsidyRound, year)
        received = self.db.session.scalars(select(hm.ResidentSubsidy.region_code).where(
            hm.ResidentSubsidy.year == year, hm.ResidentSubsidy.received_on.is_not(None)))
        return domain.resident_subsidy_obligations(year, rnd.regions if rnd else (), received)

    def money_in_obligations(self, now: datetime) -> dict[str, list[domain.Obligation]]:
        owed: dict[str, list[domain.Obligation]] = {"premium_transfer": [], "resident_subsidy": []}
        for schedule in self.db.session.scalars(select(hm.TreasurySchedule)):
            done = self.db.session.scalars(select(hm.PremiumVoucher.dekad).where(
                hm.PremiumVoucher.treasury_code == schedule.treasury_code,
                hm.PremiumVoucher.transferred_at.is_not(None)))
            owed["premium_transfer"] += treasury.premium_transfer_obligations(
                schedule.treasury_code, schedule.first_dekad, now, done)
        for rnd in self.db.session.scalars(select(hm.SubsidyRound)):
            owed["resident_subsidy"] += self._subsidy_obligations(rnd.year)
        return owed

    def watch_money_in(self, now: datetime) -> dict[str, list[domain.Obligation]]:
        """Raise one alert per missed HO-06/HO-07 deadline; return the obligations for the gauges."""
        owed = self.money_in_obligations(now)
        for kind, obligations in owed.items():
            for o in domain.overdue(obligations, now):
                alert_id = f"{kind}:{o.what}"[:160]
                if self.db.session.get(hm.DeadlineAlert, alert_id) is None:
                    self.db.session.add(hm.DeadlineAlert(alert_id=alert_id, kind=kind, what=o.what[:200],
                                                         party=o.party[:64], due_at=o.deadline.due_at,
                                                         detected_at=now))
        return owed

    @http("GET", "/deadlines")
    def list_deadlines(self, request):
        """Open HO-06/HO-07 deadlines, soonest first, and the alerts raised for the missed ones."""
        now = self.clock()
        owed = self.money_in_obligations(now)
        alerts = self.db.session.scalars(select(hm.DeadlineAlert).order_by(hm.DeadlineAlert.due_at))
        return {"open": {kind: [_obligation_view(o, now) for o in domain.open_deadlines(obs)]
                         for kind, obs in owed.items()},
                "alerts": [{"kind": a.kind, "what": a.what, "party": a.party, "due_at": a.due_at.isoformat(),
                            "detected_at": a.detected_at.isoformat()} for a in alerts]}
