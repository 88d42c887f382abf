"""Rules of the 公安 domain: receipt, filing decision, reconsideration, evidence (Decree 310)."""

import dataclasses
from datetime import datetime, timedelta

import pytest

from services.public_security import domain as ps
from services.public_security.domain import PoliceCaseState as P
from shared.calendar import china_calendar
from shared.deadlines import SHANGHAI, DeadlineKind

CAL = china_calendar()
UNIT = "Huai'an PSB economic crimes unit"


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def transfer(**changes):
    values = dict(
        case_id="C-1",
        suspect_kind="unit",
        suspect_id="91320800MA1XXXXX0X",
        facts_summary="ghost admissions billed to the pool fund",
        amount_defrauded_fen=1_250_000,
        legal_basis=("Criminal Law art. 266",),
        approved_by="director Sun",
        approved_at=at(2026, 9, 29, 17),
        attachment_kinds=("transfer_letter", "investigation_report"),
    )
    values.update(changes)
    return ps.IncomingTransfer(**values)


def received(now=at(2026, 9, 30, 10)):
    case, _ = ps.receive_transfer(transfer(), UNIT, now, CAL)
    return case


def not_filed(now=at(2026, 10, 8, 9)):
    case, _ = ps.decide_filing(received(), "not_filed", now, reasons="amount unproven", files_returned=True)
    return case


def test_police_decision_due_after_national_day_2026():
    # Received Wed 2026-09-30, the last working day before National Day (Oct 1–7 off, Oct 10 make-up
    # Saturday): three days end on Sat Oct 3, a rest day, so the decision is due Thu 2026-10-08.
    case, events = ps.receive_transfer(transfer(), UNIT, at(2026, 9, 30, 10), CAL)
    assert case.filing_due.kind is DeadlineKind.CALENDAR
    assert case.filing_due.due_at == end_of(2026, 10, 8)
    assert events == [ps.ReceiptSigned("C-1", at(2026, 9, 30, 10), UNIT, None)]
    assert events[0].event_name == "public_security.case.receipt_signed"


def test_a_redelivered_transfer_signs_no_second_receipt():
    case = received()
    again, events = ps.receive_transfer(transfer(), UNIT, at(2026, 9, 30, 11), CAL, existing=case)
    assert again is case and events == []


def test_a_different_transfer_under_the_same_case_id_is_a_conflict():
    with pytest.raises(ps.ConflictingTransfer, match="C-1"):
        ps.receive_transfer(
            transfer(amount_defrauded_fen=1), UNIT, at(2026, 9, 30, 11), CAL, existing=received()
        )


def test_a_transfer_without_the_investigation_report_gets_no_receipt():
    with pytest.raises(ps.IncompleteTransfer, match="investigation_report"):
        ps.receive_transfer(transfer(attachment_kinds=("transfer_letter",)), UNIT, at(2026, 9, 30), CAL)


def test_the_filing_decision_is_overdue_only_after_due_at():
    case = received(at(2026, 9, 30, 10))
    assert ps.overdue(case, end_of(2026, 10, 8)) == []
    late = end_of(2026, 10, 8) + timedelta(microseconds=1)
    assert [name for name, _ in ps.overdue(case, late)] == [ps.FILING_DECISION]


def test_filed_publishes_the_decision():
    case, events = ps.decide_filing(received(), "filed", at(2026, 10, 8, 9))
    assert case.state is P.FILED
    assert events == [ps.FilingDecided("C-1", "filed", None, at(2026, 10, 8, 9), None, False)]
    assert ps.open_deadlines(case, at(2026, 10, 8, 9)) == []
    with pytest.raises(ps.IllegalTransition, match="filed"):
        ps.decide_filing(case, "filed", at(2026, 10, 8, 10))


def test_not_filed_needs_reasons_and_the_files_returned():
    with pytest.raises(ps.InvalidRequest, match="reasons"):
        ps.decide_filing(received(), "not_filed", at(2026, 10, 8), files_returned=True)
    with pytest.raises(ps.InvalidRequest, match="return the case files"):
        ps.decide_filing(received(), "not_filed", at(2026, 10, 8), reasons="amount unproven")
    case, events = ps.decide_filing(
        received(), "not_filed", at(2026, 10, 8), reasons="amount unproven", files_returned=True
    )
    assert case.state is P.NOT_FILED
    assert (events[0].reasons, events[0].files_returned) == ("amount unproven", True)


