"""Common values of finance's rules: schemes, fen, periods and deadlines owed. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

# --- common values ----------------------------------------------------------------------------------


class DomainError(Exception):
    """A finance rule refused the request. The message says what to do instead."""


class InvalidAmount(DomainError): ...


class InvalidPeriod(DomainError): ...


# Fund years finance keeps books for; outside them dates and stored years stop making sense.
FIRST_FUND_YEAR, LAST_FUND_YEAR = 2000, 2100


def fund_year(year: int) -> int:
    if not FIRST_FUND_YEAR <= year <= LAST_FUND_YEAR:
        raise InvalidPeriod(f"year {year} is outside the fund years {FIRST_FUND_YEAR}–{LAST_FUND_YEAR}")
    return year


class Scheme(StrEnum):
    """Fund sub-accounts are kept per scheme (004:18-19)."""

    EMPLOYEE = "employee"  # employee insurance, maternity included
    RESIDENT = "resident"


def _scheme(value: str) -> Scheme:
    try:
        return Scheme(value)
    except ValueError:
        raise DomainError(f"unknown scheme {value!r}; use 'employee' or 'resident'") from None


FEN_LIMIT = 2**63 - 1  # the books keep fen as 64-bit integers


def _fen(value: int, what: str, *, positive: bool = False, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"{what} must be an integer number of fen, got {value!r}")
    if abs(value) > FEN_LIMIT:
        raise InvalidAmount(f"{what} of {value} fen is beyond what the books can hold ({FEN_LIMIT} fen)")
    if positive and value <= 0:
        raise InvalidAmount(f"{what} must be more than 0 fen, got {value} fen")
    if not signed and value < 0:
        raise InvalidAmount(f"{what} must not be negative, got {value} fen")
    return value


def _aware(at: datetime, what: str = "at") -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise DomainError(f"{what} must be a timezone-aware datetime (e.g. tzinfo=SHANGHAI), got {at!r}")
    return at


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_month(month: str) -> tuple[int, int]:
    """``"2027-01"`` → ``(2027, 1)``."""
    found = _MONTH.match(month) if isinstance(month, str) else None
    if not found:
        raise InvalidPeriod(f"month {month!r} must be written YYYY-MM, e.g. '2027-01'")
    return int(found[1]), int(found[2])


def parse_quarter(quarter: str) -> tuple[int, int]:
    """``"2027-Q1"`` → ``(2027, 1)``."""
    found = _QUARTER.match(quarter) if isinstance(quarter, str) else None
    if not found:
        raise InvalidPeriod(f"quarter {quarter!r} must be written YYYY-Qn, e.g. '2027-Q1'")
    return int(found[1]), int(found[2])


def quarter_months(quarter: str) -> tuple[str, str, str]:
    """The three months of a quarter: ``"2027-Q1"`` → ``("2027-01", "2027-02", "2027-03")``."""
    year, q = parse_quarter(quarter)
    first = 3 * (q - 1) + 1
    return tuple(f"{year}-{m:02d}" for m in range(first, first + 3))  # type: ignore[return-value]


def prior_quarter(quarter: str) -> str:
    """The quarter in which the plan for ``quarter`` is applied for: ``"2027-Q1"`` → ``"2026-Q4"``."""
    year, q = parse_quarter(quarter)
    return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"


def previous_month(month: str) -> str:
    year, m = parse_month(month)
    return f"{year - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def _reasons(reasons: Iterable[str] | str) -> tuple[str, ...]:
    items = (reasons,) if isinstance(reasons, str) else tuple(reasons)
    return tuple(r.strip() for r in items if isinstance(r, str) and r.strip())


# --- deadlines owed ----------------------------------------------------------------------------------


# One definition of an owed deadline for every agency, re-exported here for the finance domain.
from shared.deadlines import Obligation, open_deadlines, overdue  # noqa: E402, F401
