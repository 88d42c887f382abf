"""Rules of the 医保局 domain: transfer to police, the art. 11 guard, penalties, rewards, supervision."""

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.healthcare_security import domain as hs
from services.healthcare_security.domain import CaseState as S
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI, DeadlineKind

CAL = china_calendar()
THRESHOLD_FEN = 500_000  # a province's "relatively large" fraud amount: 5,000 yuan
SHA = "ab" * 32


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def doc(kind, name=None, sha=SHA):
    return hs.Attachment(kind, name or f"{kind}.pdf", sha, 1024, f"s3://cases/{kind}")


def package(*kinds):
    kinds = kinds or ("transfer_letter", "investigation_report")
    return tuple(doc(k, sha=f"{i:064x}") for i, k in enumerate(kinds, start=1))


def report(**changes):
    values = dict(
        officers=("officer Wang", "officer Li"),
        suspect_kind="unit",
        suspect_id="91320800MA1XXXXX0X",
        suspect_name="Hongze Kangning Hospital",
        facts_summary="ghost admissions billed to the pool fund",
        amount_defrauded_fen=1_250_000,
        conduct_period="2025-01/2025-12",
        legal_basis=("Criminal Law art. 266",),
        attachments=package(),
    )
    values.update(changes)
    return hs.TransferReport(**values)


def investigating_case(case_id="C-1", start=at(2026, 9, 1, 9)):
    case, _ = hs.open_lead(case_id, start)
    case, _ = hs.file_case(case, "section chief Zhao", start, CAL)
    case, _ = hs.start_investigation(case, ["officer Wang", "officer Li"], start)
    return case


def flagged_case(start=at(2026, 9, 1, 9)):
    case, _ = hs.record_findings(investigating_case(start=start), 1_250_000, THRESHOLD_FEN, start)
    return case


def transferred_case(approved=at(2026, 9, 28, 10)):
    case, _ = hs.submit_transfer_report(flagged_case(), report(), approved - timedelta(days=1), CAL)
    case, _ = hs.approve_transfer(case, "director Sun", approved)
    case, _ = hs.transfer_to_police(case, approved + timedelta(hours=2))
    return case


def police_reviewing_case(received=at(2026, 9, 30, 10)):
    case, _ = hs.record_receipt(
        transferred_case(), received, "Huai'an PSB economic crimes unit", received, CAL
    )
    return case


def not_filed_case(notice=at(2026, 10, 12, 9)):
    case, _ = hs.record_filing_decision(
        police_reviewing_case(),
        "not_filed",
        notice,
        CAL,
        reasons="amount below threshold",
        files_returned=True,
    )
    return case


# --- transfer timing ---------------------------------------------------------------------------------------


def test_police_decision_due_after_national_day_2026():
    # 2026-09-30 is the last working day before National Day (Oct 1–7 off, Oct 10 a make-up Saturday).
    # Three days end on Sat Oct 3, a rest day, so the limit rolls to Thu 2026-10-08.
    case = police_reviewing_case(received=at(2026, 9, 30, 10))
    due = case.deadline(hs.FILING_DECISION)
    assert due.kind is DeadlineKind.CALENDAR
    assert due.due_at == end_of(2026, 10, 8)
    assert case.state is S.POLICE_REVIEWING


def test_head_decides_within_3_days_and_transfer_follows_within_24_hours():
    case, _ = hs.submit_transfer_report(flagged_case(), report(), at(2026, 3, 2, 9), CAL)
    assert case.deadline(hs.HEAD_APPROVAL).due_at == end_of(2026, 3, 5)
    case, _ = hs.approve_transfer(case, "director Sun", at(2026, 3, 4, 16, 30))
    transfer = case.deadline(hs.TRANSFER)
    assert transfer.kind is DeadlineKind.HOURS
    assert transfer.due_at == at(2026, 3, 5, 16, 30)
    assert case.deadline(hs.HEAD_APPROVAL) is None


