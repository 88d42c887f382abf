"""The center's rules for collection feeds (HO-01 in; HO-02, HO-03, HO-04 out). Pure.

A detailed feed arrives as numbered chunks of lines plus a manifest, in any order. The
center stages the chunks, asks again for missing ones, checks the lines against the
manifest (count, per-scheme totals, SHA-256) and only then compares them with its
enrollment registry (参保登记). A feed that fails the check is refused whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from shared.calendar import WorkingCalendar
from shared.deadlines import SHANGHAI, Deadline, calendar_days, day_of_month, next_month, working_days

RECONCILIATION_WORKING_DAYS = 5  # design: domain.md HO-02
FEED_DUE_DAY = 5  # tax hands over last month's collection by the 5th (004:31), inclusive, not rolled
RECONCILIATION_STATUSES = ["matched", "discrepancies", "incomplete", "refused", "overdue"]
FINAL_STATUSES = ("matched", "discrepancies")
MISSING_CHUNKS_PER_ANSWER = 10_000

# Kind of a payer-level difference → whose matter it is. Non-registration is the
# bureau's, non-payment is tax's (001:222-235, boundary table B-HS-1).
DISCREPANCY_KINDS = {
    "unknown_payer": "healthcare_security",
    "scheme_mismatch": "tax",
    "amount_mismatch": "tax",
    "missing_from_feed": "tax",
}
REASONS = {
    "unknown_payer": "paid, but not enrolled in this region: enrollment (登记) is the bureau's matter",
    "scheme_mismatch": "paid under a scheme the payer is not enrolled in",
    "amount_mismatch": "collected less refunds plus arrears differs from the monthly amount due",
    "missing_from_feed": "enrolled, but the feed has no line for the payer and scheme: non-payment is tax's matter",
}


class FeedRefused(Exception):
    """A message or a whole feed that the center will not apply; the text is the reason."""


@dataclass(frozen=True)
class Expected:
    """What the registry says a region should have collected for one scheme in a month."""

    scheme: str
    insured_person_count: int
    amount_due_fen: int


@dataclass(frozen=True)
class Collected:
    scheme: str
    insured_person_count: int
    amount_collected_fen: int
    refunds_fen: int
    arrears_fen: int


@dataclass(frozen=True)
class Discrepancy:
    scheme: str
    kind: str  # amount_mismatch | count_mismatch | scheme_missing_from_feed | scheme_not_registered
    expected_fen: int
    collected_fen: int
    expected_count: int
    collected_count: int


@dataclass(frozen=True)
class Reconciliation:
    status: str  # matched | discrepancies
    registered_insured_count: int
    paid_insured_count: int
    difference_fen: int
    discrepancies: tuple[Discrepancy, ...]


def reconcile(expected: list[Expected], collected: list[Collected], payer_discrepancies: int = 0) -> Reconciliation:
    """Compare per scheme: net collected (collected − refunds) plus arrears must equal
    what is due, and the insured counts must agree. Payer-level differences found in the
    detail lines also make the outcome ``discrepancies``."""
    exp = {e.scheme: e for e in expected}
    got = {c.scheme: c for c in collected}
    found: list[Discrepancy] = []
    for scheme in sorted(set(exp) | set(got)):
        e, c = exp.get(scheme), got.get(scheme)
        if c is None:
            found.append(Discrepancy(scheme, "scheme_missing_from_feed", e.amount_due_fen, 0,
                                     e.insured_person_count, 0))
            continue
        accounted = accounted_fen(c.amount_collected_fen, c.refunds_fen, c.arrears_fen)
        if e is None:
            found.append(Discrepancy(scheme, "scheme_not_registered", 0, accounted, 0, c.insured_person_count))
            continue
        if accounted != e.amount_due_fen:
            found.append(Discrepancy(scheme, "amount_mismatch", e.amount_due_fen, accounted,
                                     e.insured_person_count, c.insured_person_count))
        elif c.insured_person_count != e.insured_person_count:
            found.append(Discrepancy(scheme, "count_mismatch", e.amount_due_fen, accounted,
                                     e.insured_person_count, c.insured_person_count))
    registered = sum(e.insured_person_count for e in expected)
    paid = sum(c.insured_person_count for c in collected)
    difference = sum(accounted_fen(c.amount_collected_fen, c.refunds_fen, c.arrears_fen) for c in collected) - sum(
        e.amount_due_fen for e in expected)
    status = "discrepancies" if found or payer_discrepancies else "matched"
    return Reconciliation(status, registered, paid, difference, tuple(found))


def accounted_fen(collected: int, refunds: int, arrears: int) -> int:
    """What a payer's line accounts for against the amount due: net collection plus arrears."""
    return collected - refunds + arrears


