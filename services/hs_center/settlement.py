"""Settlement with designated institutions (定点医疗机构费用结算, HO-21): the center's rules. Pure: no I/O.

Hainan (004:38): an institution files last month's claim by the 20th; a claim filed later rolls to the next
month's settlement. Counted from the 21st of the settlement month (the 21st itself excluded, domain.md §9), the
center pays the approved costs within 45 working days.

Hongze (003:92, quoting Huainan's rules): the center pays within 2 months of accepting the claim, and the annual
settlement (年终结算) is done by the end of April of the next year.

Which rule a region follows is configuration by region-code prefix (the longest prefix wins), like the budget
chains; a region without a rule is refused, never guessed.
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

from shared.calendar import WorkingCalendar
from shared.deadlines import SHANGHAI, Deadline, DeadlineKind, Obligation, end_of_month, working_days

SETTLEMENT_PAYMENT = "settlement_payment"  # deadline kind: one claim's payment
ANNUAL_SETTLEMENT = "annual_settlement"  # deadline kind: one region's year-end settlement (Hongze)


class SettlementError(Exception):
    """The claim or payment breaks a settlement rule; the message says which."""


class SettlementRuleNotConfigured(SettlementError):
    """No settlement rule is configured for the region."""


@dataclass(frozen=True)
class SettlementRule:
    """How one jurisdiction settles with its designated institutions.

    ``filing_cutoff_day``: claims for last month filed on or before this day are settled this month; later ones
    roll to the next month (Hainan: 20). ``None``: the claim is settled from the day it is accepted (Hongze).
    ``payment_working_days``: pay within N working days counted from ``clock_from_day`` of the settlement month.
    ``payment_months``: pay within N months of accepting the claim (Civil Code arts. 201-203).
    ``annual_settlement_month``: the year's settlement is due by the end of this month of the next year.
    """

    name: str
    basis: str
    filing_cutoff_day: int | None = None
    clock_from_day: int | None = None
    payment_working_days: int | None = None
    payment_months: int | None = None
    annual_settlement_month: int | None = None


HAINAN = SettlementRule(
    name="hainan", filing_cutoff_day=20, clock_from_day=21, payment_working_days=45,
    basis="claim by the 20th for last month, a later claim rolls to next month; paid within 45 working days "
          "counted from the 21st (004:38)")
HONGZE = SettlementRule(
    name="hongze", payment_months=2, annual_settlement_month=4,
    basis="paid within 2 months of accepting the claim; annual settlement by the end of April of the next year "
          "(003:92)")

# Hainan's codes start with 46 (004:38). Hongze is 320829 in the records (its county code; the district's current
# code is 320813). A deployment for another jurisdiction adds its own.
SETTLEMENT_RULES: Mapping[str, SettlementRule] = MappingProxyType({"46": HAINAN, "320829": HONGZE, "320813": HONGZE})


def rule_for(region_code: str, config: Mapping[str, SettlementRule] = SETTLEMENT_RULES) -> SettlementRule:
    prefixes = sorted((p for p in config if region_code.startswith(p)), key=len)
    if not prefixes:
        raise SettlementRuleNotConfigured(
            f"no settlement rule is configured for region {region_code}; add it to the settlement configuration "
            f"(Hainan and Hongze are built in)")
    return config[prefixes[-1]]


def _month(label: str) -> tuple[int, int]:
    year, month = label.split("-")
    return int(year), int(month)


def _label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Claim:
    """A designated institution's settlement claim (结算申报) as the center accepted it."""

    claim_id: str
    institution_id: str
    region_code: str
    month: str  # month of service claimed, YYYY-MM
    claimed_fen: int
    filed_on: date  # day the center received it (Asia/Shanghai)
    settlement_month: str  # month whose settlement it joins
    late: bool  # filed after the cut-off: rolled to a later month
    deadline: Deadline  # payment due

    def obligation(self, paid: bool = False) -> Obligation:
        return Obligation(f"pay claim {self.claim_id} of {self.institution_id} for {self.month}", "hs_center",
                          self.deadline, met=paid)