def test_police_that_never_answer_are_overdue_only_after_due_at():
    case = police_reviewing_case(received=at(2026, 9, 30, 10))
    due_at = end_of(2026, 10, 8)
    assert hs.overdue(case, due_at) == []
    assert hs.mark_overdue(case, due_at) == (case, [])
    late = due_at + timedelta(microseconds=1)
    assert [name for name, _ in hs.overdue(case, late)] == [hs.FILING_DECISION]
    marked, events = hs.mark_overdue(case, late)
    assert marked.state is S.POLICE_DECISION_OVERDUE
    assert events == [hs.PoliceDecisionOverdue("C-1", due_at, late)]
    assert events[0].event_name == "healthcare_security.case.police_decision_overdue"
    assert [n.deadline for n in hs.overdue_notices(case, late)] == [hs.FILING_DECISION]


def test_an_overdue_police_decision_may_go_to_the_procuratorate():
    case, _ = hs.mark_overdue(police_reviewing_case(), at(2026, 10, 9, 0, 0))
    case, events = hs.request_filing_supervision(case, "no filing decision after 3 days", at(2026, 10, 9, 10))
    assert case.state is S.PROCURATORATE_SUPERVISION_REQUESTED
    assert events[0].event_name == "healthcare_security.case.filing_supervision_requested"
    assert events[0].recipient == "procuratorate"
    assert hs.overdue(case, at(2026, 10, 20)) == []


def test_transfer_event_carries_the_hand_off_payload_and_the_package():
    case, _ = hs.submit_transfer_report(flagged_case(), report(), at(2026, 9, 27, 10), CAL)
    case, _ = hs.approve_transfer(case, "director Sun", at(2026, 9, 28, 10))
    case, events = hs.transfer_to_police(case, at(2026, 9, 28, 12))
    (event,) = events
    assert event.event_name == "healthcare_security.case.transferred_to_police"
    assert (event.case_id, event.amount_defrauded_fen, event.approved_by) == (
        "C-1",
        1_250_000,
        "director Sun",
    )
    assert event.approved_at == at(2026, 9, 28, 10)
    assert {a.kind for a in event.attachments} == {"transfer_letter", "investigation_report"}
    assert case.state is S.TRANSFERRED


def test_timeline_shows_each_hand_off_with_time_signer_deadline_and_state():
    case = police_reviewing_case(received=at(2026, 9, 30, 10))
    steps = [(e.step, e.actor_agency, e.state) for e in case.timeline]
    assert steps[-4:] == [
        ("transfer_approved", "healthcare_security", "approved"),
        ("transferred_to_police", "healthcare_security", "transferred"),
        ("receipt_signed", "public_security", "receipt_signed"),
        ("police_reviewing", "public_security", "police_reviewing"),
    ]
    transfer_entry = case.timeline[-3]
    assert transfer_entry.event_name == "healthcare_security.case.transferred_to_police"
    assert transfer_entry.signed_by == "director Sun"
    assert transfer_entry.deadline.kind is DeadlineKind.HOURS
    assert case.timeline[-1].deadline.due_at == end_of(2026, 10, 8)
    assert all(isinstance(e, hs.TimelineEntry) for e in case.timeline)


def test_a_transfer_needs_a_team_of_two_officers():
    with pytest.raises(hs.InvalidRequest, match="two enforcement officers"):
        hs.submit_transfer_report(flagged_case(), report(officers=("officer Wang",)), at(2026, 3, 2), CAL)


def test_evidence_is_handed_over_within_3_days_of_the_filing_notice():
    case, _ = hs.record_filing_decision(police_reviewing_case(), "filed", at(2026, 10, 8, 15), CAL)
    assert case.state is S.FILED_BY_POLICE
    assert case.deadline(hs.EVIDENCE_HANDOVER).due_at == end_of(2026, 10, 12)  # Oct 11 is a Sunday
    case, events = hs.hand_over_evidence(case, ["ledgers 2025", "interview records"], at(2026, 10, 9, 10))
    assert events[0].items == ("ledgers 2025", "interview records")
    case, _ = hs.close_criminal(case, at(2026, 12, 1))
    assert case.state is S.CLOSED_CRIMINAL


# --- Decree 310 art. 11 ------------------------------------------------------------------------------------


