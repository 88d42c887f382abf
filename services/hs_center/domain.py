"""The center's rules for reconciling a collection feed with the registry (HO-02/03). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.calendar import WorkingCalendar
from shared.deadlines import Deadline, working_days

RECONCILIATION_WORKING_DAYS = 5  # design: domain.md HO-02


@dataclass(frozen=True)
class Expected:
    """What the registry says a region should have collected for one scheme in a month."""

    scheme: str
    insured_person_count: int
    amount_due_fen: int


@dataclass(frozen=True)
class Collected:
    scheme: str
    insured_person_count: int
    amount_collected_fen: int
    refunds_fen: int
    arrears_fen: int


@dataclass(frozen=True)
class Discrepancy:
    scheme: str
    kind: str  # amount_mismatch | count_mismatch | scheme_missing_from_feed | scheme_not_registered
    expected_fen: int
    collected_fen: int
    expected_count: int
    collected_count: int


@dataclass(frozen=True)
class Reconciliation:
    status: str  # matched | discrepancies
    registered_insured_count: int
    paid_insured_count: int
    difference_fen: int
    discrepancies: tuple[Discrepancy, ...]


def reconcile(expected: list[Expected], collected: list[Collected]) -> Reconciliation:
    """Compare per scheme: net collected (collected − refunds) plus arrears must equal
    what is due, and the insured counts must agree."""
    exp = {e.scheme: e for e in expected}
    got = {c.scheme: c for c in collected}
    found: list[Discrepancy] = []
    for scheme in sorted(set(exp) | set(got)):
        e, c = exp.get(scheme), got.get(scheme)
        if c is None:
            found.append(Discrepancy(scheme, "scheme_missing_from_feed", e.amount_due_fen, 0,
                                     e.insured_person_count, 0))
            continue
        accounted = c.amount_collected_fen - c.refunds_fen + c.arrears_fen
        if e is None:
            found.append(Discrepancy(scheme, "scheme_not_registered", 0, accounted, 0, c.insured_person_count))
            continue
        if accounted != e.amount_due_fen:
            found.append(Discrepancy(scheme, "amount_mismatch", e.amount_due_fen, accounted,
                                     e.insured_person_count, c.insured_person_count))
        elif c.insured_person_count != e.insured_person_count:
            found.append(Discrepancy(scheme, "count_mismatch", e.amount_due_fen, accounted,
                                     e.insured_person_count, c.insured_person_count))
    registered = sum(e.insured_person_count for e in expected)
    paid = sum(c.insured_person_count for c in collected)
    difference = sum(c.amount_collected_fen - c.refunds_fen + c.arrears_fen for c in collected) - sum(
        e.amount_due_fen for e in expected)
    return Reconciliation("discrepancies" if found else "matched", registered, paid, difference, tuple(found))


def reply_deadline(received_at: datetime, cal: WorkingCalendar) -> Deadline:
    """The center answers a feed within 5 working days (design)."""
    return working_days(received_at, RECONCILIATION_WORKING_DAYS, cal)
