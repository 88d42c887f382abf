"""Chinese working-day calendar: 工作日, 法定节假日 (statutory holidays) and 调休 (make-up working days).

A working day is Monday–Friday, minus statutory holidays, plus the weekend days the State Council
declares as make-up working days (调休上班). The table ships as ``shared/data/holidays.yaml``; years
published later are added with a YAML file of the same shape named by ``FUNDLINK_CALENDAR_FILE``.

The calendar fails loudly: a query about a year it does not cover raises :class:`CalendarNotCovered`
instead of guessing plain Monday–Friday, because a wrong statutory deadline is worse than none.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ENV_CALENDAR_FILE",
    "CalendarNotCovered",
    "WorkingCalendar",
    "builtin_calendar",
    "china_calendar",
    "load_calendar",
    "parse_calendar_table",
]

ENV_CALENDAR_FILE = "FUNDLINK_CALENDAR_FILE"
_BUILTIN_PACKAGE = "shared.data"
_BUILTIN_FILE = "holidays.yaml"
_ONE_DAY = timedelta(days=1)


class CalendarNotCovered(LookupError):
    """A date falls in a year whose holiday table (节假日安排) has not been loaded."""

    def __init__(self, year: int, covered: Iterable[int]):
        self.year = year
        self.covered = tuple(sorted(covered))
        covered_text = ", ".join(str(y) for y in self.covered) or "none"
        super().__init__(
            f"no working-day calendar for {year}: the loaded holiday table covers {covered_text}. "
            f"Add the State Council's {year} holiday notice (节假日安排) as a YAML file shaped like "
            f"shared/data/holidays.yaml (holidays as [first, last] ranges and makeup_workdays, keyed by "
            f"year) and set {ENV_CALENDAR_FILE} to its path."
        )


def _plain_date(d: date, what: str = "date") -> date:
    # A datetime's .date() depends on its zone; make the caller pick the Asia/Shanghai date.
    if isinstance(d, datetime):
        raise TypeError(
            f"{what} must be a datetime.date, not a datetime ({d!r}); convert to Asia/Shanghai first"
        )
    if not isinstance(d, date):
        raise TypeError(f"{what} must be a datetime.date, got {type(d).__name__}")
    return d


class WorkingCalendar:
    """Working days (工作日) for a fixed set of covered years.

    ``holidays`` are statutory rest days (法定节假日, including the weekend days inside a break);
    ``makeup_workdays`` are weekend days worked instead (调休上班). Every date must fall in ``years``.
    """

    years: frozenset[int]
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]

    def __init__(self, holidays: Iterable[date], makeup_workdays: Iterable[date], years: Iterable[int]):
        self.years = frozenset(int(y) for y in years)
        self.holidays = frozenset(_plain_date(d, "holiday") for d in holidays)
        self.makeup_workdays = frozenset(_plain_date(d, "make-up working day") for d in makeup_workdays)
        outside = sorted(d for d in self.holidays | self.makeup_workdays if d.year not in self.years)
        if outside:
            raise ValueError(f"dates outside the covered years {sorted(self.years)}: {outside[:5]}")
        both = sorted(self.holidays & self.makeup_workdays)
        if both:
            raise ValueError(f"dates listed both as holiday and as make-up working day: {both[:5]}")
        weekdays = sorted(d for d in self.makeup_workdays if d.weekday() < 5)
        if weekdays:
            # 调休 only ever turns a weekend into a working day; a weekday here is a typo.
            raise ValueError(f"make-up working days must be Saturdays or Sundays: {weekdays[:5]}")

    def __repr__(self) -> str:
        return f"WorkingCalendar(years={sorted(self.years)})"

    def covers(self, year: int) -> bool:
        return year in self.years

    def _check(self, d: date) -> date:
        d = _plain_date(d)
        if d.year not in self.years:
            raise CalendarNotCovered(d.year, self.years)
        return d

    def is_working_day(self, d: date) -> bool:
        """工作日: Mon–Fri minus statutory holidays, plus make-up weekends (调休)."""
        d = self._check(d)
        if d in self.makeup_workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def is_rest_day(self, d: date) -> bool:
        """休息日: a weekend or statutory holiday that is not a make-up working day."""
        return not self.is_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (start day not counted; n >= 1)."""
        d = self._check(start)
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        remaining = n
        while remaining:
            d += _ONE_DAY
            if self.is_working_day(d):
                remaining -= 1
        return d

    def next_working_day_on_or_after(self, d: date) -> date:
        d = self._check(d)
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days in (start, end]; 0 when end <= start."""
        d = self._check(start)
        end = self._check(end)
        count = 0
        while d < end:
            d += _ONE_DAY
            if self.is_working_day(d):
                count += 1
        return count


# --- loading -----------------------------------------------------------------------------------------


def _as_date(value: Any, where: str) -> date:
    # YAML gives date objects for bare 2026-10-01 and str for quoted '2026-10-01'; accept both.
    if isinstance(value, datetime):
        raise ValueError(f"{where}: expected a date, got a timestamp {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)") from None
    raise ValueError(f"{where}: expected a date, got {value!r}")


def _as_year(key: Any, where: str) -> int:
    try:
        return int(str(key).strip())
    except ValueError:
        raise ValueError(f"{where}: year key {key!r} is not a year") from None


def parse_calendar_table(data: Any, origin: str = "<table>") -> WorkingCalendar:
    """Build a calendar from a mapping shaped like ``shared/data/holidays.yaml``.

    A mapping with a top-level ``calendar:`` key (as in boundary-tables.yaml) is unwrapped.
    The covered years are the year keys under ``holidays`` and ``makeup_workdays``.
    """
    if isinstance(data, Mapping) and "holidays" not in data and isinstance(data.get("calendar"), Mapping):
        data = data["calendar"]
    if not isinstance(data, Mapping) or not isinstance(data.get("holidays"), Mapping):
        raise ValueError(f"{origin}: expected a mapping with 'holidays' keyed by year")
    makeup_section = data.get("makeup_workdays") or {}
    if not isinstance(makeup_section, Mapping):
        raise ValueError(f"{origin}: 'makeup_workdays' must be keyed by year")

    years: set[int] = set()
    holidays: set[date] = set()
    makeup: set[date] = set()
    for key, ranges in data["holidays"].items():
        year = _as_year(key, f"{origin}: holidays")
        years.add(year)
        for i, item in enumerate(ranges or []):
            where = f"{origin}: holidays[{year}][{i}]"
            if isinstance(item, list | tuple):
                if len(item) != 2:
                    raise ValueError(f"{where}: expected [first, last], got {item!r}")
                first, last = _as_date(item[0], where), _as_date(item[1], where)
            else:
                first = last = _as_date(item, where)
            if first > last:
                raise ValueError(f"{where}: first {first} is after last {last}")
            if first.year != year or last.year != year:
                raise ValueError(f"{where}: range {first}..{last} is not inside {year}")
            d = first
            while d <= last:
                holidays.add(d)
                d += _ONE_DAY
    for key, days in makeup_section.items():
        year = _as_year(key, f"{origin}: makeup_workdays")
        years.add(year)
        for i, item in enumerate(days or []):
            where = f"{origin}: makeup_workdays[{year}][{i}]"
            d = _as_date(item, where)
            if d.year != year:
                raise ValueError(f"{where}: {d} is not in {year}")
            makeup.add(d)
    try:
        return WorkingCalendar(holidays, makeup, years)
    except ValueError as exc:
        raise ValueError(f"{origin}: {exc}") from None


def _merge(base: WorkingCalendar, extra: WorkingCalendar) -> WorkingCalendar:
    # A year in the extra file replaces that whole year, so a corrected notice wins over the built-in table.
    def keep(days: frozenset[date]) -> set[date]:
        return {d for d in days if d.year not in extra.years}

    return WorkingCalendar(
        keep(base.holidays) | extra.holidays,
        keep(base.makeup_workdays) | extra.makeup_workdays,
        base.years | extra.years,
    )


@functools.cache
def builtin_calendar() -> WorkingCalendar:
    """The packaged table only (ignores FUNDLINK_CALENDAR_FILE)."""
    text = resources.files(_BUILTIN_PACKAGE).joinpath(_BUILTIN_FILE).read_text(encoding="utf-8")
    return parse_calendar_table(yaml.safe_load(text), f"{_BUILTIN_PACKAGE}/{_BUILTIN_FILE}")


def load_calendar(extra_file: str | os.PathLike | None = None) -> WorkingCalendar:
    """Built-in table plus an optional YAML file of the same shape for years published later.

    ``extra_file`` defaults to the ``FUNDLINK_CALENDAR_FILE`` environment variable. A named file that
    does not exist is an error (FileNotFoundError), not a silent fallback.
    """
    if extra_file is None:
        extra_file = os.environ.get(ENV_CALENDAR_FILE) or None
    base = builtin_calendar()
    if extra_file is None:
        return base
    path = Path(extra_file)
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return _merge(base, parse_calendar_table(data, str(path)))


@functools.cache
def china_calendar() -> WorkingCalendar:
    """Process-wide calendar: ``load_calendar()`` read once; ``china_calendar.cache_clear()`` reloads."""
    return load_calendar()
