"""Common values of finance's rules: schemes, fen, periods and deadlines owed. Pure."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shared.fund_periods import FundPeriods, clean_reasons

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


# One reading of months and quarters for finance and the handling center, refusing with finance's error.
_PERIODS = FundPeriods(InvalidPeriod)
parse_month, parse_quarter, previous_month = _PERIODS.parse_month, _PERIODS.parse_quarter, _PERIODS.previous_month
quarter_months, prior_quarter = _PERIODS.quarter_months, _PERIODS.prior_quarter
_reasons = clean_reasons


# --- deadlines owed ----------------------------------------------------------------------------------


# One definition of an owed deadline for every agency, re-exported here for the finance domain.
from shared.deadlines import Obligation, open_deadlines, overdue  # noqa: E402, F401