def test_a_penalty_cannot_close_a_transfer_flagged_case():
    case = flagged_case()
    assert case.transfer_required
    with pytest.raises(hs.TransferRequired, match=r"Decree 310 art\. 11.*transfer it to public security"):
        hs.serve_prior_notice(case, at(2026, 9, 2), CAL)
    with pytest.raises(hs.TransferRequired):
        hs.decide_no_penalty(case, "small amount", at(2026, 9, 2))
    with pytest.raises(hs.TransferRequired):
        hs.refer_to_other_agency(case, "R-1", "health_commission", at(2026, 9, 2))


def test_only_the_heads_reasoned_refusal_lifts_the_transfer_flag():
    case, _ = hs.submit_transfer_report(flagged_case(), report(), at(2026, 9, 2), CAL)
    with pytest.raises(hs.InvalidRequest, match="reasons"):
        hs.refuse_transfer(case, "director Sun", " ", at(2026, 9, 3))
    case, _ = hs.refuse_transfer(case, "director Sun", "billing error, no intent to defraud", at(2026, 9, 3))
    assert case.state is S.NOT_APPROVED and not case.transfer_required
    assert case.timeline[-1].step == "transfer_not_approved: billing error, no intent to defraud"
    case, _ = hs.serve_prior_notice(case, at(2026, 9, 4), CAL)
    assert case.state is S.PRIOR_NOTICE_SERVED


def test_a_case_below_the_threshold_is_not_flagged():
    case, _ = hs.record_findings(investigating_case(), THRESHOLD_FEN - 1, THRESHOLD_FEN, at(2026, 9, 2))
    assert not case.transfer_required
    assert hs.meets_transfer_condition(THRESHOLD_FEN, THRESHOLD_FEN)


def test_a_case_found_criminal_during_the_penalty_path_is_still_transferred():
    case, _ = hs.serve_prior_notice(investigating_case(), at(2026, 9, 2), CAL)
    case, _ = hs.record_findings(case, 2_000_000, THRESHOLD_FEN, at(2026, 9, 3))
    with pytest.raises(hs.TransferRequired):
        hs.decide_penalty(
            case, hs.PenaltyDecision("P-09", 2_000_000, 4_000_000), "director Sun", at(2026, 9, 4), CAL
        )
    case, _ = hs.submit_transfer_report(case, report(), at(2026, 9, 4), CAL)
    assert case.state is S.TRANSFER_REPORT_SUBMITTED


def test_police_not_filing_returns_the_case_for_administrative_penalty():
    case, _ = hs.return_for_administrative_penalty(not_filed_case(), "director Sun", at(2026, 10, 13))
    assert case.state is S.RETURNED_FOR_ADMINISTRATIVE_PENALTY
    case, _ = hs.serve_prior_notice(case, at(2026, 10, 13, 10), CAL)
    case, _ = hs.review_statement(case, at(2026, 10, 16))
    decision = hs.PenaltyDecision("P-09", 1_250_000, 2_500_000)
    case, _ = hs.decide_penalty(case, decision, "director Sun", at(2026, 10, 20), CAL)
    case, _ = hs.serve_decision(case, at(2026, 10, 21), CAL)
    case, _ = hs.record_performance(case, at(2026, 10, 30))
    case, _ = hs.close_case(case, "director Sun", at(2026, 10, 30))
    assert case.state is S.CLOSED
    assert hs.open_deadlines(case, at(2026, 11, 1)) == []


def test_the_reconsideration_path_ends_with_the_procuratorate_before_a_penalty():
    case, events = hs.request_reconsideration(not_filed_case(), "amount is 1.25 m fen", at(2026, 10, 13), CAL)
    assert events[0].event_name == "healthcare_security.case.reconsideration_requested"
    assert case.deadline(hs.RECONSIDERATION_DECISION).due_at == end_of(2026, 10, 16)
    case, _ = hs.record_reconsideration_decision(case, "not_filed", "unchanged", at(2026, 10, 15), CAL)
    assert case.state is S.RECONSIDERATION_DECIDED
    with pytest.raises(hs.TransferRequired):
        hs.serve_prior_notice(case, at(2026, 10, 15), CAL)
    case, _ = hs.request_filing_supervision(case, "facts meet art. 266", at(2026, 10, 16))
    case, _ = hs.record_supervision_outcome(case, False, at(2026, 11, 2), CAL)
    assert case.state is S.RETURNED_FOR_ADMINISTRATIVE_PENALTY
    case, _ = hs.serve_prior_notice(case, at(2026, 11, 3), CAL)
    assert case.state is S.PRIOR_NOTICE_SERVED


