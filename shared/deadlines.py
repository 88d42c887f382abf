"""Statutory time limits (期限), per domain.md §9 "Counting time".

Four kinds:

* ``calendar`` ("N 日内"): start day not counted (Civil Code art. 201); a last day that is a rest day
  rolls to the next working day (art. 203), except limits on the duration of a coercive measure.
* ``working`` (工作日): start day not counted; counts Mon–Fri minus holidays plus 调休 make-up days.
* ``fixed_date`` ("N 日前"): on or before a calendar date, never rolled.
* ``hours``: clock hours from a timestamp (e.g. the 24 h transfer of State Council Decree 310).

Every day-based deadline ends at 23:59:59.999999 Asia/Shanghai of its due day (the day is included).
"""

from __future__ import annotations

import calendar as _stdcal
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from shared.calendar import WorkingCalendar

__all__ = [
    "SHANGHAI",
    "Deadline",
    "DeadlineKind",
    "calendar_days",
    "day_of_month",
    "end_of_month",
    "hours",
    "next_month",
    "working_days",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")


class DeadlineKind(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"
    FIXED_DATE = "fixed_date"
    HOURS = "hours"


def _aware(value: datetime, what: str) -> datetime:
    """Reject naive datetimes and express aware ones in Asia/Shanghai."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a timezone-aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} is a naive datetime ({value.isoformat()}); statutory limits are counted in "
            f"Asia/Shanghai, so pass an aware datetime, e.g. value.replace(tzinfo=SHANGHAI)"
        )
    return value.astimezone(SHANGHAI)


def _count(value: int, what: str) -> int:
    n = operator.index(value)  # rejects floats such as 2.5 days
    if n < 1:
        raise ValueError(f"{what} must be >= 1, got {n}")
    return n


def _end_of_day(d: date) -> datetime:
    return datetime.combine(d, time.max, tzinfo=SHANGHAI)


def _start_of_day(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Deadline:
    """A computed time limit. ``due_at`` is the last instant that still counts as on time."""

    kind: DeadlineKind
    starts_at: datetime
    due_at: datetime
    rule: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DeadlineKind(self.kind))
        object.__setattr__(self, "starts_at", _aware(self.starts_at, "starts_at"))
        object.__setattr__(self, "due_at", _aware(self.due_at, "due_at"))

    @property
    def due_date(self) -> date:
        """The due day in Asia/Shanghai."""
        return self.due_at.date()

    def is_overdue(self, now: datetime) -> bool:
        return _aware(now, "now") > self.due_at

    def remaining(self, now: datetime) -> timedelta:
        """Time left until ``due_at``; negative once overdue."""
        return self.due_at - _aware(now, "now")

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "starts_at": self.starts_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deadline:
        """Inverse of :meth:`as_dict`."""
        return cls(
            kind=DeadlineKind(data["kind"]),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            due_at=datetime.fromisoformat(data["due_at"]),
            rule=data["rule"],
        )


def calendar_days(
    start: datetime, days: int, cal: WorkingCalendar, *, rolls_on_holiday: bool = True
) -> Deadline:
    """Within N days (N 日内): start day excluded; a rest-day last day rolls to the next working day.

    ``rolls_on_holiday=False`` is for limits on how long a measure lasts (e.g. 封存 sealing, 30 days),
    which never roll.
    """
    starts_at = _aware(start, "start")
    n = _count(days, "days")
    start_day = starts_at.date()
    last = start_day + timedelta(days=n)
    head = f"{n} calendar days from {start_day.isoformat()}, start day excluded"
    if not rolls_on_holiday:
        due = last
        rule = (
            f"{head}; last day {last.isoformat()}, not rolled: it bounds how long a measure lasts "
            f"(Civil Code art. 201)"
        )
    elif cal.is_rest_day(last):
        due = cal.next_working_day_on_or_after(last)
        rule = (
            f"{head}; last day {last.isoformat()} is a rest day, rolled to {due.isoformat()} "
            f"(Civil Code arts. 201, 203)"
        )
    else:
        due = last
        rule = f"{head}; last day {last.isoformat()} (Civil Code arts. 201, 203)"
    return Deadline(DeadlineKind.CALENDAR, starts_at, _end_of_day(due), rule)


def working_days(start: datetime, days: int, cal: WorkingCalendar) -> Deadline:
    """N working days (N 个工作日): start day excluded; holidays skipped, 调休 weekends counted."""
    starts_at = _aware(start, "start")
    n = _count(days, "days")
    start_day = starts_at.date()
    due = cal.add_working_days(start_day, n)
    rule = (
        f"{n} working days from {start_day.isoformat()}, start day excluded; last day {due.isoformat()} "
        f"(Mon–Fri minus statutory holidays, plus make-up working days 调休)"
    )
    return Deadline(DeadlineKind.WORKING, starts_at, _end_of_day(due), rule)


def hours(start: datetime, hours: int) -> Deadline:
    """N clock hours from an aware timestamp (e.g. 24 h transfer, Decree 310); rest days do not matter."""
    starts_at = _aware(start, "start")
    n = _count(hours, "hours")
    due_at = starts_at + timedelta(hours=n)
    rule = f"{n} hours from {starts_at.isoformat()}; due {due_at.isoformat()} (clock hours, no roll)"
    return Deadline(DeadlineKind.HOURS, starts_at, due_at, rule)


def _fixed(due: date, starts_at: datetime | None, what: str) -> Deadline:
    # Without an explicit start, the period is taken to open at the start of the due month.
    begins = _start_of_day(due.replace(day=1)) if starts_at is None else _aware(starts_at, "starts_at")
    rule = (
        f"{what}: on or before {due.isoformat()}, ending 23:59:59 Asia/Shanghai; "
        f"fixed date, not rolled over rest days"
    )
    return Deadline(DeadlineKind.FIXED_DATE, begins, _end_of_day(due), rule)


def day_of_month(year: int, month: int, day: int, *, starts_at: datetime | None = None) -> Deadline:
    """Before the Nth (N 日前): on or before day N inclusive; never rolled."""
    return _fixed(date(year, month, day), starts_at, f"day {day} of {year}-{month:02d}")


def end_of_month(year: int, month: int, *, starts_at: datetime | None = None) -> Deadline:
    """By month end (月底前): the last day of that month inclusive; never rolled."""
    last = _stdcal.monthrange(year, month)[1]
    return _fixed(date(year, month, last), starts_at, f"end of {year}-{month:02d}")


def next_month(year: int, month: int) -> tuple[int, int]:
    """(year, month) of the following month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class Obligation:
    """Something a party owes by a deadline; ``met`` once done."""

    what: str
    party: str
    deadline: Deadline
    met: bool = False


def open_deadlines(obligations: Iterable[Obligation]) -> tuple[Obligation, ...]:
    """Obligations not yet met, soonest first."""
    return tuple(sorted((o for o in obligations if not o.met), key=lambda o: (o.deadline.due_at, o.what)))


def overdue(obligations: Iterable[Obligation], now: datetime) -> tuple[Obligation, ...]:
    """Obligations not yet met whose deadline has passed at ``now``."""
    return tuple(o for o in open_deadlines(obligations) if o.deadline.is_overdue(now))
