"""HO-21 through the real bus and database: a claim filed on the 21st rolls to next month, its payment clock
runs 45 working days from that month's 21st across National Day, the center alerts when it is missed, and the
payment reaches the institution's queue as hs_center.settlement.paid."""

from __future__ import annotations

from datetime import datetime

from helpers import wait_for
from integration.money_helpers import party_inbox, take

from services.hs_center.service import HsCenterService
from shared.deadlines import SHANGHAI

PAID = "fundlink.hs_center.settlement.paid.v1"
CLOCK = {"now": datetime(2026, 8, 21, 10, 0, tzinfo=SHANGHAI)}


class Center(HsCenterService):
    """The real service with its clock, and its deadline watch, reading a date the test sets."""

    def clock(self):
        return CLOCK["now"]

    def watch_deadlines(self, now):
        super().watch_deadlines(CLOCK["now"])


def call(fleet, method, path, body=None, role="officer", expect=(200, 201, 202)):
    r = fleet.call(method, "hs_center", path, json=body, role=role)
    assert r.status_code in expect, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


def institution_queue(amqp_uri):
    """The designated institution runs no service; its adapter reads a queue bound like any consumer's."""
    return party_inbox(amqp_uri, "designated_institution", PAID)


def settlement_gauges(fleet):
    """(open, overdue) settlement-payment deadlines as the center's /metrics shows them."""
    text = fleet.get("hs_center", "/metrics").text
    values = {line.split("{")[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("fundlink_deadlines_") and 'kind="settlement_payment"' in line}
    return values.get("fundlink_deadlines_open"), values.get("fundlink_deadlines_overdue")


def test_a_claim_filed_on_the_21st_rolls_over_is_watched_alerted_and_paid(fleet, amqp_uri, caplog):
    queue = institution_queue(amqp_uri)
    CLOCK["now"] = datetime(2026, 8, 21, 10, 0, tzinfo=SHANGHAI)  # Friday 21 August 2026: past the 20th
    fleet.start("hs_center", service_cls=Center)

    claim = call(fleet, "POST", "/settlement-claims", {
        "claim_id": "CLM-H001-2026-07", "institution_id": "H460100001", "region_code": "460100",
        "month": "2026-07", "claimed_fen": 12_345_600})
    # July's claim filed on 21 August joins September's settlement; counted from 21 September (excluded),
    # 45 working days skip 25 September and 1-7 October and count Saturday 10 October: Monday 30 November 2026.
    assert claim["filed_on"] == "2026-08-21"
    assert (claim["settlement_month"], claim["late_filing"], claim["status"]) == ("2026-09", True, "open")
    assert claim["due_date"] == "2026-11-30"
    assert claim["payment_due"]["starts_at"] == "2026-09-21T00:00:00+08:00"
    assert claim["payment_due"]["due_at"] == "2026-11-30T23:59:59.999999+08:00"
    # An on-time claim of another institution, filed the day before in the same service: due 29 October.
    CLOCK["now"] = datetime(2026, 8, 20, 16, 0, tzinfo=SHANGHAI)
    on_time = call(fleet, "POST", "/settlement-claims", {
        "claim_id": "CLM-H002-2026-07", "institution_id": "H460100002", "region_code": "460100",
        "month": "2026-07", "claimed_fen": 500_000})
    assert (on_time["settlement_month"], on_time["late_filing"], on_time["due_date"]) == ("2026-08", False,
                                                                                          "2026-10-29")
    # Filing the same claim again is harmless; with other figures it is refused.
    again = fleet.post("hs_center", "/settlement-claims", json={
        "claim_id": "CLM-H001-2026-07", "institution_id": "H460100001", "region_code": "460100",
        "month": "2026-07", "claimed_fen": 1}, role="officer")
    assert again.status_code == 409, again.text

    # The clocks are visible: in the API, soonest first, and in the deadline gauges.
    CLOCK["now"] = datetime(2026, 10, 30, 9, 0, tzinfo=SHANGHAI)  # the on-time claim's day has passed
    open_ = call(fleet, "GET", "/settlement-deadlines")["open"]
    assert [(o["due_at"][:10], o["overdue"]) for o in open_] == [("2026-10-29", True), ("2026-11-30", False)]
    wait_for(lambda: settlement_gauges(fleet) == (1.0, 1.0), message="one open and one overdue settlement clock")
    wait_for(lambda: call(fleet, "GET", "/settlement-claims/CLM-H002-2026-07")["overdue_alerted_at"],
             message="the overdue alert on the unpaid on-time claim")

    # Last day of the late claim's clock: still open. The next morning it is overdue, alerted once.
    CLOCK["now"] = datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI)
    assert call(fleet, "GET", "/settlement-claims/CLM-H001-2026-07")["status"] == "open"
    CLOCK["now"] = datetime(2026, 12, 1, 0, 0, 1, tzinfo=SHANGHAI)
    wait_for(lambda: settlement_gauges(fleet) == (0.0, 2.0), message="both clocks overdue on 1 December")
    late = wait_for(lambda: (c := call(fleet, "GET", "/settlement-claims/CLM-H001-2026-07"))["overdue_alerted_at"]
                    and c, message="the overdue alert on the late claim")
    assert late["status"] == "overdue" and late["days_left"] == -1
    alerts = [r.getMessage() for r in caplog.records if "is not paid by" in r.getMessage()]
    assert [a.split()[2] for a in alerts] == ["CLM-H002-2026-07", "CLM-H001-2026-07"], alerts  # once each
    assert "2026-11-30T23:59:59.999999+08:00" in alerts[1]
    assert [c["claim_id"] for c in call(fleet, "GET", "/settlement-claims?status=overdue")["claims"]] == [
        "CLM-H002-2026-07", "CLM-H001-2026-07"]

    # Paying (the head approves) clears the clock and tells the institution over the bus.
    CLOCK["now"] = datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI)
    paid = call(fleet, "POST", "/settlement-claims/CLM-H001-2026-07/payment",
                {"approved_fen": 12_000_000, "withheld_fen": 600_000, "deduction_reason": "quality deposit 5%"},
                role="head")
    assert (paid["status"], paid["paid_late"]) == ("paid", True)
    headers, body = take(amqp_uri, queue)
    assert headers["ce-type"] == PAID and headers["ce-source"].endswith("hs_center")
    assert body == {"claim_id": "CLM-H001-2026-07", "institution_id": "H460100001", "month": "2026-07",
                    "claim_filed_on": "2026-08-21", "claimed_fen": 12_345_600, "approved_fen": 12_000_000,
                    "deducted_fen": 945_600, "paid_fen": 11_400_000, "paid_at": "2026-12-02T15:00:00+08:00"}
    wait_for(lambda: settlement_gauges(fleet) == (0.0, 1.0), message="only the unpaid claim still overdue")
    twice = fleet.post("hs_center", "/settlement-claims/CLM-H001-2026-07/payment", json={"approved_fen": 1},
                       role="head")
    assert twice.status_code == 409, twice.text
