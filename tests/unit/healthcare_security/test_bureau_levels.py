"""Rules of the hand-offs between the bureau's own offices and levels: the report docket (HO-31), the penalty
proposal (HO-37) and the two copies of an enforcement-supervision notice (HO-42)."""

import dataclasses
from datetime import date, datetime

import pytest

from services.healthcare_security import domain as hs
from services.healthcare_security.domain import case as case_rules
from services.healthcare_security.domain import proposals, reports, supervision
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI

CAL = china_calendar()


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SHANGHAI)


# --- HO-31 -----------------------------------------------------------------------------------------------------


def test_the_docket_keeps_the_30_days_from_the_original_receipt_and_no_reporter():
    # Received 1 Sep; the report reaches the receiving bureau a week later: the clock does not restart.
    entry = reports.accept_report("J-1", "phone", "pharmacy", "Kangning Pharmacy", True, at(2026, 9, 1, 9),
                                  at(2026, 9, 8, 9), CAL)
    assert entry.handle_by.due_at == end_of(2026, 10, 8)  # 1 Oct falls in the National Day holiday: rolls to 8 Oct
    assert entry.deadlines == ((hs.HANDLING, entry.handle_by),)
    assert not [f.name for f in dataclasses.fields(entry) if "reporter" in f.name]
    report, _ = hs.receive_report("J-1", "phone", "Kangning Pharmacy", "card lending", at(2026, 9, 1, 9), CAL)
    assert report.handle_by == entry.handle_by  # the same rule on both sides


def test_the_docket_refuses_an_unknown_channel():
    with pytest.raises(hs.InvalidRequest, match="channel must be one of"):
        reports.accept_report("J-1", "pigeon", "pharmacy", "Kangning", False, at(2026, 9, 1), at(2026, 9, 1), CAL)


# --- HO-37 -----------------------------------------------------------------------------------------------------


def pending(fine=300_000, measures=()):
    return proposals.receive_proposal(
        "PP-1", "C-1", "institution", "H46010001", "Kangning Hospital", "split admissions", ["Decree 735 art. 38"],
        at(2026, 9, 15, 9), at(2026, 9, 15, 9, 1), proposed_fine_fen=fine, proposed_measures=measures)


def test_a_proposal_is_approved_at_the_proposed_fine_and_decided_once():
    decided, (event,) = proposals.decide_proposal(pending(), "approved", "director Sun", at(2026, 9, 16))
    assert decided.state is proposals.ProposalState.APPROVED and decided.approved_fine_fen == 300_000
    assert event.event_name == "healthcare_security.penalty.proposal_approved"
    assert (event.proposal_id, event.case_id, event.approved_fine_fen) == ("PP-1", "C-1", 300_000)
    with pytest.raises(hs.IllegalTransition, match="already approved"):
        proposals.decide_proposal(decided, "rejected", "director Sun", at(2026, 9, 17), reasons="changed mind")


def test_changing_the_fine_is_an_amendment_with_reasons():
    with pytest.raises(hs.InvalidRequest, match="to change it, decide 'amended'"):
        proposals.decide_proposal(pending(), "approved", "director Sun", at(2026, 9, 16), approved_fine_fen=1)
    with pytest.raises(hs.InvalidRequest, match="give the reasons"):
        proposals.decide_proposal(pending(), "amended", "director Sun", at(2026, 9, 16), approved_fine_fen=200_000)
    amended, (event,) = proposals.decide_proposal(pending(), "amended", "director Sun", at(2026, 9, 16),
                                                  approved_fine_fen=200_000, reasons="first offence")
    assert (amended.state.value, event.approved_fine_fen, event.reasons) == ("amended", 200_000, "first offence")


def test_a_rejection_gives_reasons_and_approves_no_fine():
    with pytest.raises(hs.InvalidRequest, match="approves no fine"):
        proposals.decide_proposal(pending(), "rejected", "director Sun", at(2026, 9, 16), approved_fine_fen=1,
                                  reasons="no evidence")
    rejected, (event,) = proposals.decide_proposal(pending(), "rejected", "director Sun", at(2026, 9, 16),
                                                   reasons="no evidence")
    assert rejected.approved_fine_fen is None and event.decision == "rejected"