def test_the_reconsideration_right_lapses_after_3_days_of_the_notice():
    case = not_filed_case(notice=at(2026, 10, 12, 9))  # Monday; due Thu Oct 15
    with pytest.raises(hs.WindowClosed, match="reconsideration"):
        hs.request_reconsideration(case, "too late", at(2026, 10, 16, 0, 0), CAL)


def test_not_filed_needs_the_police_reasons():
    with pytest.raises(hs.InvalidRequest, match="reasons"):
        hs.record_filing_decision(police_reviewing_case(), "not_filed", at(2026, 10, 8), CAL)


def test_a_fine_outside_the_range_is_refused():
    case, _ = hs.return_for_administrative_penalty(not_filed_case(), "director Sun", at(2026, 10, 13))
    case, _ = hs.serve_prior_notice(case, at(2026, 10, 13), CAL)
    case, _ = hs.review_statement(case, at(2026, 10, 14))
    with pytest.raises(hs.FineOutOfRange):
        hs.decide_penalty(
            case, hs.PenaltyDecision("P-09", 1_000, 1_999), "director Sun", at(2026, 10, 15), CAL
        )


def test_illegal_steps_name_the_state():
    with pytest.raises(hs.IllegalTransition, match="case C-1 is investigating"):
        hs.approve_transfer(investigating_case(), "director Sun", at(2026, 9, 2))


# --- transfer package --------------------------------------------------------------------------------------


def test_the_transfer_letter_and_investigation_report_are_required():
    with pytest.raises(hs.IncompleteTransferPackage, match="investigation_report"):
        hs.check_transfer_package(package("transfer_letter", "other_evidence"))
    assert len(hs.check_transfer_package(package())) == 2


def test_a_list_of_seized_items_is_required_when_items_were_seized():
    with pytest.raises(hs.IncompleteTransferPackage, match="seized_items_list"):
        hs.check_transfer_package(package(), items_seized=True)
    hs.check_transfer_package(
        package("transfer_letter", "investigation_report", "seized_items_list"), items_seized=True
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"sha256": "ab" * 31},
        {"sha256": "zz" * 32},
        {"size_bytes": 0},
        {"filename": "../etc/passwd"},
        {"storage_ref": " "},
        {"kind": "photo"},
    ],
)
def test_a_malformed_attachment_is_refused(changes):
    values = dict(
        kind="transfer_letter", filename="letter.pdf", sha256=SHA, size_bytes=10, storage_ref="s3://x"
    )
    with pytest.raises(hs.InvalidAttachment):
        hs.Attachment(**{**values, **changes})


def test_a_digest_is_stored_in_lower_case():
    assert doc("transfer_letter", sha="AB" * 32).sha256 == "ab" * 32


# --- penalty ranges (§5) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "base", "jurisdiction", "kwargs", "expected"),
    [
        ("P-06", 10_001, "national", {}, (10_001, 20_002)),
        ("P-09", 333, "national", {}, (666, 1_665)),
        ("P-08", 1, "jiangsu", {}, (2, 5)),
        ("P-10", 100_000, "national", {}, (200_000, 500_000)),
        ("P-11", 7, "national", {}, (7, 21)),
        ("P-01", 90_000, "national", {}, (90_000, 270_000)),
        ("P-01", 0, "national", {"party": "persons"}, (50_000, 300_000)),
        ("P-01", 0, "jiangsu", {"party": "persons"}, (100_000, 300_000)),
        ("P-07", 0, "national", {}, (1_000_000, 5_000_000)),
        ("P-07", 0, "jiangsu", {}, (2_000_000, 5_000_000)),
        ("P-03", 0, "national", {"tier": "serious"}, (100_000, 500_000)),
        ("P-03", 0, "national", {"tier": "especially_serious"}, (500_000, 1_000_000)),
        ("P-05", 0, "national", {}, (500_000, 2_000_000)),
        ("P-05", 0, "national", {"party": "persons"}, (100_000, 500_000)),
    ],
)
def test_penalty_ranges_to_the_fen(rule, base, jurisdiction, kwargs, expected):
    assert hs.penalty_range(rule, base, jurisdiction, **kwargs) == expected


