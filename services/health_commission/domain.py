"""卫健委 (health_commission) domain: referrals from the 医保局 (HO-27) and the outcome owed back (HO-29). Pure.

The first report is due within 5 working days of receipt (fundlink design, HO-29): ``pending``
acknowledges receipt; ``penalised``, ``no_violation`` or ``transferred`` closes the referral, once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from shared.calendar import WorkingCalendar
from shared.deadlines import Deadline, working_days

FIRST_REPORT = "referral_first_report"  # 5 working days from receipt (design)
OUTCOMES = ("pending", "penalised", "no_violation", "transferred")


class DomainError(Exception):
    """A rule of the referral was broken; the message says what to do instead."""


class ReferralClosed(DomainError):
    """The referral already has its final outcome."""


@dataclass(frozen=True)
class ReceivedReferral:
    referral_id: str
    subject_id: str
    matter: str
    received_at: datetime
    first_report_due: Deadline
    outcome: str | None = None
    decided_at: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.outcome not in (None, "pending")


def receive_referral(referral_id: str, subject_id: str, matter: str, now: datetime,
                     cal: WorkingCalendar) -> ReceivedReferral:
    due = working_days(now, 5, cal)
    due = dataclasses.replace(due, rule=f"first outcome report within 5 working days (design, HO-29): {due.rule}")
    return ReceivedReferral(referral_id, subject_id, matter, now, due)


def report_outcome(referral: ReceivedReferral, outcome: str, now: datetime) -> ReceivedReferral:
    """Record the report to send back: ``decided_at`` is set when the outcome closes the referral."""
    if outcome not in OUTCOMES:
        raise DomainError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if referral.closed:
        raise ReferralClosed(f"referral {referral.referral_id} was closed as {referral.outcome}; it is reported once")
    return dataclasses.replace(referral, outcome=outcome, decided_at=None if outcome == "pending" else now)