def file_claim(claim_id: str, institution_id: str, region_code: str, month: str, claimed_fen: int, at: datetime,
               cal: WorkingCalendar, rule: SettlementRule | None = None) -> Claim:
    """Accept a claim filed at ``at``: which month's settlement it joins, and when payment is due."""
    if claimed_fen < 0:
        raise SettlementError(f"claim {claim_id}: the amount claimed must not be negative ({claimed_fen} fen)")
    rule = rule or rule_for(region_code)
    filed_on = at.astimezone(SHANGHAI).date()
    year, mon = _month(month)
    if (year, mon) >= (filed_on.year, filed_on.month):
        raise SettlementError(
            f"claim {claim_id} is for {month}, which has not ended on {filed_on.isoformat()}; a month is claimed "
            f"after it ends")
    if rule.filing_cutoff_day is not None:
        settle = (filed_on.year, filed_on.month)
        if filed_on.day > rule.filing_cutoff_day:
            settle = _add_months(*settle, 1)
        late = settle != _add_months(year, mon, 1)
        start = date(settle[0], settle[1], rule.clock_from_day)
        deadline = _payment_deadline(rule, start, cal)
        return Claim(claim_id, institution_id, region_code, month, claimed_fen, filed_on, _label(*settle), late,
                     deadline)
    deadline = _payment_deadline(rule, filed_on, cal)
    return Claim(claim_id, institution_id, region_code, month, claimed_fen, filed_on,
                 _label(filed_on.year, filed_on.month), False, deadline)


def _payment_deadline(rule: SettlementRule, start: date, cal: WorkingCalendar) -> Deadline:
    starts_at = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    if rule.payment_working_days is not None:
        d = working_days(starts_at, rule.payment_working_days, cal)
        return Deadline(d.kind, d.starts_at, d.due_at, f"{d.rule}; {rule.basis}")
    if rule.payment_months is not None:
        return months_after(starts_at, rule.payment_months, cal, basis=rule.basis)
    raise SettlementRuleNotConfigured(f"settlement rule {rule.name} sets no payment limit")


def months_after(start: datetime, months: int, cal: WorkingCalendar, *, basis: str = "") -> Deadline:
    """Within N months (N 个月内): the corresponding day of the last month, or its last day when it has none
    (Civil Code art. 202); a last day that is a rest day rolls to the next working day (art. 203)."""
    begins = start.astimezone(SHANGHAI)
    year, month = _add_months(begins.year, begins.month, months)
    last = date(year, month, min(begins.day, _stdcal.monthrange(year, month)[1]))
    due, rule = last, f"{months} months from {begins.date().isoformat()}; last day {last.isoformat()}"
    if cal.is_rest_day(last):
        due = cal.next_working_day_on_or_after(last)
        rule += f" is a rest day, rolled to {due.isoformat()}"
    rule += " (Civil Code arts. 201-203)" + (f"; {basis}" if basis else "")
    return Deadline(DeadlineKind.CALENDAR, begins, datetime.combine(due, time.max, tzinfo=SHANGHAI), rule)


def annual_settlement_deadline(year: int, rule: SettlementRule) -> Deadline | None:
    """The year-end settlement of ``year``'s claims, by the end of the configured month of the next year."""
    if rule.annual_settlement_month is None:
        return None
    d = end_of_month(year + 1, rule.annual_settlement_month,
                     starts_at=datetime(year + 1, 1, 1, tzinfo=SHANGHAI))
    return Deadline(d.kind, d.starts_at, d.due_at, f"{d.rule}; {rule.basis}")


@dataclass(frozen=True)
class Payment:
    """What the center pays on one claim (the HO-21 payload's figures)."""

    claimed_fen: int
    approved_fen: int
    deducted_fen: int  # refused or withheld: claimed - paid
    paid_fen: int
    late: bool


def pay(claim: Claim, approved_fen: int, withheld_fen: int, at: datetime) -> Payment:
    """Pay the approved part of a claim, less what is withheld (e.g. the quality-guarantee deposit 质量保证金,
    or a violation deduction, 003:92's procedure)."""
    if not 0 <= approved_fen <= claim.claimed_fen:
        raise SettlementError(
            f"claim {claim.claim_id}: approved {approved_fen} fen must be between 0 and the {claim.claimed_fen} fen "
            f"claimed")
    if not 0 <= withheld_fen <= approved_fen:
        raise SettlementError(
            f"claim {claim.claim_id}: withheld {withheld_fen} fen must be between 0 and the {approved_fen} fen "
            f"approved")
    paid = approved_fen - withheld_fen
    return Payment(claim.claimed_fen, approved_fen, claim.claimed_fen - paid, paid, claim.deadline.is_overdue(at))


def status(deadline: Deadline, now: datetime, paid: bool) -> str:
    if paid:
        return "paid"
    return "overdue" if deadline.is_overdue(now) else "open"


def days_ahead(deadline: Deadline, now: datetime) -> int:
    """Whole days left until the due day (negative once overdue), for the officer's list."""
    return (deadline.due_date - now.astimezone(SHANGHAI).date()) // timedelta(days=1)


__all__ = ["ANNUAL_SETTLEMENT", "HAINAN", "HONGZE", "SETTLEMENT_PAYMENT", "SETTLEMENT_RULES", "Claim", "Payment",
           "SettlementError", "SettlementRule", "SettlementRuleNotConfigured", "annual_settlement_deadline",
           "days_ahead", "file_claim", "months_after", "pay", "rule_for", "status"]
