"""HO-35 and HO-39 rules at the bureau: the B-HS-1 split with tax, answering referrals, and agreement measures
recorded on a case."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.healthcare_security import domain
from services.healthcare_security.domain import oversight as ov
from shared.deadlines import SHANGHAI

NOW = datetime(2026, 11, 9, 9, tzinfo=SHANGHAI)


def test_the_split_follows_001s_boundary_table():
    assert ov.responsible("not_registered") == ov.responsible("base_not_declared") == "healthcare_security"
    assert ov.responsible("not_paid") == ov.responsible("paid_short") == "tax"
    with pytest.raises(domain.InvalidRequest):
        ov.responsible("late_filing")


def test_the_bureau_refers_only_taxs_part_with_arrears_that_have_begun():
    ov.check_referral_to_tax("EV-1", "not_paid", 1_200_000, date(2026, 10, 1), NOW.date())
    ov.check_referral_to_tax("EV-1", "paid_short", None, None, NOW.date())
    with pytest.raises(domain.InvalidRequest, match="own matter"):
        ov.check_referral_to_tax("EV-1", "not_registered", None, None, NOW.date())
    with pytest.raises(domain.InvalidRequest, match="arrears_since"):
        ov.check_referral_to_tax("EV-1", "not_paid", None, date(2026, 11, 10), NOW.date())
    with pytest.raises(domain.InvalidRequest, match="more than 0"):
        ov.check_referral_to_tax("EV-1", "not_paid", 0, None, NOW.date())


def test_a_referral_from_tax_is_answered_once_accepted_with_a_case_or_returned_with_a_reason():
    ov.check_decision("R-1", ov.RECEIVED, ov.ACCEPTED, "C-1", None)
    ov.check_decision("R-1", ov.RECEIVED, ov.RETURNED, None, "registered on 2 November")
    with pytest.raises(domain.InvalidRequest, match="case_id"):
        ov.check_decision("R-1", ov.RECEIVED, ov.ACCEPTED, None, None)
    with pytest.raises(domain.InvalidRequest, match="reason"):
        ov.check_decision("R-1", ov.RECEIVED, ov.RETURNED, None, "")
    with pytest.raises(domain.InvalidRequest, match="opens no case"):
        ov.check_decision("R-1", ov.RECEIVED, ov.RETURNED, "C-1", "why")
    with pytest.raises(domain.IllegalTransition, match="already answered"):
        ov.check_decision("R-1", ov.ACCEPTED, ov.RETURNED, None, "why")


def test_taxs_answer_is_taken_once_and_a_contradicting_one_is_refused():
    assert ov.answer_state("EV-1", ov.REFERRED, ov.ACCEPTED) == ov.ACCEPTED
    assert ov.answer_state("EV-1", ov.ACCEPTED, ov.ACCEPTED) is None
    with pytest.raises(domain.IllegalTransition):
        ov.answer_state("EV-1", ov.ACCEPTED, ov.RETURNED)


def test_an_agreement_measure_is_recorded_on_the_case_once_without_changing_its_state():
    case, _ = domain.open_lead("C-1", NOW)
    after, events = ov.record_agreement_action(case, "ACT-SUS-1", "suspend_settlement", "SUS-1", date(2026, 9, 16),
                                               NOW)
    assert events == [] and after.state == case.state
    entry = after.timeline[-1]
    assert entry.step == "agreement_action: suspend_settlement ACT-SUS-1 (order SUS-1) from 2026-09-16"
    assert (entry.actor_agency, entry.event_name) == ("hs_center", "hs_center.agreement.action_reported")
    again, _ = ov.record_agreement_action(after, "ACT-SUS-1", "suspend_settlement", "SUS-1", date(2026, 9, 16), NOW)
    assert len(again.timeline) == len(after.timeline)