def test_unknown_rules_and_rules_without_a_fine_are_named_errors():
    with pytest.raises(hs.UnknownPenaltyRule, match="P-99"):
        hs.penalty_range("P-99", 100)
    with pytest.raises(hs.NoMoneyPenalty, match="points"):
        hs.penalty_range("P-13", 100)
    with pytest.raises(hs.UnknownPenaltyRule, match="tier"):
        hs.penalty_range("P-03", 0)
    with pytest.raises(hs.InvalidRequest, match="jurisdiction"):
        hs.penalty_range("P-06", 100, "hainan")


MULTIPLES = {
    "P-01": (1, 3),
    "P-02": (1, 3),
    "P-04": (1, 3),
    "P-06": (1, 2),
    "P-08": (2, 5),
    "P-09": (2, 5),
    "P-10": (2, 5),
    "P-11": (1, 3),
}


@given(
    rule=st.sampled_from(sorted(MULTIPLES)),
    base=st.integers(min_value=0, max_value=10**15),
    jurisdiction=st.sampled_from(["national", "jiangsu"]),
)
def test_multiple_ranges_lie_within_k_times_base(rule, base, jurisdiction):
    k_min, k_max = MULTIPLES[rule]
    low, high = hs.penalty_range(rule, base, jurisdiction)
    assert isinstance(low, int) and isinstance(high, int)
    assert k_min * base <= low <= high <= k_max * base
    assert (low, high) == (k_min * base, k_max * base)  # integer multiples are exact


# --- reports and rewards (§4.8) ----------------------------------------------------------------------------

FRIDAY = at(2026, 3, 13, 15)  # a plain working Friday; Mon 16 and Tue 17 are working days


def substantiated_report(reporter=hs.Reporter("Zhang San", "320802199001011234", "13800000000")):
    r, _ = hs.receive_report(
        "R-1",
        "hotline",
        "Hongze People's Hospital",
        "split admissions",
        at(2026, 2, 2),
        CAL,
        reporter=reporter,
    )
    r, _ = hs.close_report(r, "substantiated", at(2026, 2, 27))
    return r


def served_reward(notice_at=FRIDAY):
    reward, _ = hs.approve_reward(
        substantiated_report(), "W-1", 3_000_000, 150_000, "director Sun", notice_at
    )
    reward, events = hs.serve_reward_notice(reward, notice_at, CAL)
    return reward, events


def test_a_report_is_handled_within_30_days_and_the_reporter_told():
    r, events = hs.receive_report("R-1", "letter", "pharmacy X", "card lending", at(2026, 2, 2, 9), CAL)
    assert events[0].handle_by == date(2026, 3, 4)
    assert [n for n, _ in hs.overdue(r, at(2026, 3, 5))] == [hs.HANDLING]
    closed, events = hs.close_report(r, "unsubstantiated", at(2026, 3, 3))
    assert events[0].event_name == "healthcare_security.report.closed"
    assert events[0].outcome_notified_at == at(2026, 3, 3)
    assert hs.overdue(closed, at(2026, 3, 5)) == []


def test_reward_collected_by_the_next_tuesday_after_a_friday_notice():
    reward, events = served_reward(FRIDAY)
    assert events[0].collect_by == date(2026, 3, 17)
    assert events[0].event_name == "healthcare_security.reward.approved"
    assert reward.collect_by.kind is DeadlineKind.WORKING
    collected, events = hs.collect_reward(reward, at(2026, 3, 17, 16), by_proxy=True, power_of_attorney=True)
    assert collected.state is hs.RewardState.COLLECTED and events[0].by_proxy


def test_reward_forfeited_after_2_working_days():
    reward, _ = served_reward(FRIDAY)
    assert hs.forfeit_if_uncollected(reward, end_of(2026, 3, 17)) == (reward, [])
    forfeited, events = hs.forfeit_if_uncollected(reward, at(2026, 3, 18, 0, 0))
    assert forfeited.state is hs.RewardState.FORFEITED
    assert events[0].event_name == "healthcare_security.reward.forfeited"
    with pytest.raises(hs.CollectionWindowClosed, match="deemed waived"):
        hs.collect_reward(reward, at(2026, 3, 18, 9))


