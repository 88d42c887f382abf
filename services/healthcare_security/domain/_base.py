"""Shared pieces of the 医保局 domain: errors, the timeline entry, small guards. Pure: stdlib only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.deadlines import Deadline

AGENCY = "healthcare_security"
PUBLIC_SECURITY = "public_security"
PROCURATORATE = "procuratorate"


class DomainError(Exception):
    """A rule of the bureau's domain was broken; the message tells the officer what to do instead."""


class IllegalTransition(DomainError):
    """The step is not allowed from the current state."""


class InvalidRequest(DomainError):
    """A request lacks a field the rule needs, or a field has an impossible value."""


class WindowClosed(DomainError):
    """A right or a step had a time limit and the limit has passed."""


@dataclass(frozen=True)
class TimelineEntry:
    """One step in a case's history: when, what, which agency signed it, its time limit, the state after."""

    at: datetime
    step: str
    actor_agency: str
    event_name: str | None
    deadline: Deadline | None
    state: str
    signed_by: str | None = None


def aware(value: datetime, what: str = "now") -> datetime:
    """Reject naive datetimes: every statutory clock here runs in a known zone."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequest(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value


def required_text(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise InvalidRequest(f"{what} is required and may not be blank")
    return str(value).strip()


def check_fen(value: int, what: str, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{what} must be an integer number of fen, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise InvalidRequest(f"{what} must be {'positive' if positive else 'zero or more'}, got {value}")
    return value
