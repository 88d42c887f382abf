"""health_commission's referral rules (HO-29): a first report within 5 working days, the final outcome once."""

from datetime import datetime

import pytest

from services.health_commission import domain
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI

CAL = china_calendar()


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_the_first_report_is_due_5_working_days_after_receipt_skipping_national_day():
    referral = domain.receive_referral("F-1", "H46010001", "price", at(2026, 9, 29, 10), CAL)
    # Sep 30, Oct 8, Oct 9, the make-up working Saturday Oct 10, Mon Oct 12
    assert referral.first_report_due.due_at.date().isoformat() == "2026-10-12"


def test_pending_acknowledges_and_a_final_outcome_closes_the_referral_once():
    referral = domain.receive_referral("F-1", "H46010001", "price", at(2026, 9, 1, 10), CAL)
    pending = domain.report_outcome(referral, "pending", at(2026, 9, 2))
    assert (pending.outcome, pending.decided_at, pending.closed) == ("pending", None, False)
    closed = domain.report_outcome(pending, "penalised", at(2026, 9, 20))
    assert closed.closed and closed.decided_at == at(2026, 9, 20)
    with pytest.raises(domain.ReferralClosed, match="reported once"):
        domain.report_outcome(closed, "no_violation", at(2026, 9, 21))


def test_an_unknown_outcome_is_refused():
    referral = domain.receive_referral("F-1", "H46010001", "price", at(2026, 9, 1, 10), CAL)
    with pytest.raises(domain.DomainError, match="outcome must be one of"):
        domain.report_outcome(referral, "maybe", at(2026, 9, 2))
