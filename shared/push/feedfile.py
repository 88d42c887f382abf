"""The collection feed's detail lines: CSV in, canonical wire text out. Pure.

One line per payer and scheme. On the wire a chunk carries its lines as canonical CSV
text (``WIRE_FIELDS``, integers without leading zeros, ``\\n`` endings); the published
contract checks every line with ``WIRE_LINES_PATTERN``, and the center copies the text
into PostgreSQL as it is. The manifest's ``lines_sha256`` is the SHA-256 of all wire
lines of the feed in order, so it does not depend on how the lines were chunked.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

# Columns of a feed file, in this order, with a header row.
CSV_COLUMNS = ("payer_kind", "payer_id", "scheme", "period", "insured_persons",
               "collected_fen", "refunded_fen", "arrears_fen", "late_surcharge_fen")
# The wire line: the file's line number first, then the columns.
WIRE_FIELDS = ("line_no", *CSV_COLUMNS)
AMOUNT_COLUMNS = ("collected_fen", "refunded_fen", "arrears_fen", "late_surcharge_fen")
PAYER_KINDS = ("employer", "person")
SCHEMES = ("employee", "resident")

_INT = r"(?:0|[1-9][0-9]{0,14})"
WIRE_LINE = (r"[1-9][0-9]{0,9},(?:employer|person),[0-9A-Z]{18},(?:employee|resident),"
             r"[0-9]{4}-(?:0[1-9]|1[0-2]),(?:0|[1-9][0-9]{0,8})" + rf"(?:,{_INT}){{4}}\n")
WIRE_LINES_PATTERN = rf"^(?:{WIRE_LINE})+$"
# Unified social credit code (统一社会信用代码) or resident id number (身份证号).
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_PERSON_ID = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_PERIOD = re.compile(r"^[0-9]{4}-(?:0[1-9]|1[0-2])$")
_AMOUNT = re.compile(r"^(?:0|[1-9][0-9]{0,14})$")
_COUNT = re.compile(r"^(?:0|[1-9][0-9]{0,8})$")


class BadLine(ValueError):
    """A line that cannot go into the feed; ``reason`` says why, for the sender's report."""


@dataclass(frozen=True, slots=True)
class FeedLine:
    line_no: int
    payer_kind: str
    payer_id: str
    scheme: str
    period: str
    insured_persons: int
    collected_fen: int
    refunded_fen: int
    arrears_fen: int
    late_surcharge_fen: int

    def wire(self) -> str:
        return (f"{self.line_no},{self.payer_kind},{self.payer_id},{self.scheme},{self.period},"
                f"{self.insured_persons},{self.collected_fen},{self.refunded_fen},{self.arrears_fen},"
                f"{self.late_surcharge_fen}\n")


def parse_row(row: list[str], line_no: int, period: str | None = None) -> FeedLine:
    """Check one CSV row; raise BadLine naming the column and the rule."""
    if len(row) != len(CSV_COLUMNS):
        raise BadLine(f"expected {len(CSV_COLUMNS)} columns ({','.join(CSV_COLUMNS)}), got {len(row)}")
    kind, payer_id, scheme, line_period, persons, *amounts = (value.strip() for value in row)
    if kind not in PAYER_KINDS:
        raise BadLine(f"payer_kind {kind!r} must be employer or person")
    pattern = _CREDIT_CODE if kind == "employer" else _PERSON_ID
    if not pattern.match(payer_id):
        what = "an 18-character unified social credit code" if kind == "employer" else "an 18-character id number"
        raise BadLine(f"payer_id {payer_id!r} is not {what}")
    if scheme not in SCHEMES:
        raise BadLine(f"scheme {scheme!r} must be employee or resident")
    if not _PERIOD.match(line_period):
        raise BadLine(f"period {line_period!r} must be a month as YYYY-MM")
    if period is not None and line_period != period:
        raise BadLine(f"period {line_period} differs from the feed's period {period}")
    if not _COUNT.match(persons):
        raise BadLine(f"insured_persons {persons!r} must be a whole number ≥ 0")
    for name, value in zip(AMOUNT_COLUMNS, amounts, strict=True):
        if not _AMOUNT.match(value):
            raise BadLine(f"{name} {value!r} must be whole fen ≥ 0 (no decimals, no sign)")
    return FeedLine(line_no, kind, payer_id, scheme, line_period, int(persons), *(int(a) for a in amounts))


