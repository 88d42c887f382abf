"""HO-35 at tax: the 0.05 %/day surcharge on arrears the bureau refers, and tax's answer to a referral."""

from __future__ import annotations

from datetime import date

import pytest

from services.tax import violations as v


def test_the_surcharge_counts_the_first_day_of_arrears():
    assert v.surcharge_days(date(2026, 10, 1), date(2026, 9, 30)) == 0
    assert v.surcharge_days(date(2026, 10, 1), date(2026, 10, 1)) == 1
    assert v.surcharge_days(date(2026, 10, 1), date(2026, 11, 9)) == 40


def test_the_surcharge_is_five_ten_thousandths_a_day_rounded_half_up_to_the_fen():
    assert v.late_surcharge_fen(1_200_000, date(2026, 10, 1), date(2026, 11, 9)) == 24_000
    assert v.late_surcharge_fen(1_000, date(2026, 10, 1), date(2026, 10, 1)) == 1  # 0.5 fen rounds up
    assert v.late_surcharge_fen(999, date(2026, 10, 1), date(2026, 10, 1)) == 0  # 0.4995 fen rounds down
    assert v.late_surcharge_fen(1_200_000, date(2026, 10, 1), date(2026, 9, 1)) == 0
    with pytest.raises(v.ViolationError):
        v.late_surcharge_fen(-1, date(2026, 10, 1), date(2026, 10, 2))


def test_tax_answers_once_accepts_only_non_payment_and_says_why_it_returns():
    v.check_decision("EV-1", v.RECEIVED, v.ACCEPTED, "not_paid", None)
    v.check_decision("EV-1", v.RECEIVED, v.RETURNED, "not_paid", "already collected in full")
    with pytest.raises(v.ViolationError, match="already answered"):
        v.check_decision("EV-1", v.ACCEPTED, v.RETURNED, "not_paid", "x")
    with pytest.raises(v.ViolationError, match="reason"):
        v.check_decision("EV-1", v.RECEIVED, v.RETURNED, "paid_short", " ")
    with pytest.raises(v.ViolationError, match="not tax's matter"):
        v.check_decision("EV-1", v.RECEIVED, v.ACCEPTED, "not_registered", None)
    with pytest.raises(v.ViolationError, match="leave reason out"):
        v.check_decision("EV-1", v.RECEIVED, v.ACCEPTED, "paid_short", "why")
