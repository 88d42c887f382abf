"""Open and overdue time limits of any bureau value that keeps ``deadlines`` (case, report, reward,
supervision report, enforcement notice, referral)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.deadlines import Deadline

from ._base import aware
from .events import DeadlineMissed


class HasDeadlines(Protocol):
    @property
    def ref_id(self) -> str: ...

    @property
    def state(self) -> object: ...

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]: ...


def open_deadlines(subject: HasDeadlines, now: datetime) -> list[tuple[str, Deadline]]:
    """Unmet time limits that have started by ``now``, soonest first."""
    now = aware(now)
    return sorted(((n, d) for n, d in subject.deadlines if d.starts_at <= now), key=lambda nd: nd[1].due_at)


def overdue(subject: HasDeadlines, now: datetime) -> list[tuple[str, Deadline]]:
    """Unmet limits whose ``due_at`` lies before ``now`` (a limit is still on time at its ``due_at``)."""
    return [(n, d) for n, d in open_deadlines(subject, now) if d.is_overdue(now)]


def overdue_notices(subject: HasDeadlines, now: datetime) -> list[DeadlineMissed]:
    """One internal notice per overdue limit: the officer's alert."""
    state = getattr(subject.state, "value", str(subject.state))
    return [DeadlineMissed(subject.ref_id, n, d.due_at, aware(now), state) for n, d in overdue(subject, now)]


def deadline_names() -> tuple[str, ...]:
    """Every named time limit the bureau tracks: the ``kind`` label of the deadline gauges."""
    from . import case, referrals, reports, supervision

    return (
        case.HEAD_APPROVAL, case.TRANSFER, case.POLICE_RECEIPT, case.FILING_DECISION,
        case.RECONSIDERATION_REQUEST, case.RECONSIDERATION_DECISION, case.SUPERVISION_REQUEST,
        case.EVIDENCE_HANDOVER, case.PENALTY_DECISION, case.HEARING_REQUEST, case.DECISION_SERVICE,
        case.FINE_PAYMENT, reports.HANDLING, reports.COLLECTION, referrals.ACKNOWLEDGEMENT,
        supervision.OPINION, supervision.REVIEW_REQUEST, supervision.REVIEW_DECISION,
    )


# Overdue limits that have their own notice (HO-24 on_late); every other one is a DeadlineMissed.
OVERDUE_NOTICE_NAMES = {
    "police_filing_decision": "healthcare_security.case.police_decision_overdue",
    "police_reconsideration_decision": "healthcare_security.case.reconsideration_overdue",
}