def test_a_proposal_names_its_basis_and_proposes_something():
    with pytest.raises(hs.InvalidRequest, match="legal basis"):
        proposals.receive_proposal("PP-1", "C-1", "institution", "H1", "K", "v", [" "], at(2026, 9, 15),
                                   at(2026, 9, 15))
    with pytest.raises(hs.InvalidRequest, match="a fine or at least one measure"):
        pending(fine=None)
    assert pending(fine=None, measures=["suspend the agreement"]).proposed_measures == ("suspend the agreement",)


def investigating(case_id="C-1"):
    case, _ = hs.open_lead(case_id, at(2026, 9, 1, 9))
    case, _ = hs.file_case(case, "section chief Zhao", at(2026, 9, 1, 9), CAL)
    case, _ = hs.start_investigation(case, ["officer Wang", "officer Li"], at(2026, 9, 1, 9))
    return case


def test_a_case_proposes_once_per_id_and_records_the_authoritys_answer():
    case = investigating()
    fine = hs.PenaltyDecision("P-06", 200_000, 300_000)
    case, (event,) = hs.propose_penalty(case, "PP-1", fine, ["Decree 735 art. 38"], at(2026, 9, 15))
    assert event.proposal_id == "PP-1" and case.timeline[-1].step == "penalty_proposed: PP-1 (P-06)"
    with pytest.raises(hs.IllegalTransition, match="already submitted"):
        hs.propose_penalty(case, "PP-1", fine, ["Decree 735 art. 38"], at(2026, 9, 15))
    case, events = case_rules.record_proposal_decision(case, "PP-1", "amended", at(2026, 9, 16),
                                                       approved_fine_fen=200_000)
    assert events == [] and case.state is hs.CaseState.INVESTIGATING
    assert case.timeline[-1].step == "penalty_proposal_amended: PP-1, fine 200000 fen"
    with pytest.raises(hs.InvalidRequest):
        case_rules.record_proposal_decision(case, "PP-1", "maybe", at(2026, 9, 16))


# --- HO-42 -----------------------------------------------------------------------------------------------------


def test_an_upper_bureau_supervises_another_bureau_with_a_correction_date_not_past():
    with pytest.raises(hs.InvalidRequest, match="does not supervise itself"):
        supervision.send_enforcement_notice("EN-1", "Haikou bureau", "Haikou bureau", ["x"], date(2026, 10, 30),
                                            at(2026, 9, 15), CAL)
    with pytest.raises(hs.InvalidRequest, match="before the notice is issued"):
        supervision.send_enforcement_notice("EN-1", "Hainan bureau", "Haikou bureau", ["x"], date(2026, 9, 14),
                                            at(2026, 9, 15), CAL)
    es, (event,) = supervision.send_enforcement_notice("EN-1", "Hainan bureau", "Haikou bureau", ["no hearing"],
                                                       date(2026, 4, 30), at(2026, 3, 2, 10), CAL)
    assert event.issued_at == at(2026, 3, 2, 10) and es.review_request_due.due_at == end_of(2026, 3, 12)


def test_the_upper_copy_counts_the_10_days_from_the_lower_bureaus_receipt():
    upper, _ = supervision.send_enforcement_notice("EN-1", "Hainan bureau", "Haikou bureau", ["no hearing"],
                                                   date(2026, 4, 30), at(2026, 3, 2, 10), CAL)
    # Received on the 4th, asked on the 13th: late counted from issue (due the 12th), on time from receipt
    # (due Sat the 14th, rolled to Mon the 16th).
    with pytest.raises(hs.ReviewWindowClosed):
        supervision.request_enforcement_review(upper, "served late", at(2026, 3, 13, 9), CAL)
    upper, events = supervision.record_review_request(upper, "served late", at(2026, 3, 4, 9), at(2026, 3, 13, 9),
                                                      CAL)
    assert events == [] and upper.state is hs.EnforcementState.REVIEW_REQUESTED
    assert upper.received_at == at(2026, 3, 4, 9) and upper.review_request_due.due_at == end_of(2026, 3, 16)
    assert upper.review_decision_due.due_at == end_of(2026, 3, 30)  # 15 days: Sat the 28th, rolled
    assert upper.deadlines == ((hs.REVIEW_DECISION, upper.review_decision_due),)
    with pytest.raises(hs.IllegalTransition, match="review is asked once"):
        supervision.record_review_request(upper, "again", at(2026, 3, 4, 9), at(2026, 3, 14, 9), CAL)
