"""Fund periods (基金期间): months ``YYYY-MM`` and quarters ``YYYY-Qn`` as the money rules read them. Pure.

Finance's and the handling center's rules read periods the same way but refuse a bad one with their own
``InvalidPeriod`` (a subclass of their ``DomainError``, which their HTTP layer maps). So each domain binds
the rules to its exception once: ``FundPeriods(InvalidPeriod)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class FundPeriods:
    """Month and quarter rules raising ``invalid`` (the domain's InvalidPeriod) on a malformed period."""

    def __init__(self, invalid: type[Exception]) -> None:
        self.invalid = invalid

    def parse_month(self, month: str) -> tuple[int, int]:
        """``"2027-01"`` → ``(2027, 1)``."""
        found = MONTH.match(month) if isinstance(month, str) else None
        if not found:
            raise self.invalid(f"month {month!r} must be written YYYY-MM, e.g. '2027-01'")
        return int(found[1]), int(found[2])

    def parse_quarter(self, quarter: str) -> tuple[int, int]:
        """``"2027-Q1"`` → ``(2027, 1)``."""
        found = QUARTER.match(quarter) if isinstance(quarter, str) else None
        if not found:
            raise self.invalid(f"quarter {quarter!r} must be written YYYY-Qn, e.g. '2027-Q1'")
        return int(found[1]), int(found[2])

    def quarter_months(self, quarter: str) -> tuple[str, str, str]:
        """The three months of a quarter: ``"2027-Q1"`` → ``("2027-01", "2027-02", "2027-03")``."""
        year, q = self.parse_quarter(quarter)
        first = 3 * (q - 1) + 1
        return (f"{year}-{first:02d}", f"{year}-{first + 1:02d}", f"{year}-{first + 2:02d}")

    def prior_quarter(self, quarter: str) -> str:
        """The quarter in which the plan for ``quarter`` is applied for: ``"2027-Q1"`` → ``"2026-Q4"``."""
        year, q = self.parse_quarter(quarter)
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"

    def previous_month(self, month: str) -> str:
        """``"2027-01"`` → ``"2026-12"``."""
        year, m = self.parse_month(month)
        return f"{year - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def clean_reasons(reasons: Iterable[str] | str) -> tuple[str, ...]:
    """The non-blank reasons (理由) given for a return or refusal, stripped; one string counts as one reason."""
    items = (reasons,) if isinstance(reasons, str) else tuple(reasons)
    return tuple(r.strip() for r in items if isinstance(r, str) and r.strip())