REGISTRATION_REVIEW_DAYS = 15  # the agency reviews within 15 days (003:100-102, SIL art. 57)


def registration_review_deadline(applied_on: date, cal: WorkingCalendar) -> Deadline:
    """HO-04: an enrollment application is reviewed within 15 days of the day it was made."""
    return calendar_days(datetime(applied_on.year, applied_on.month, applied_on.day, tzinfo=SHANGHAI),
                         REGISTRATION_REVIEW_DAYS, cal)


def reply_deadline(received_at: datetime, cal: WorkingCalendar) -> Deadline:
    """The center answers a feed within 5 working days (design)."""
    return working_days(received_at, RECONCILIATION_WORKING_DAYS, cal)


# -- chunks and manifest -----------------------------------------------------------------
@dataclass(frozen=True)
class ChunkHeader:
    seq: int
    line_count: int
    first_line_no: int
    last_line_no: int
    sha256: str


def check_chunk(chunk: ChunkHeader, text: str) -> None:
    """A chunk must carry what its header says (the contract has already checked each line's form)."""
    if hashlib.sha256(text.encode()).hexdigest() != chunk.sha256:
        raise FeedRefused(f"chunk {chunk.seq}: sha256 of its lines is not the one it declares")
    if text.count("\n") != chunk.line_count:
        raise FeedRefused(f"chunk {chunk.seq}: declares {chunk.line_count} lines, carries {text.count(chr(10))}")
    if chunk.first_line_no > chunk.last_line_no:
        raise FeedRefused(f"chunk {chunk.seq}: first line {chunk.first_line_no} after last {chunk.last_line_no}")


@dataclass(frozen=True)
class Manifest:
    line_count: int
    chunk_count: int
    lines_sha256: str
    totals: dict[str, dict]  # scheme → SchemeLine fields


def missing_chunks(chunk_count: int, present: Iterable[int]) -> list[int]:
    """Sequence numbers 1..chunk_count not yet received, in order."""
    have = set(present)
    return [seq for seq in range(1, chunk_count + 1) if seq not in have]


def stray_chunks(chunk_count: int, present: Iterable[int]) -> list[int]:
    """Chunks beyond what the manifest announces: the lines and the manifest disagree."""
    return sorted(seq for seq in present if seq > chunk_count)


TOTAL_FIELDS = ("payer_count", "insured_person_count", "amount_collected_fen", "refunds_fen", "arrears_fen",
                "late_surcharge_fen")


def manifest_problems(manifest: Manifest, line_count: int, totals: dict[str, dict], lines_sha256: str,
                      strays: list[int]) -> list[str]:
    """Why the received lines are not the feed the manifest describes (empty when they are)."""
    problems = []
    if strays:
        problems.append(f"chunks {strays[:10]} lie beyond the manifest's {manifest.chunk_count} chunks")
    if line_count != manifest.line_count:
        problems.append(f"line count: manifest says {manifest.line_count}, {line_count} lines arrived")
    for scheme in sorted(set(manifest.totals) | set(totals)):
        want, got = manifest.totals.get(scheme, {}), totals.get(scheme, {})
        for name in TOTAL_FIELDS:
            if want.get(name, 0) != got.get(name, 0):
                problems.append(f"{scheme} {name}: manifest says {want.get(name, 0)}, lines add up to "
                                f"{got.get(name, 0)}")
    if lines_sha256 != manifest.lines_sha256:
        problems.append(f"sha256 of the lines is {lines_sha256}, manifest says {manifest.lines_sha256}")
    return problems


