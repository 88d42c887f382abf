"""Deficit responsibility sharing (HO-40, 004:42-43, §8). Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import ClassVar

from ._base import DomainError, _aware, _fen, fund_year

# --- 4. deficit responsibility sharing (HO-40, §8) --------------------------------------------------


class RatioNotConfigured(DomainError): ...


class InvalidRatio(DomainError): ...


PROVINCE = "province"
MONTHS_OF_COVER = 6  # 004:43


@dataclass(frozen=True)
class SharingRatio:
    """The province/city split for one year, approved by the provincial government (004:43, 117).

    ``weights`` maps ``"province"`` and city/county region codes to non-negative decimal weights;
    the shares are proportional to them. ``source`` names the approving document.
    """

    year: int
    weights: Mapping[str, Decimal]
    source: str

    def __post_init__(self):
        fund_year(self.year)


@dataclass(frozen=True)
class FundPosition:
    year: int
    rolling_balance_fen: int
    avg_monthly_expenditure_fen: int
    in_budget_gap_fen: int = 0
    out_of_budget_gaps: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self):
        fund_year(self.year)


@dataclass(frozen=True)
class InBudgetGapCovered:
    event_name: ClassVar[str] = "finance.deficit.in_budget_gap_covered"  # [design] name
    year: int
    gap_fen: int
    covered_fen: int
    balance_after_fen: int


@dataclass(frozen=True)
class OutOfBudgetGapAssigned:
    event_name: ClassVar[str] = "finance.deficit.out_of_budget_gap_assigned"  # [design] name
    year: int
    region_code: str
    amount_fen: int


@dataclass(frozen=True)
class DeficitSharingProposed:
    event_name: ClassVar[str] = "finance.deficit_sharing.proposed"
    year: int
    rolling_balance_fen: int
    avg_monthly_expenditure_fen: int
    months_payable: Decimal
    shortfall_fen: int
    province_share_fen: int
    region_shares: tuple[tuple[str, int], ...]
    ratio_source: str
    at: datetime


def _weight(party: str, value: Decimal | int) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidRatio(f"weight for {party} must be a Decimal or int, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidRatio(f"weight for {party} must be a finite number, got {value}")
    if value < 0:
        raise InvalidRatio(f"weight for {party} must not be negative, got {value}")
    return Fraction(value)


def split_by_weights(total_fen: int, weights: Mapping[str, Decimal | int]) -> dict[str, int]:
    """Split ``total_fen`` in proportion to ``weights`` so that the parts sum exactly to it.

    Largest remainder on fen: each party first gets the floor of its exact share; the fen left over
    go one each to the largest fractional remainders; ties go to the province first, then to region
    codes in ascending order. A party with weight 0 gets 0.
    """
    _fen(total_fen, "amount to split")
    exact = {party: _weight(party, w) for party, w in weights.items()}
    whole = sum(exact.values())
    if whole == 0:
        raise InvalidRatio("the weights are all zero; at least one party must carry a share")
    quotas = {party: Fraction(total_fen) * w / whole for party, w in exact.items()}
    shares = {party: math.floor(q) for party, q in quotas.items()}
    left = total_fen - sum(shares.values())
    order = sorted(quotas, key=lambda p: (-(quotas[p] - shares[p]), p != PROVINCE, p))
    for party in order[:left]:
        shares[party] += 1
    return shares


def months_payable(rolling_balance_fen: int, avg_monthly_expenditure_fen: int) -> Fraction:
    """Rolling balance ÷ average monthly expenditure (§8, [design])."""
    _fen(avg_monthly_expenditure_fen, "average monthly expenditure", positive=True)
    return Fraction(rolling_balance_fen, avg_monthly_expenditure_fen)


def share_deficit(
    position: FundPosition, ratios: Mapping[int, SharingRatio], at: datetime
) -> tuple[InBudgetGapCovered | OutOfBudgetGapAssigned | DeficitSharingProposed, ...]:
    """Apply the three risk-sharing rules of 004:42-43 in order.

    1. An in-budget gap is paid from the rolling balance (whatever the balance cannot pay lowers it
       below zero and so adds to the shortfall of rule 3).
    2. Each out-of-budget gap is borne by the city/county that caused it.
    3. If the balance then covers fewer than 6 months, the shortfall 6 × average − balance is shared by
       the year's configured ratio; without one, :class:`RatioNotConfigured`.
    """
    at = _aware(at)
    _fen(position.rolling_balance_fen, "rolling balance", signed=True)
    gap = _fen(position.in_budget_gap_fen, "in-budget gap")
    average = position.avg_monthly_expenditure_fen
    events: list[InBudgetGapCovered | OutOfBudgetGapAssigned | DeficitSharingProposed] = []
    balance = position.rolling_balance_fen
    if gap:
        covered = max(0, min(gap, balance))
        balance -= gap
        events.append(InBudgetGapCovered(position.year, gap, covered, balance))
    for region, amount in sorted(position.out_of_budget_gaps.items()):
        if _fen(amount, f"out-of-budget gap of {region}"):
            events.append(OutOfBudgetGapAssigned(position.year, region, amount))
    cover = months_payable(balance, average)
    if cover >= MONTHS_OF_COVER:
        return tuple(events)
    shortfall = MONTHS_OF_COVER * average - balance
    ratio = ratios.get(position.year)
    if ratio is None:
        raise RatioNotConfigured(
            f"the balance covers {float(cover):.2f} months (< {MONTHS_OF_COVER}), "
            f"a shortfall of {shortfall} fen, "
            f"but no sharing ratio is configured for {position.year}; the seeds set none (004:117). "
            f"Configure the ratio approved by the provincial government for {position.year}"
        )
    shares = split_by_weights(shortfall, ratio.weights)
    events.append(
        DeficitSharingProposed(
            year=position.year,
            rolling_balance_fen=balance,
            avg_monthly_expenditure_fen=average,
            months_payable=(Decimal(cover.numerator) / Decimal(cover.denominator)).quantize(
                Decimal("0.0001"), rounding=ROUND_FLOOR
            ),
            shortfall_fen=shortfall,
            province_share_fen=shares.pop(PROVINCE, 0),
            region_shares=tuple(sorted(shares.items())),
            ratio_source=ratio.source,
            at=at,
        )
    )
    return tuple(events)
