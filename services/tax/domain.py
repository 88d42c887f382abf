"""Tax's rules for the monthly contribution-collection feed (征缴数据, HO-01) and the
answers it gets and gives (HO-02, HO-03, HO-04, HO-05, HO-35). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.deadlines import Deadline, day_of_month, next_month

SCHEMES = ("employee", "resident")
# Earlier periods are not collection months fundlink carries; their deadlines would fall off the calendar.
FIRST_PERIOD_YEAR = 2000


class FeedError(Exception):
    """A feed that tax must not publish as it stands."""


class CorrectionError(Exception):
    """A correction that does not answer the discrepancy report it names."""


@dataclass(frozen=True)
class SchemeTotals:
    scheme: str
    payer_count: int
    insured_person_count: int
    amount_collected_fen: int
    refunds_fen: int
    arrears_fen: int
    late_surcharge_fen: int


def treasury_report_deadline(period: str) -> Deadline:
    """HO-05: the treasury's monthly revenue report (一般预算收入月报表) is due by the 5th of the
    following month (004:31, 60); a fixed date."""
    year, month = next_month(*(int(p) for p in period.split("-")))
    return day_of_month(year, month, 5)


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
    if year < FIRST_PERIOD_YEAR:
        raise FeedError(f"period {period} is before {FIRST_PERIOD_YEAR}; send a collection month fundlink carries")
    if (year, month) >= (now.year, now.month):
        raise FeedError(f"period {period} is not closed yet; a feed covers a past month")
    return feed_deadline(period)


FEED_STATUS_AFTER_ANSWER = {
    "matched": "reconciled",
    "discrepancies": "discrepancies_reported",
    "incomplete": "incomplete",  # the center misses chunks; the push client sends them again
    "refused": "refused",        # lines and manifest disagree; nothing was applied
}


def answers_a_pushed_feed(answer: dict) -> bool:
    """Detailed feeds go from tax's own systems straight to the center (fundlink tax push), so
    tax's service first hears of them in the answer; summaries it always published itself."""
    return "line_count" in answer or answer["status"] in ("incomplete", "refused")


def reconciliation_status(status: str) -> str:
    """Tax's view of the feed after the center's answer (HO-02)."""
    return FEED_STATUS_AFTER_ANSWER[status]


@dataclass(frozen=True)
class Referral:
    """HO-35: an employer the center found paying without enrollment goes to the bureau."""

    referral_id: str
    employer_id: str
    kind: str
    facts: str
    amount_fen: int


def referrals(discrepancy_id: str, feed_id: str, items: list[dict]) -> list[Referral]:
    """Items that are the bureau's matter under 001's boundary table (non-registration).
    Persons who pay without enrollment stay with the center's report: HO-35 covers employers."""
    return [
        Referral(f"REF-{discrepancy_id}-{item['item_id']}", item["payer_id"], "not_registered",
                 f"feed {feed_id}: {item['payer_id']} paid {item['collected_fen']} fen for the {item['scheme']} "
                 f"scheme but the center has no enrollment for it in the region ({item['reason']})",
                 item["collected_fen"])
        for item in items
        if item["responsible"] == "healthcare_security" and item.get("payer_kind", "employer") == "employer"
    ]


def check_correction(item_ids: set[str], resolutions: list[dict], restated_lines: list | None) -> None:
    """Every resolution answers an item of the report; a changed figure comes with restated lines."""
    unknown = sorted({r["item_id"] for r in resolutions} - item_ids)
    if unknown:
        raise CorrectionError(f"items {unknown[:10]} are not in the discrepancy report")
    if any(r["resolution"] == "corrected" for r in resolutions) and not restated_lines:
        raise CorrectionError("a 'corrected' resolution changes tax's figures: restate the feed's lines per scheme")


def enrollment_answer(change_type: str, known: bool) -> tuple[str, str | None]:
    """Tax collects where the insurance relationship is registered (000:186); it cannot end
    collection on a registration it never had."""
    if change_type in ("change", "terminate") and not known:
        return "rejected", f"no enrollment on record to {change_type}; send the original registration first"
    return "accepted", None


def treasury_differences(report_lines: list[dict], feed_lines: list[dict]) -> list[dict]:
    """Treasury receipts (HO-05) beside tax's net collection per scheme for the same month."""
    received = {line["scheme"]: line["amount_fen"] for line in report_lines}
    collected = {line["scheme"]: line["amount_collected_fen"] - line["refunds_fen"] for line in feed_lines}
    return [{"scheme": s, "treasury_fen": received.get(s, 0), "collected_fen": collected.get(s, 0),
             "difference_fen": received.get(s, 0) - collected.get(s, 0)}
            for s in sorted(set(received) | set(collected))]
