"""Tax's rules for the monthly contribution-collection feed (征缴数据, HO-01). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.deadlines import Deadline, day_of_month, next_month

SCHEMES = ("employee", "resident")


class FeedError(Exception):
    """A feed that tax must not publish as it stands."""


@dataclass(frozen=True)
class SchemeTotals:
    scheme: str
    payer_count: int
    insured_person_count: int
    amount_collected_fen: int
    refunds_fen: int
    arrears_fen: int
    late_surcharge_fen: int


def feed_deadline(period: str) -> Deadline:
    """Due by the 5th of the month after the period, inclusive; a fixed date that does
    not roll over rest days (004:31, domain.md §9)."""
    year, month = (int(p) for p in period.split("-"))
    y, m = next_month(year, month)
    return day_of_month(y, m, 5)


def check_feed(period: str, lines: list[SchemeTotals], now: datetime) -> Deadline:
    """Guards before publishing: one line per scheme, a closed period. Returns the deadline."""
    schemes = [line.scheme for line in lines]
    if len(set(schemes)) != len(schemes):
        raise FeedError(f"scheme listed twice in the feed: {schemes}; send one line per scheme")
    year, month = (int(p) for p in period.split("-"))
    if (year, month) >= (now.year, now.month):
        raise FeedError(f"period {period} is not closed yet; a feed covers a past month")
    return feed_deadline(period)


def reconciliation_status(status: str) -> str:
    """Tax's view of the feed after the center's answer (HO-02)."""
    return {"matched": "reconciled", "discrepancies": "discrepancies_reported"}[status]