@dataclass
class SchemeTotals:
    """Running per-scheme totals, in the shape of the feed's ``lines`` (employee incl. maternity)."""

    payer_count: int = 0
    insured_person_count: int = 0
    amount_collected_fen: int = 0
    refunds_fen: int = 0
    arrears_fen: int = 0
    late_surcharge_fen: int = 0


def totals_payload(totals: dict[str, SchemeTotals]) -> list[dict]:
    return [{"scheme": scheme, **vars(t)} for scheme, t in sorted(totals.items())]


@dataclass
class Chunk:
    seq: int
    text: str
    line_count: int
    first_line_no: int
    last_line_no: int
    totals: dict[str, SchemeTotals]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass
class FeedScan:
    """What one pass over the file found; complete once the generator is exhausted."""

    period: str | None = None
    line_count: int = 0
    chunk_count: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    bad_count: int = 0
    totals: dict[str, SchemeTotals] = field(default_factory=dict)
    digest: object = field(default_factory=hashlib.sha256)

    @property
    def lines_sha256(self) -> str:
        return self.digest.hexdigest()


# A line already in canonical form: checked in one match, sent as it is.
_FAST_LINE = re.compile(
    r"(?:employer,[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}|person,[1-9][0-9]{16}[0-9X]),"
    r"(employee|resident),([0-9]{4}-(?:0[1-9]|1[0-2])),(0|[1-9][0-9]{0,8}),"
    r"(0|[1-9][0-9]{0,14}),(0|[1-9][0-9]{0,14}),(0|[1-9][0-9]{0,14}),(0|[1-9][0-9]{0,14})")


# A block of lines all in canonical form, read in one pass: one match per line, each ending in \n.
_FAST_ROWS = re.compile(
    r"^(?:employer,[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}|person,[1-9][0-9]{16}[0-9X]),"
    r"(employee|resident),([0-9]{4}-(?:0[1-9]|1[0-2])),(0|[1-9][0-9]{0,8}),"
    r"(0|[1-9][0-9]{0,14}),(0|[1-9][0-9]{0,14}),(0|[1-9][0-9]{0,14}),(0|[1-9][0-9]{0,14})\n", re.M)


def _add(totals: dict[str, SchemeTotals], scheme: str, payers: int, persons: int, collected: int, refunded: int,
         arrears: int, surcharge: int) -> None:
    t = totals.get(scheme) or totals.setdefault(scheme, SchemeTotals())
    t.payer_count += payers
    t.insured_person_count += persons
    t.amount_collected_fen += collected
    t.refunds_fen += refunded
    t.arrears_fen += arrears
    t.late_surcharge_fen += surcharge


def _fast_block(raw: list[str], first_line_no: int, period: str | None):
    """Wire text and per-scheme sums of a block of raw lines if every one is canonical and of ``period``
    (or, if None, of one month); else None and the block is read line by line."""
    text = "".join(raw)
    rows = _FAST_ROWS.findall(text)
    if len(rows) != len(raw):  # a line that is not canonical, a blank line, \r\n, no final \n
        return None
    periods = {r[1] for r in rows}
    if len(periods) != 1 or (period is not None and period not in periods):
        return None
    sums = {}
    for scheme in SCHEMES:
        picked = [r for r in rows if r[0] == scheme]
        if picked:
            columns = list(zip(*picked, strict=True))[2:]
            sums[scheme] = (len(picked), *(sum(map(int, column)) for column in columns))
    wire = "".join(map("{},{}".format, range(first_line_no, first_line_no + len(raw)), raw))
    return wire, periods.pop(), sums


