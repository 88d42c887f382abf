"""Long-term-care funding (HO-41, Hongze 003:86) and the resident matching subsidy (HO-07). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from shared.deadlines import SHANGHAI, Deadline, day_of_month, end_of_month

from ._base import DomainError, Obligation, Scheme, _aware, _fen, fund_year
from .ledger import fiscal_special_account

# --- 5. long-term care (HO-41, Hongze 003:86) and resident matching subsidy (HO-07) -----------------


class PartWaived(DomainError): ...


class WrongAmount(DomainError): ...


class LtcPart(StrEnum):
    PERSONAL = "personal"
    FINANCE_SUBSIDY = "finance_subsidy"
    POOL_FUND = "pool_fund"


LTC_PER_PERSON_FEN = 8000  # 80 yuan per person per year
LTC_PART_FEN = {LtcPart.PERSONAL: 1000, LtcPart.FINANCE_SUBSIDY: 1000, LtcPart.POOL_FUND: 6000}
LTC_WAIVED_YEARS = frozenset({2023})  # 003:86: personal and finance parts waived, the fund paid 60 yuan
_LTC_PAYER = {
    LtcPart.PERSONAL: "hs_center",
    LtcPart.FINANCE_SUBSIDY: "finance",
    LtcPart.POOL_FUND: "hs_center",
}
_LTC_DUE_MONTH = {LtcPart.PERSONAL: 1, LtcPart.FINANCE_SUBSIDY: 3, LtcPart.POOL_FUND: 1}


@dataclass(frozen=True)
class LtcDue:
    year: int
    part: LtcPart
    payer: str
    amount_fen: int
    deadline: Deadline


def _part(value: str) -> LtcPart:
    try:
        return LtcPart(value)
    except ValueError:
        raise DomainError(f"unknown LTC part {value!r}; use personal, finance_subsidy or pool_fund") from None


def ltc_deadline(year: int, part: str) -> Deadline:
    """Personal part in January, pool part by end of January, finance subsidy by end of March."""
    return end_of_month(year, _LTC_DUE_MONTH[_part(part)], starts_at=datetime(year, 1, 1, tzinfo=SHANGHAI))


def ltc_dues(
    year: int, insured_person_count: int, *, waived_years: frozenset[int] = LTC_WAIVED_YEARS
) -> tuple[LtcDue, ...]:
    """What must reach the city special account for ``year``; waived parts are left out."""
    fund_year(year)
    _fen(insured_person_count, "insured person count")
    parts = [LtcPart.POOL_FUND] if year in waived_years else list(LtcPart)
    return tuple(
        LtcDue(
            year, part, _LTC_PAYER[part], LTC_PART_FEN[part] * insured_person_count, ltc_deadline(year, part)
        )
        for part in parts
    )


def ltc_obligations(
    year: int,
    insured_person_count: int,
    paid: Iterable[str] = (),
    *,
    waived_years: frozenset[int] = LTC_WAIVED_YEARS,
) -> tuple[Obligation, ...]:
    done = {_part(p) for p in paid}
    return tuple(
        Obligation(
            f"LTC {due.part.value} {year}: {due.amount_fen} fen", due.payer, due.deadline, due.part in done
        )
        for due in ltc_dues(year, insured_person_count, waived_years=waived_years)
    )


@dataclass(frozen=True)
class LtcSubsidyRemitted:
    event_name: ClassVar[str] = "finance.ltc_subsidy.remitted"
    year: int
    insured_person_count: int
    amount_fen: int
    part: LtcPart
    remitted_at: datetime
    late: bool


def remit_ltc_subsidy(
    year: int,
    insured_person_count: int,
    amount_fen: int,
    at: datetime,
    *,
    waived_years: frozenset[int] = LTC_WAIVED_YEARS,
) -> LtcSubsidyRemitted:
    """Finance's LTC subsidy, 10 yuan per insured person, into the city special account by end of March."""
    at = _aware(at)
    if year in waived_years:
        raise PartWaived(f"the LTC finance subsidy for {year} is waived (003:86); nothing is to be remitted")
    expected = LTC_PART_FEN[LtcPart.FINANCE_SUBSIDY] * _fen(insured_person_count, "insured person count")
    if _fen(amount_fen, "LTC subsidy", positive=True) != expected:
        raise WrongAmount(
            f"the LTC finance subsidy for {insured_person_count} persons is {expected} fen (10 yuan each), "
            f"not {amount_fen} fen; remit {expected} fen"
        )
    return LtcSubsidyRemitted(
        year=year,
        insured_person_count=insured_person_count,
        amount_fen=amount_fen,
        part=LtcPart.FINANCE_SUBSIDY,
        remitted_at=at,
        late=ltc_deadline(year, LtcPart.FINANCE_SUBSIDY).is_overdue(at),
    )


def resident_subsidy_deadline(year: int) -> Deadline:
    """HO-07: the city/county matching subsidy reaches the provincial special account before 1 September."""
    return day_of_month(year, 8, 31, starts_at=datetime(year, 1, 1, tzinfo=SHANGHAI))


@dataclass(frozen=True)
class ResidentSubsidyRemitted:
    event_name: ClassVar[str] = "finance.resident_subsidy.remitted"
    year: int
    region_code: str
    amount_fen: int
    insured_person_count: int
    remitted_at: datetime
    to_account: str
    late: bool


def remit_resident_subsidy(
    year: int, region_code: str, amount_fen: int, insured_person_count: int, at: datetime
) -> ResidentSubsidyRemitted:
    at = _aware(at)
    _fen(amount_fen, "resident matching subsidy", positive=True)
    _fen(insured_person_count, "insured person count")
    return ResidentSubsidyRemitted(
        year=year,
        region_code=region_code,
        amount_fen=amount_fen,
        insured_person_count=insured_person_count,
        remitted_at=at,
        to_account=fiscal_special_account(Scheme.RESIDENT),
        late=resident_subsidy_deadline(year).is_overdue(at),
    )


def resident_subsidy_obligations(
    year: int, regions: Iterable[str], remitted: Iterable[str] = ()
) -> tuple[Obligation, ...]:
    done = set(remitted)
    deadline = resident_subsidy_deadline(year)
    return tuple(
        Obligation(
            f"resident matching subsidy {year} from {region}", f"finance:{region}", deadline, region in done
        )
        for region in sorted(set(regions))
    )
