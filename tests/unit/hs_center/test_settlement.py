"""HO-21 settlement rules: the 20th cut-off, the roll to next month, 45 working days from the 21st, Hongze's
2 months and April year-end. Dates are stated literally; holidays come from shared/data/holidays.yaml."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.hs_center import settlement as st
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI

CAL = china_calendar()


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


def test_a_claim_filed_on_the_21st_rolls_to_next_month_and_is_due_45_working_days_after_its_21st():
    # July 2026's claim, filed on Friday 21 August 2026: one day past the 20th, so it joins September's
    # settlement. Counted from Monday 21 September (excluded), 45 working days skip the Mid-Autumn Festival
    # (25 Sep) and National Day (1-7 Oct), and count the make-up Saturday 10 October: due Monday 30 November 2026.
    claim = st.file_claim("C-1", "H-001", "460100", "2026-07", 1_000_000, at(2026, 8, 21), CAL)
    assert claim.filed_on == date(2026, 8, 21)
    assert claim.settlement_month == "2026-09"
    assert claim.late is True
    assert claim.deadline.starts_at == datetime(2026, 9, 21, tzinfo=SHANGHAI)
    assert claim.deadline.due_date == date(2026, 11, 30)
    assert claim.deadline.due_at == datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert "45 working days from 2026-09-21" in claim.deadline.rule and "004:38" in claim.deadline.rule
    # Plain Monday-Friday counting would say 23 November: the holidays move it a week.
    assert claim.deadline.is_overdue(at(2026, 11, 30, 23)) is False
    assert claim.deadline.is_overdue(datetime(2026, 12, 1, 0, 0, 1, tzinfo=SHANGHAI)) is True


def test_a_claim_filed_on_the_20th_is_settled_that_month_across_national_day():
    # Filed on Thursday 20 August 2026: August's settlement. From 21 August (excluded), 45 working days count
    # the make-up Sunday 20 September, skip 25 September and 1-7 October, count Saturday 10 October: 29 October.
    claim = st.file_claim("C-2", "H-001", "460100", "2026-07", 1_000_000, at(2026, 8, 20, 23), CAL)
    assert (claim.settlement_month, claim.late) == ("2026-08", False)
    assert claim.deadline.due_date == date(2026, 10, 29)


def test_the_cut_off_is_the_20th_in_shanghai_time():
    # 20 August 16:30 UTC is already 21 August 00:30 in Shanghai: late.
    claim = st.file_claim("C-3", "H-001", "460100", "2026-07", 1, datetime(2026, 8, 20, 16, 30, tzinfo=UTC), CAL)
    assert claim.filed_on == date(2026, 8, 21) and claim.settlement_month == "2026-09"


def test_across_the_spring_festival():
    # December 2025's claim filed on Wednesday 21 January 2026 rolls to February; the clock starts on Saturday
    # 21 February 2026, inside the Spring Festival break (15-23 Feb), and the make-up Saturday 28 February counts.
    claim = st.file_claim("C-4", "H-002", "460200", "2025-12", 500, at(2026, 1, 21), CAL)
    assert claim.settlement_month == "2026-02"
    # Working days after 21 Feb: 24-27 Feb (4), Sat 28 Feb (5), March 2-31 (22): 27 by 31 March; then April,
    # skipping 6 April (Qingming, Monday): 1-3 (30), 7-10 (34), 13-17 (39), 20-24 (44), 27 April (45).
    assert claim.deadline.due_date == date(2026, 4, 27)


def test_an_older_month_filed_late_is_late_and_settled_with_the_next_cut_off():
    claim = st.file_claim("C-5", "H-001", "460100", "2026-05", 1, at(2026, 8, 3), CAL)
    assert (claim.settlement_month, claim.late) == ("2026-08", True)


def test_a_month_that_has_not_ended_cannot_be_claimed():
    with pytest.raises(st.SettlementError, match="has not ended"):
        st.file_claim("C-6", "H-001", "460100", "2026-08", 1, at(2026, 8, 31), CAL)


def test_hongze_pays_within_two_months_of_accepting_the_claim():
    assert st.rule_for("320829") is st.HONGZE
    claim = st.file_claim("C-7", "H-9", "320829", "2026-07", 1, at(2026, 8, 21), CAL)
    # No 20th cut-off in Hongze: settled from the day it is accepted.
    assert (claim.settlement_month, claim.late) == ("2026-08", False)
    assert claim.deadline.due_date == date(2026, 10, 21)
    assert "003:92" in claim.deadline.rule


def test_hongze_two_months_end_on_the_last_day_or_roll_over_a_holiday():
    assert st.months_after(at(2026, 7, 31), 2, CAL).due_date == date(2026, 9, 30)  # no 31 September
    rolled = st.months_after(at(2026, 8, 1), 2, CAL)  # 1 October is National Day
    assert rolled.due_date == date(2026, 10, 8) and "rolled to 2026-10-08" in rolled.rule


def test_hongze_annual_settlement_is_due_by_the_end_of_april_next_year():
    due = st.annual_settlement_deadline(2026, st.HONGZE)
    assert due.due_at == datetime(2027, 4, 30, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert st.annual_settlement_deadline(2026, st.HAINAN) is None


def test_a_region_without_a_rule_is_refused():
    with pytest.raises(st.SettlementRuleNotConfigured, match="region 110101"):
        st.rule_for("110101")
    custom = {"11": st.HONGZE}
    assert st.rule_for("110101", custom) is st.HONGZE


def test_payment_is_the_approved_part_less_withholding():
    claim = st.file_claim("C-8", "H-001", "460100", "2026-07", 1_000_000, at(2026, 8, 10), CAL)
    paid = st.pay(claim, 900_000, 50_000, at(2026, 9, 1))
    assert (paid.approved_fen, paid.paid_fen, paid.deducted_fen, paid.late) == (900_000, 850_000, 150_000, False)
    assert st.pay(claim, 900_000, 0, at(2026, 10, 30)).late is True  # due 29 October
    with pytest.raises(st.SettlementError, match="approved"):
        st.pay(claim, 1_000_001, 0, at(2026, 9, 1))
    with pytest.raises(st.SettlementError, match="withheld"):
        st.pay(claim, 10, 11, at(2026, 9, 1))


def test_status_of_a_claim():
    claim = st.file_claim("C-9", "H-001", "460100", "2026-07", 1, at(2026, 8, 10), CAL)
    assert st.status(claim.deadline, at(2026, 10, 29, 23), paid=False) == "open"
    assert st.status(claim.deadline, at(2026, 10, 30, 0), paid=False) == "overdue"
    assert st.status(claim.deadline, at(2026, 10, 30, 0), paid=True) == "paid"
    assert claim.obligation().what.startswith("pay claim C-9")
