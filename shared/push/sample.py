"""Synthetic collection feeds and registries with a known set of planted discrepancies.

Deterministic for a seed; written line by line, so a million lines need no more memory
than ten. Payers: employers (unified social credit codes, employee scheme, many insured
persons) and persons (id numbers, mostly resident scheme). One in each hundred lines
carries arrears, one in each two hundred a refund; those still account for the amount due.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from shared.push.feedfile import CSV_COLUMNS

REGISTRY_COLUMNS = ("payer_kind", "payer_id", "scheme", "region_code", "insured_persons", "monthly_due_fen")
PLANTED_KINDS = ("unknown_payer", "scheme_mismatch", "amount_mismatch", "missing_from_feed")
HAINAN_CITIES = ("460100", "460200", "460300", "460400", "469001", "469002", "469005", "469006")
_CHECK = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class Sample:
    feed: Path
    registry: Path
    planted: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    feed_lines: int = 0
    bad_lines: int = 0
    registry_lines: int = 0

    @property
    def planted_count(self) -> int:
        return sum(len(v) for v in self.planted.values())


def credit_code(city: str, n: int) -> str:
    """An 18-character unified social credit code (统一社会信用代码) for employer ``n``."""
    return f"91{city}{n:09d}{_CHECK[n % len(_CHECK)]}"


def person_id(city: str, n: int) -> str:
    """An 18-character resident id number (身份证号) for person ``n``."""
    born = date(1950, 1, 1) + timedelta(days=n // 1000)
    return f"{city}{born:%Y%m%d}{n % 1000:03d}{'0123456789X'[n % 11]}"


def write_sample(feed: Path, registry: Path, *, lines: int, seed: int = 1, period: str = "2026-10",
                 planted_per_kind: int | None = None, bad_lines: int = 0) -> Sample:
    """Write ``lines`` feed lines (plus ``bad_lines`` malformed ones) and the registry they are
    reconciled against, with ``planted_per_kind`` discrepancies of each kind in PLANTED_KINDS."""
    rnd = random.Random(seed)
    k = planted_per_kind if planted_per_kind is not None else max(1, lines // 1000)
    payers = lines + k  # k enrolled payers have no line in the feed
    if 4 * k > payers:
        raise ValueError(f"{lines} lines cannot hold {k} planted discrepancies of each of 4 kinds")
    marked = rnd.sample(range(payers), 4 * k)
    plant = {n: PLANTED_KINDS[i // k] for i, n in enumerate(marked)}
    bad_at = set(rnd.sample(range(payers), min(bad_lines, payers)))
    sample = Sample(Path(feed), Path(registry), {kind: [] for kind in PLANTED_KINDS})
    with open(feed, "w", newline="") as f_out, open(registry, "w", newline="") as r_out:
        fw, rw = csv.writer(f_out, lineterminator="\n"), csv.writer(r_out, lineterminator="\n")
        fw.writerow(CSV_COLUMNS)
        rw.writerow(REGISTRY_COLUMNS)
        for n in range(payers):
            kind, payer, scheme, city, persons, due = _payer(rnd, n)
            planted = plant.get(n)
            if planted != "unknown_payer":
                rw.writerow((kind, payer, scheme, city, persons, due))
                sample.registry_lines += 1
            if n in bad_at:
                fw.writerow(("employer", f"BAD{n}", "employee", period, "1", "12.50", "0", "0", "0"))
                sample.bad_lines += 1
            if planted == "missing_from_feed":
                sample.planted[planted].append((payer, scheme))
                continue
            collected, refunded, arrears, surcharge = _amounts(rnd, due)
            line_scheme = scheme
            if planted == "amount_mismatch":  # paid short, with nothing declared as arrears
                collected, refunded, arrears, surcharge = due - rnd.randint(1, max(1, due // 10)), 0, 0, 0
            elif planted == "scheme_mismatch":
                line_scheme = "resident" if scheme == "employee" else "employee"
            if planted:
                sample.planted[planted].append((payer, line_scheme))
            fw.writerow((kind, payer, line_scheme, period, persons, collected, refunded, arrears, surcharge))
            sample.feed_lines += 1
    manifest = feed.with_name(feed.name + ".planted.json")
    manifest.write_text(json.dumps({"seed": seed, "lines": sample.feed_lines, "bad_lines": sample.bad_lines,
                                    "planted": sample.planted}, indent=1))
    return sample


def _payer(rnd: random.Random, n: int) -> tuple[str, str, str, str, int, int]:
    city = HAINAN_CITIES[n % len(HAINAN_CITIES)]
    if rnd.random() < 0.3:
        persons = rnd.choice((1, 2, 3, 5, 8, 12, 20, 35, 60, 120, 400))
        base = rnd.randint(4_000_00, 15_000_00)  # monthly contribution base per person, fen
        return "employer", credit_code(city, n), "employee", city, persons, persons * base * 8 // 100
    if rnd.random() < 0.1:  # flexible employment: a person in the employee scheme
        return "person", person_id(city, n), "employee", city, 1, rnd.randint(4_000_00, 8_000_00) * 8 // 100
    return "person", person_id(city, n), "resident", city, 1, 3_200  # 380 yuan a year, monthly share


def _amounts(rnd: random.Random, due: int) -> tuple[int, int, int, int]:
    roll = rnd.random()
    if roll < 0.01 and due > 1:  # part unpaid at month end, with a surcharge on older arrears
        arrears = rnd.randint(1, due)
        return due - arrears, 0, arrears, arrears * 5 // 10_000 * rnd.randint(1, 30)
    if roll < 0.015:  # paid too much, refunded in the month
        refund = rnd.randint(1, 10_000)
        return due + refund, refund, 0, 0
    return due, 0, 0, 0