def test_reward_window_skips_the_national_day_break():
    _, events = served_reward(at(2026, 9, 30, 10))
    assert events[0].collect_by == date(2026, 10, 9)


def test_reward_amount_is_bounded_200_to_200000_yuan_and_configurable():
    report = substantiated_report()
    with pytest.raises(hs.RewardOutOfBounds):
        hs.approve_reward(report, "W-1", 3_000_000, 19_999, "director Sun", FRIDAY)
    with pytest.raises(hs.RewardOutOfBounds):
        hs.approve_reward(report, "W-1", 3_000_000_000, 20_000_001, "director Sun", FRIDAY)
    hs.approve_reward(report, "W-1", 3_000_000, 20_000, "director Sun", FRIDAY)
    policy = hs.RewardPolicy(min_fen=10_000, max_fen=50_000_000, collect_within_working_days=5)
    reward, _ = hs.approve_reward(report, "W-1", 3_000_000, 10_000, "director Sun", FRIDAY, policy)
    _, events = hs.serve_reward_notice(reward, FRIDAY, CAL, policy)
    assert events[0].collect_by == date(2026, 3, 20)


def test_an_anonymous_report_earns_no_reward():
    with pytest.raises(hs.RewardNotAllowed, match="no identity"):
        hs.approve_reward(
            substantiated_report(reporter=None), "W-1", 3_000_000, 50_000, "director Sun", FRIDAY
        )


def test_a_collected_reward_obtained_by_fraud_is_clawed_back():
    reward, _ = served_reward()
    reward, _ = hs.collect_reward(reward, at(2026, 3, 16, 10))
    reward, events = hs.claw_back_reward(reward, "forged evidence", at(2026, 5, 1))
    assert reward.state is hs.RewardState.CLAWED_BACK and events[0].reward_amount_fen == 150_000


def test_the_reward_sent_to_finance_carries_no_reporter_identity():
    fields = {f.name for f in dataclasses.fields(hs.RewardApproved)}
    assert fields == {
        "reward_id",
        "report_id",
        "loss_amount_fen",
        "reward_amount_fen",
        "notice_served_at",
        "collect_by",
    }
    _, events = served_reward()
    assert "Zhang San" not in repr(events) and "320802199001011234" not in repr(events)


def test_no_outgoing_event_has_a_field_naming_the_reporter():
    for event in hs.OUTGOING_EVENTS:
        assert not [f.name for f in dataclasses.fields(event) if "reporter" in f.name], event


def test_the_reporter_identity_stays_out_of_repr():
    text = repr(substantiated_report())
    assert "Zhang San" not in text and "320802199001011234" not in text


# --- supervision (HO-36, HO-42) ----------------------------------------------------------------------------


def test_supervision_silence_becomes_no_objection_on_day_11():
    report, events = hs.issue_supervision_report(
        "SR-1", "Hongze hs_center", ["late uploads"], at(2026, 3, 2, 10), CAL
    )
    assert events[0].opinion_due_at == end_of(2026, 3, 12)
    assert hs.apply_silence(report, at(2026, 3, 12, 23, 0)) == (report, [])
    deemed, events = hs.apply_silence(report, at(2026, 3, 13, 0, 0))
    assert deemed.state is hs.SupervisionState.DEEMED_NO_OBJECTION
    assert events[0].event_name == "healthcare_security.supervision.deemed_no_objection"
    with pytest.raises(hs.OpinionWindowClosed):
        hs.record_opinion(report, "we object", at(2026, 3, 13, 9))


def test_a_supervision_opinion_in_time_is_recorded():
    report, _ = hs.issue_supervision_report(
        "SR-1", "Hongze hs_center", ["late uploads"], at(2026, 3, 2, 10), CAL
    )
    answered, _ = hs.record_opinion(report, "agreed, rectified", at(2026, 3, 12, 17))
    assert answered.state is hs.SupervisionState.OPINION_RECEIVED
    assert hs.apply_silence(answered, at(2026, 4, 1)) == (answered, [])


