"""The regulators' referral rules (HO-27/28, HO-29): a first report within 5 working days, the outcome once."""

from datetime import datetime

import pytest

from shared import referrals as rules
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI

CAL = china_calendar()


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_the_first_report_is_due_5_working_days_after_receipt_skipping_national_day():
    referral = rules.receive_referral("F-1", "H46010001", "price", at(2026, 9, 29, 10), CAL)
    # Sep 30, Oct 8, Oct 9, the make-up working Saturday Oct 10, Mon Oct 12
    assert referral.first_report_due.due_at.date().isoformat() == "2026-10-12"


def test_pending_acknowledges_and_a_final_outcome_closes_the_referral_once():
    referral = rules.receive_referral("F-1", "H46010001", "price", at(2026, 9, 1, 10), CAL)
    pending = rules.report_outcome(referral, "pending", at(2026, 9, 2))
    assert (pending.outcome, pending.decided_at, pending.closed) == ("pending", None, False)
    closed = rules.report_outcome(pending, "penalised", at(2026, 9, 20))
    assert closed.closed and closed.decided_at == at(2026, 9, 20)
    with pytest.raises(rules.ReferralClosed, match="reported once"):
        rules.report_outcome(closed, "no_violation", at(2026, 9, 21))


def test_an_unknown_outcome_is_refused():
    referral = rules.receive_referral("F-1", "H46010001", "price", at(2026, 9, 1, 10), CAL)
    with pytest.raises(rules.DomainError, match="outcome must be one of"):
        rules.report_outcome(referral, "maybe", at(2026, 9, 2))