def reason_for(kind: str) -> str:
    return REASONS[kind]


# -- the monthly deadline ----------------------------------------------------------------
def feed_deadline(period: str) -> Deadline:
    """A month's feed is due by the 5th of the next month, inclusive; a fixed date (004:31)."""
    year, month = (int(p) for p in period.split("-"))
    y, m = next_month(year, month)
    return day_of_month(y, m, FEED_DUE_DAY)


def previous_period(now: datetime) -> str:
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year}-{month:02d}"


def periods_between(first: str, last: str) -> list[str]:
    """Months from ``first`` to ``last`` inclusive, as YYYY-MM."""
    year, month = (int(p) for p in first.split("-"))
    out = []
    while f"{year}-{month:02d}" <= last:
        out.append(f"{year}-{month:02d}")
        year, month = next_month(year, month)
    return out


def due_periods(first_period: str, now: datetime) -> list[str]:
    """Periods of a region's schedule whose feed is due by ``now``'s month (up to last month)."""
    return periods_between(first_period, previous_period(now))


def obligation_status(due_at: datetime, now: datetime, received_at: datetime | None) -> str:
    """``open`` until the 5th ends, ``overdue`` from the 6th at 00:00 while no complete feed is in,
    ``met`` or ``met_late`` once one is."""
    if received_at is not None:
        return "met" if received_at <= due_at else "met_late"
    return "overdue" if now > due_at else "open"


# -- regions and the registry file ---------------------------------------------------------
REGION_PREFIX_DIGITS = {"province": 2, "city": 4, "county": 6}
REGISTRY_COLUMNS = ("payer_kind", "payer_id", "scheme", "region_code", "insured_persons", "monthly_due_fen")


def region_prefix(region_code: str, level: str) -> str:
    """The part of a region code a feed covers: a province feed covers its cities and counties."""
    return region_code[:REGION_PREFIX_DIGITS.get(level, 6)]


class RegistryLineError(ValueError):
    """A registry file line that cannot be loaded; the text names the column and the rule."""


REGISTRY_FIGURE_MAX = 2**31 - 1  # the registry keeps head counts and monthly dues as 32-bit integers


def check_registry_figures(insured_person_count: int, monthly_due_fen: int) -> None:
    for name, value in (("insured_persons", insured_person_count), ("monthly_due_fen", monthly_due_fen)):
        if not 0 <= value <= REGISTRY_FIGURE_MAX:
            raise RegistryLineError(f"{name} {value} must be between 0 and {REGISTRY_FIGURE_MAX}")


def registry_entry(row: list[str]) -> dict:
    """One line of a registry file (``REGISTRY_COLUMNS``) as a registry entry."""
    if len(row) != len(REGISTRY_COLUMNS):
        raise RegistryLineError(f"expected {len(REGISTRY_COLUMNS)} columns ({','.join(REGISTRY_COLUMNS)}), "
                                f"got {len(row)}")
    kind, payer_id, scheme, region, persons, due = (v.strip() for v in row)
    if kind not in ("employer", "person"):
        raise RegistryLineError(f"payer_kind {kind!r} must be employer or person")
    if not 1 <= len(payer_id) <= 32:
        raise RegistryLineError(f"payer_id {payer_id!r} must be 1-32 characters")
    if scheme not in ("employee", "resident"):
        raise RegistryLineError(f"scheme {scheme!r} must be employee or resident")
    if not (len(region) == 6 and region.isdigit()):
        raise RegistryLineError(f"region_code {region!r} must be a 6-digit region code")
    for name, value in (("insured_persons", persons), ("monthly_due_fen", due)):
        if not value.isdigit():
            raise RegistryLineError(f"{name} {value!r} must be a whole number ≥ 0")
    check_registry_figures(int(persons), int(due))
    return {"payer_kind": kind, "payer_id": payer_id, "scheme": scheme, "region_code": region,
            "insured_person_count": int(persons), "monthly_due_fen": int(due)}