def test_supervision_window_ending_in_a_holiday_rolls_to_the_next_working_day():
    report, _ = hs.issue_supervision_report("SR-2", "unit", ["x"], at(2026, 9, 24, 10), CAL)  # day 10 = Oct 4
    assert report.opinion_due.due_at == end_of(2026, 10, 8)


def test_enforcement_review_asked_within_10_days_and_decided_within_15():
    es, events = hs.issue_enforcement_notice(
        "EN-1", "Hongze bureau", ["no hearing notice"], date(2026, 4, 30), at(2026, 3, 2, 9), CAL
    )
    assert events[0].event_name == "healthcare_security.enforcement_supervision.notice_issued"
    assert es.review_request_due.due_at == end_of(2026, 3, 12)
    with pytest.raises(hs.ReviewWindowClosed, match="decision stands"):
        hs.request_enforcement_review(es, "late", at(2026, 3, 13), CAL)
    es, _ = hs.request_enforcement_review(es, "the notice was served", at(2026, 3, 10), CAL)
    assert es.review_decision_due.due_at == end_of(2026, 3, 25)
    es, _ = hs.decide_enforcement_review(es, "upheld", "no record of service", at(2026, 3, 20))
    es, events = hs.report_compliance(es, "hearing notice re-served", at(2026, 4, 20))
    assert es.state is hs.EnforcementState.COMPLIED


# --- referrals and clues -----------------------------------------------------------------------------------


def test_a_referral_expects_an_acknowledgement_within_5_working_days():
    ref, events = hs.send_referral(
        "RF-1",
        "health_commission",
        "medical_staff",
        "doctor 123",
        "forged records",
        at(2026, 9, 30, 10),
        CAL,
        related_case_id="C-1",
    )
    assert events[0].event_name == "healthcare_security.referral.sent"
    # Working days after Sep 30: Oct 8, Oct 9, Sat Oct 10 (make-up), Oct 12, Oct 13.
    assert ref.acknowledge_by.due_at == end_of(2026, 10, 13)
    ref, _ = hs.record_referral_outcome(ref, "penalised", "licence revoked", at(2026, 11, 1))
    assert hs.overdue(ref, at(2026, 12, 1)) == []


def test_a_market_regulation_referral_names_its_matter():
    with pytest.raises(hs.InvalidRequest, match="matter"):
        hs.send_referral(
            "RF-2", "market_regulation", "pharmacy", "P-9", "grey-channel drugs", at(2026, 3, 2), CAL
        )
    hs.send_referral(
        "RF-2",
        "market_regulation",
        "pharmacy",
        "P-9",
        "grey-channel drugs",
        at(2026, 3, 2),
        CAL,
        matter="purchase_channel",
    )


def test_a_functionary_clue_goes_to_discipline_inspection_or_the_procuratorate():
    _, events = hs.transfer_clue(
        "CL-1", "county hs_center", "kickbacks", "discipline_inspection", at(2026, 3, 2)
    )
    assert events[0].event_name == "healthcare_security.clue.transferred"
    with pytest.raises(hs.InvalidRequest):
        hs.transfer_clue("CL-2", "county hs_center", "kickbacks", "court", at(2026, 3, 2))


# --- general -----------------------------------------------------------------------------------------------


def test_every_outgoing_event_is_a_frozen_dataclass_named_by_its_producer():
    for event in hs.OUTGOING_EVENTS:
        assert dataclasses.is_dataclass(event) and event.__dataclass_params__.frozen
        assert event.event_name.startswith("healthcare_security."), event
        assert all(f.name != "event_name" for f in dataclasses.fields(event))
        amounts = [f.name for f in dataclasses.fields(event) if "amount" in f.name or "fine" in f.name]
        assert all(name.endswith("_fen") for name in amounts), amounts


def test_every_domain_error_is_a_domain_error():
    for name in hs.__all__:
        value = getattr(hs, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, hs.DomainError), name


def test_naive_clocks_are_refused():
    with pytest.raises(hs.InvalidRequest, match="timezone-aware"):
        hs.open_lead("C-9", datetime(2026, 3, 2, 9))
