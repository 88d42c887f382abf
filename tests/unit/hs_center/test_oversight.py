"""HO-36 and HO-39 rules at the center: the 10-day opinion window and its admissibility; agreement measures and
the settlement block they put on an institution's claims."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.hs_center import oversight as ov
from services.hs_center.settlement import SettlementError
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI

CAL = china_calendar()


def at(y, m, d, h=10, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


# --- HO-36 --------------------------------------------------------------------------------------------------------


def test_the_opinion_is_due_10_calendar_days_after_receipt_rolled_past_a_holiday():
    # Received Tuesday 15 September 2026: the 10th day, Friday the 25th, is the Mid-Autumn Festival and the
    # 26th-27th a weekend, so the window ends at the end of Monday 28 September.
    d = ov.opinion_deadline(at(2026, 9, 15, 9), CAL)
    assert d.due_date == date(2026, 9, 28)
    assert "000:244" in d.rule and "rolled" in d.rule


def test_the_opinion_is_due_on_the_10th_day_itself_when_it_is_a_working_day():
    assert ov.opinion_deadline(at(2026, 6, 2, 9), CAL).due_date == date(2026, 6, 12)  # Friday


def test_receipt_is_the_service_time_unless_the_center_clock_is_behind():
    served = at(2026, 9, 15, 9)
    assert ov.received_at(served, at(2026, 9, 15, 10)) == served
    assert ov.received_at(at(2026, 9, 15, 11), at(2026, 9, 15, 10)) == at(2026, 9, 15, 10)


def test_silence_past_the_window_is_no_objection_but_a_submitted_opinion_stays_submitted():
    d = ov.opinion_deadline(at(2026, 9, 15, 9), CAL)
    assert ov.report_state(d, at(2026, 9, 28, 23, 59), False) == ov.AWAITING
    assert ov.report_state(d, at(2026, 9, 29, 0, 0), False) == ov.DEEMED
    assert ov.report_state(d, at(2026, 9, 29, 0, 0), True) == ov.SUBMITTED


def _check(position, disputed, now=at(2026, 9, 18), state=ov.AWAITING, opinion="text"):
    d = ov.opinion_deadline(at(2026, 9, 15, 9), CAL)
    return ov.check_opinion("SR-1", state, d, now, ["FD-1", "FD-2"], position, opinion, disputed)


def test_an_objection_names_findings_of_the_report_and_an_agreement_none():
    assert _check("objection", ["FD-2", "FD-2"]) == ("FD-2",)
    assert _check("agree", []) == ()
    with pytest.raises(ov.OversightError, match="disputed_findings"):
        _check("objection", [])
    with pytest.raises(ov.OversightError, match="no finding FD-7"):
        _check("objection", ["FD-7"])
    with pytest.raises(ov.OversightError, match="disputes no findings"):
        _check("agree", ["FD-1"])
    with pytest.raises(ov.OversightError, match="empty"):
        _check("agree", [], opinion="  ")


def test_an_opinion_is_given_once_and_not_after_the_window():
    with pytest.raises(ov.OversightError, match="already submitted"):
        _check("agree", [], state=ov.SUBMITTED)
    with pytest.raises(ov.OpinionWindowClosed, match="no objection"):
        _check("agree", [], now=at(2026, 9, 29, 0, 1))


# --- HO-39 --------------------------------------------------------------------------------------------------------


def test_a_suspension_blocks_payment_from_its_first_day_until_its_end_or_lifting():
    order = ov.Measure("ACT-SUS-1", "H1", "suspend_settlement", date(2026, 9, 16), order_id="SUS-1")
    ov.check_payable("H1", [order], date(2026, 9, 15))  # not yet
    with pytest.raises(ov.SettlementSuspended, match="SUS-1"):
        ov.check_payable("H1", [order], date(2026, 9, 16))
    ov.check_payable("H2", [order], date(2026, 9, 16))  # another institution
    lifted = ov.Measure("ACT-SUS-1", "H1", "suspend_settlement", date(2026, 9, 16), lifted_on=date(2026, 10, 1))
    with pytest.raises(ov.SettlementSuspended):
        ov.check_payable("H1", [lifted], date(2026, 9, 30))
    ov.check_payable("H1", [lifted], date(2026, 10, 1))
    bounded = ov.Measure("AA-1", "H1", "suspend_agreement", date(2026, 9, 20), date(2026, 9, 30))
    with pytest.raises(ov.SettlementSuspended):
        ov.check_payable("H1", [bounded], date(2026, 9, 30))
    ov.check_payable("H1", [bounded], date(2026, 10, 1))


def test_measures_that_do_not_suspend_do_not_block_and_the_refusal_is_a_settlement_error():
    staff = ov.Measure("AA-2", "H1", "suspend_staff", date(2026, 9, 1))
    ov.check_payable("H1", [staff], date(2026, 9, 16))
    assert issubclass(ov.SettlementSuspended, SettlementError)  # the payment route answers it with 409


def test_a_measure_is_complete_and_settlement_is_suspended_only_on_the_bureau_order():
    kw = {"amount_fen": None, "order_id": None, "effective_from": date(2026, 9, 20), "effective_until": None}
    ov.check_measure("terminate_agreement", **kw)
    ov.check_measure("suspend_settlement", **{**kw, "order_id": "SUS-1"}, from_bureau_order=True)
    with pytest.raises(ov.OversightError, match="bureau's order"):
        ov.check_measure("suspend_settlement", **kw)
    with pytest.raises(ov.OversightError, match="amount_fen"):
        ov.check_measure("recover", **kw)
    ov.check_measure("recover", **{**kw, "amount_fen": 10_000})
    with pytest.raises(ov.OversightError, match="does not last"):
        ov.check_measure("terminate_agreement", **{**kw, "effective_until": date(2026, 12, 31)})
    with pytest.raises(ov.OversightError, match="before"):
        ov.check_measure("suspend_agreement", **{**kw, "effective_until": date(2026, 9, 1)})
    with pytest.raises(ov.OversightError, match="own measure"):
        ov.check_measure("interview", **{**kw, "order_id": "SUS-1"})
    with pytest.raises(ov.OversightError, match="unknown"):
        ov.check_measure("close_hospital", **kw)


def test_only_a_running_suspension_is_lifted():
    ov.check_lift(ov.Measure("A", "H1", "suspend_settlement", date(2026, 9, 16)), date(2026, 9, 20))
    with pytest.raises(ov.OversightError, match="only a suspension"):
        ov.check_lift(ov.Measure("A", "H1", "interview", date(2026, 9, 16)), date(2026, 9, 20))
    with pytest.raises(ov.OversightError, match="was lifted"):
        ov.check_lift(ov.Measure("A", "H1", "suspend_settlement", date(2026, 9, 16), lifted_on=date(2026, 9, 18)),
                      date(2026, 9, 20))
    with pytest.raises(ov.OversightError, match="ended"):
        ov.check_lift(ov.Measure("A", "H1", "suspend_agreement", date(2026, 9, 1), date(2026, 9, 10)),
                      date(2026, 9, 20))