def test_a_case_outside_jurisdiction_is_forwarded_within_24_hours():
    with pytest.raises(ps.InvalidRequest, match="forwarded_to"):
        ps.decide_filing(received(at(2026, 9, 30, 10)), "forwarded", at(2026, 9, 30, 12))
    case, events = ps.decide_filing(
        received(at(2026, 9, 30, 10)), "forwarded", at(2026, 10, 1, 10), forwarded_to="Nanjing PSB"
    )
    assert case.state is P.FORWARDED and events[0].forwarded_to == "Nanjing PSB"
    with pytest.raises(ps.ForwardingWindowClosed, match="24 hours"):
        ps.decide_filing(
            received(at(2026, 9, 30, 10)), "forwarded", at(2026, 10, 1, 10, 0, 1), forwarded_to="Nanjing PSB"
        )


def test_an_unknown_decision_is_refused():
    with pytest.raises(ps.InvalidRequest, match="filed, not_filed, forwarded"):
        ps.decide_filing(received(), "maybe", at(2026, 10, 8))


def test_reconsideration_is_decided_within_3_days_of_the_request():
    case, _ = ps.receive_reconsideration_request(not_filed(), "amount is proven", at(2026, 10, 9, 9), CAL)
    assert case.state is P.RECONSIDERATION_REQUESTED
    assert case.reconsideration_due.due_at == end_of(2026, 10, 12)  # Oct 12 is a Monday
    assert [n for n, _ in ps.overdue(case, at(2026, 10, 13))] == [ps.RECONSIDERATION_DECISION]
    upheld, events = ps.decide_reconsideration(case, "not_filed", "no new facts", at(2026, 10, 12, 10))
    assert upheld.state is P.RECONSIDERATION_DECIDED
    assert events[0].event_name == "public_security.case.reconsideration_decided"
    reversed_, _ = ps.decide_reconsideration(case, "filed", "ledger shows 12,500 yuan", at(2026, 10, 12, 10))
    assert reversed_.state is P.FILED


def test_reconsideration_is_only_for_a_not_filed_case():
    with pytest.raises(ps.IllegalTransition):
        ps.receive_reconsideration_request(received(), "why", at(2026, 10, 9), CAL)


def test_evidence_is_received_only_for_a_filed_case_and_may_come_in_batches():
    with pytest.raises(ps.IllegalTransition):
        ps.receive_evidence(not_filed(), ["ledgers"], at(2026, 10, 9))
    case, _ = ps.decide_filing(received(), "filed", at(2026, 10, 8, 9))
    case, events = ps.receive_evidence(case, ["ledgers 2025"], at(2026, 10, 9))
    case, _ = ps.receive_evidence(case, ["interview records"], at(2026, 10, 10))
    assert case.evidence_items == ("ledgers 2025", "interview records")
    assert events[0].event_name == "public_security.case.evidence_received"


def test_every_outgoing_event_is_a_frozen_dataclass_named_by_its_producer():
    for event in ps.OUTGOING_EVENTS:
        assert dataclasses.is_dataclass(event) and event.__dataclass_params__.frozen
        assert event.event_name.startswith("public_security.case."), event


def test_naive_clocks_are_refused():
    with pytest.raises(ps.InvalidRequest, match="timezone-aware"):
        ps.receive_transfer(transfer(), UNIT, datetime(2026, 9, 30, 10), CAL)


def test_a_late_receipt_review_is_overdue_after_the_rolled_day_not_before():
    """Received Wed 2026-09-30, the last working day before National Day: due Thu Oct 8, overdue Oct 9."""
    case, _ = ps.receive_transfer(transfer(), UNIT, at(2026, 9, 30, 10), CAL)
    assert ps.overdue(case, at(2026, 10, 8, 23, 59, 59)) == []
    assert [n for n, _ in ps.overdue(case, at(2026, 10, 9, 0, 0))] == [ps.FILING_DECISION]
