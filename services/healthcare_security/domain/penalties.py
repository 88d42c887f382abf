"""Fine ranges of domain.md §5 (P-01 … P-15), in integer fen.

A multiple of a base gives ``min = ceil(k_min × base)`` and ``max = floor(k_max × base)``, computed with
integers (``Fraction``), so nothing is rounded away. A fixed range is stated in yuan and returned in fen.
fundlink returns the range only; choosing a fine inside it is the provincial discretion benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ._base import DomainError, InvalidRequest, check_fen

__all__ = [
    "FineOutOfRange",
    "JURISDICTIONS",
    "NoMoneyPenalty",
    "UnknownPenaltyRule",
    "check_fine",
    "penalty_range",
]

JURISDICTIONS = ("national", "jiangsu")
FEN_PER_YUAN = 100


class UnknownPenaltyRule(DomainError):
    """The rule id (or its party/tier) is not in the §5 table."""


class NoMoneyPenalty(DomainError):
    """The rule exists but sets no fine (an order, a suspension or a points correction)."""


class FineOutOfRange(DomainError):
    """A proposed or decided fine lies outside the statutory range."""


@dataclass(frozen=True)
class _Multiple:
    k_min: Fraction
    k_max: Fraction

    def range_fen(self, base_fen: int) -> tuple[int, int]:
        low = self.k_min * base_fen
        high = self.k_max * base_fen
        return -((-low.numerator) // low.denominator), high.numerator // high.denominator


@dataclass(frozen=True)
class _FixedYuan:
    min_yuan: int
    max_yuan: int

    def range_fen(self, base_fen: int) -> tuple[int, int]:
        return self.min_yuan * FEN_PER_YUAN, self.max_yuan * FEN_PER_YUAN


def _x(k_min: int, k_max: int) -> _Multiple:
    return _Multiple(Fraction(k_min), Fraction(k_max))


# (rule, party, tier) -> {jurisdiction: bound}; "national" applies wherever no provincial variant is named.
_TABLE: dict[tuple[str, str, str | None], dict[str, _Multiple | _FixedYuan]] = {
    ("P-01", "unit", None): {"national": _x(1, 3)},  # contributions due; SIL 84
    ("P-01", "persons", None): {"national": _FixedYuan(500, 3_000), "jiangsu": _FixedYuan(1_000, 3_000)},
    ("P-02", "unit", None): {"national": _x(1, 3)},  # arrears; Jiangsu 72
    ("P-03", "persons", "serious"): {"national": _FixedYuan(1_000, 5_000)},
    ("P-03", "persons", "especially_serious"): {"national": _FixedYuan(5_000, 10_000)},
    ("P-04", "unit", None): {"national": _x(1, 3)},  # concealed wages
    ("P-05", "unit", None): {"national": _FixedYuan(5_000, 20_000)},
    ("P-05", "persons", None): {"national": _FixedYuan(1_000, 5_000)},
    ("P-06", "unit", None): {"national": _x(1, 2)},  # fund loss; Decree 735 art. 38
    ("P-07", "unit", None): {"national": _FixedYuan(10_000, 50_000), "jiangsu": _FixedYuan(20_000, 50_000)},
    ("P-08", "unit", None): {"national": _x(2, 5)},  # handling agency fraud
    ("P-09", "unit", None): {"national": _x(2, 5)},  # institution fraud
    ("P-10", "persons", None): {"national": _x(2, 5)},  # individual with intent to defraud (art. 41 ¶2)
    ("P-11", "persons", None): {"national": _x(1, 3)},  # medical-assistance fraud ("may" fine)
}

_NO_FINE = {
    "P-12": "an order to correct (the seed stops there)",
    "P-13": "a negative correction of 2–5 × DIP points, not a fine",
    "P-14": "suspension or cancellation of designation",
    "P-15": "suspension of settlement",
}


def _bound(rule_id: str, jurisdiction: str, party: str | None, tier: str | None) -> _Multiple | _FixedYuan:
    if jurisdiction not in JURISDICTIONS:
        raise InvalidRequest(f"jurisdiction must be one of {', '.join(JURISDICTIONS)}, got {jurisdiction!r}")
    if rule_id in _NO_FINE:
        raise NoMoneyPenalty(f"{rule_id} sets no fine: its sanction is {_NO_FINE[rule_id]}")
    keys = [k for k in _TABLE if k[0] == rule_id]
    if not keys:
        known = ", ".join(sorted({k[0] for k in _TABLE} | set(_NO_FINE)))
        raise UnknownPenaltyRule(f"no penalty rule {rule_id!r} in domain.md §5; known rules: {known}")
    parties = sorted({k[1] for k in keys})
    if party is None:
        party = "unit" if "unit" in parties else parties[0]
    tiers = sorted(k[2] for k in keys if k[1] == party and k[2] is not None)
    if tier is None and tiers:
        raise UnknownPenaltyRule(f"{rule_id} fines on {party} depend on the tier: pass one of {tiers}")
    bounds = _TABLE.get((rule_id, party, tier))
    if bounds is None:
        raise UnknownPenaltyRule(
            f"{rule_id} has no fine on party={party!r} tier={tier!r}; parties: {parties}"
            + (f", tiers: {tiers}" if tiers else "")
        )
    return bounds.get(jurisdiction, bounds["national"])


def penalty_range(
    rule_id: str,
    base_fen: int = 0,
    jurisdiction: str = "national",
    *,
    party: str | None = None,
    tier: str | None = None,
) -> tuple[int, int]:
    """(min_fen, max_fen) for a §5 rule. ``base_fen`` is the loss/amount a multiple applies to (ignored
    for fixed ranges). ``party`` is "unit" or "persons" (default: the unit where the rule fines one);
    ``tier`` is "serious" or "especially_serious" for P-03."""
    check_fen(base_fen, "base_fen")
    return _bound(rule_id, jurisdiction, party, tier).range_fen(base_fen)


def check_fine(
    rule_id: str,
    base_fen: int,
    fine_fen: int,
    jurisdiction: str = "national",
    *,
    party: str | None = None,
    tier: str | None = None,
) -> int:
    """Return ``fine_fen`` if it lies within the rule's range, else raise :class:`FineOutOfRange`."""
    check_fen(fine_fen, "fine_fen")
    low, high = penalty_range(rule_id, base_fen, jurisdiction, party=party, tier=tier)
    if not low <= fine_fen <= high:
        raise FineOutOfRange(
            f"a fine of {fine_fen} fen is outside {rule_id} ({jurisdiction}): "
            f"{low}–{high} fen for a base of {base_fen} fen; choose an amount inside the range"
        )
    return fine_fen
