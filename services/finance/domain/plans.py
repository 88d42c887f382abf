"""Joint review of the quarterly fund-use plan (HO-17, §4.10). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from shared.deadlines import Deadline, end_of_month

from ._base import DomainError, Scheme, _aware, _fen, _scheme, parse_month, prior_quarter, quarter_months

# --- 2. joint review of the fund-use plan (HO-17, §4.10) --------------------------------------------


class JointReviewIncomplete(DomainError): ...


class MonthOutsideQuarter(DomainError): ...


class DuplicateLine(DomainError): ...


class UnrequestedLine(DomainError): ...


class SplitIncomplete(DomainError): ...


class AdjustmentReasonRequired(DomainError): ...


JOINT_PLAN_REVIEWERS = ("finance", "healthcare_security")


@dataclass(frozen=True)
class PlanLine:
    """A requested amount for one region, month and scheme (HO-16 consolidated plan line)."""

    region_code: str
    month: str
    scheme: Scheme
    amount_fen: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "scheme", _scheme(self.scheme))
        parse_month(self.month)
        _fen(self.amount_fen, f"amount for {self.region_code} {self.month} {self.scheme.value}")

    @property
    def key(self) -> tuple[str, str, Scheme]:
        return (self.region_code, self.month, self.scheme)


@dataclass(frozen=True)
class ApprovedLine(PlanLine):
    """An approved amount; ``reason`` is required when it differs from the request (004:35)."""

    reason: str = ""


def plan_review_deadline(quarter: str) -> Deadline:
    """[design, HO-17] joint review done by the last day of the prior quarter's 3rd month."""
    year, month = parse_month(quarter_months(prior_quarter(quarter))[2])
    return end_of_month(year, month)


@dataclass(frozen=True)
class ApprovedPlan:
    plan_id: str
    quarter: str
    lines: tuple[ApprovedLine, ...]

    def total(
        self, month: str | None = None, scheme: str | None = None, region_code: str | None = None
    ) -> int:
        return sum(
            line.amount_fen
            for line in self.lines
            if (month is None or line.month == month)
            and (scheme is None or line.scheme == scheme)
            and (region_code is None or line.region_code == region_code)
        )


@dataclass(frozen=True)
class FundUsePlanReviewed:
    event_name: ClassVar[str] = "finance.fund_use_plan.reviewed"
    plan_id: str
    quarter: str
    decision: str  # approved | adjusted
    approved_lines: tuple[ApprovedLine, ...]
    reviewed_by: tuple[str, ...]
    at: datetime
    late: bool


def _keyed(lines: Iterable[PlanLine], quarter: str, what: str) -> dict[tuple[str, str, Scheme], PlanLine]:
    months = quarter_months(quarter)
    keyed: dict[tuple[str, str, Scheme], PlanLine] = {}
    for line in lines:
        if line.month not in months:
            raise MonthOutsideQuarter(
                f"{what} line {line.region_code} {line.month} is outside {quarter} ({', '.join(months)})"
            )
        if line.key in keyed:
            raise DuplicateLine(
                f"{what} has two lines for {line.region_code} {line.month} {line.scheme.value}"
            )
        keyed[line.key] = line
    return keyed


def review_fund_use_plan(
    plan_id: str,
    quarter: str,
    requested: Iterable[PlanLine],
    approved: Iterable[ApprovedLine],
    reviewed_by: Iterable[str],
    at: datetime,
) -> tuple[ApprovedPlan, FundUsePlanReviewed]:
    """Finance and healthcare security approve the consolidated plan, split per region and month."""
    at = _aware(at)
    reviewers = tuple(sorted(set(reviewed_by)))
    missing = [r for r in JOINT_PLAN_REVIEWERS if r not in reviewers]
    if missing:
        raise JointReviewIncomplete(
            f"the fund-use plan is reviewed jointly by finance and healthcare_security; "
            f"{', '.join(missing)} has not signed the review of {plan_id}"
        )
    asked = _keyed(requested, quarter, "the requested plan")
    given = _keyed(approved, quarter, "the approved split")
    extra = sorted(set(given) - set(asked))
    if extra:
        region, month, scheme = extra[0]
        raise UnrequestedLine(
            f"{region} {month} {scheme.value} was not requested in {plan_id}; approve only requested lines "
            f"(a region missing from the consolidation needs a new consolidation)"
        )
    absent = sorted(set(asked) - set(given))
    if absent:
        region, month, scheme = absent[0]
        raise SplitIncomplete(
            f"the approved split has no amount for {region} {month} {scheme.value} "
            f"(requested {asked[absent[0]].amount_fen} fen); give one, 0 fen with a reason to refuse it"
        )
    adjusted = False
    for key, line in given.items():
        wanted = asked[key].amount_fen
        if line.amount_fen != wanted:
            adjusted = True
            if not getattr(line, "reason", "").strip():
                raise AdjustmentReasonRequired(
                    f"{line.region_code} {line.month} {line.scheme.value}: approved {line.amount_fen} fen "
                    f"differs from the requested {wanted} fen; state the adjustment reason (004:35)"
                )
    lines = tuple(sorted(given.values(), key=lambda ln: (ln.month, ln.region_code, ln.scheme.value)))
    plan = ApprovedPlan(plan_id=plan_id, quarter=quarter, lines=lines)  # type: ignore[arg-type]
    event = FundUsePlanReviewed(
        plan_id=plan_id,
        quarter=quarter,
        decision="adjusted" if adjusted else "approved",
        approved_lines=plan.lines,
        reviewed_by=reviewers,
        at=at,
        late=plan_review_deadline(quarter).is_overdue(at),
    )
    return plan, event