def read_chunks(path: Path, chunk_size: int, scan: FeedScan, *, period: str | None = None,
                keep_bad: int = 10_000, on_bad=None) -> Iterator[Chunk]:
    """Stream the file as chunks of ``chunk_size`` good lines, in constant memory.

    Bad lines are skipped and reported (``on_bad(line_no, reason, row)``, and the first
    ``keep_bad`` in ``scan.bad``); they never stop the good ones. The feed's period is
    ``period`` or, if not given, the first good line's. Lines are read in blocks: a block
    whose lines are all in canonical form is checked in one regular-expression pass and
    sent as it is; any other block (quotes, spaces, leading zeros, bad lines) is read line
    by line, and its odd lines parsed as CSV.
    """
    scan.period = period
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = fh.readline().rstrip("\r\n")
        if tuple(h.strip() for h in next(csv.reader([header]), [])) != CSV_COLUMNS:
            raise BadLine(f"{path}: line 1 must be the header {','.join(CSV_COLUMNS)}, got {header!r}")
        parts: list[str] = []
        count = 0  # good lines in ``parts``
        totals: dict[str, SchemeTotals] = {}
        first = line_no = 1  # line_no: the last line read
        while raw := list(islice(fh, chunk_size - count)):
            fast = _fast_block(raw, line_no + 1, scan.period)
            if fast is not None:
                wire, scan.period, sums = fast
                if not count:
                    first = line_no + 1
                parts.append(wire)
                count += len(raw)
                line_no += len(raw)
                scan.digest.update(wire.encode())
                scan.line_count += len(raw)
                for scheme, figures in sums.items():
                    _add(scan.totals, scheme, *figures)
                    _add(totals, scheme, *figures)
            else:
                for raw_line in raw:
                    line_no += 1
                    text, scheme, figures = _line(raw_line.rstrip("\r\n"), line_no, scan, keep_bad, on_bad)
                    if text is None:
                        continue
                    scan.digest.update(text.encode())
                    scan.line_count += 1
                    _add(scan.totals, scheme, 1, *figures)
                    _add(totals, scheme, 1, *figures)
                    if not count:
                        first = line_no
                    parts.append(text)
                    count += 1
            if count == chunk_size:
                scan.chunk_count += 1
                yield Chunk(scan.chunk_count, "".join(parts), count, first, line_no, totals)
                parts, count, totals = [], 0, {}
        if parts:
            scan.chunk_count += 1
            yield Chunk(scan.chunk_count, "".join(parts), count, first, line_no, totals)


def _line(raw: str, line_no: int, scan: FeedScan, keep_bad: int, on_bad):
    """One line read on its own: (wire text, scheme, figures), or (None, None, None) if blank or bad."""
    if not raw:
        return None, None, None
    m = _FAST_LINE.fullmatch(raw)
    if m is not None and (scan.period or m[2]) == m[2]:
        scan.period = scan.period or m[2]
        return f"{line_no},{raw}\n", m[1], tuple(int(v) for v in m.group(3, 4, 5, 6, 7))
    row = next(csv.reader([raw]), [])
    try:
        line = parse_row(row, line_no, scan.period)
    except BadLine as exc:
        scan.bad_count += 1
        if len(scan.bad) < keep_bad:
            scan.bad.append((line_no, str(exc)))
        if on_bad:
            on_bad(line_no, str(exc), row)
        return None, None, None
    scan.period = scan.period or line.period
    return line.wire(), line.scheme, (line.insured_persons, line.collected_fen, line.refunded_fen,
                                      line.arrears_fen, line.late_surcharge_fen)


def count_lines(path: Path) -> int:
    """Data lines in the file (for a progress bar), read in blocks."""
    n = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
    return max(n - 1, 0)
