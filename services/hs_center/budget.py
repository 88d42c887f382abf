"""The handling center's (医保中心) side of the fund's money cycle: pure rules, no I/O.

1. Budget draft compilation with tax's co-signature (HO-08), execution reports (HO-12), adjustment
   proposals (HO-13) and final-accounts drafts (HO-14). The review chains themselves are tracked by
   finance (``services/finance/domain.py``); this module is what the center decides and sends.
2. Quarterly fund-use plans (HO-15, HO-16, §4.10): city/county plans are due before the 20th of the
   prior quarter's 2nd month, the provincial consolidation before the 10th of its 3rd month. A city
   with no plan by its deadline is flagged (:class:`FundUsePlanOverdue`) and left out of the
   consolidation, which lists it in ``missing_regions``. A plan that arrives late is flagged too and,
   unless the consolidation is told ``accept_late=True``, also left out: the figures reviewed are those
   submitted by the deadline, and a latecomer needs a supplementary plan.
3. Disbursement (HO-19): the provincial expenditure account pays the city/county expenditure
   accounts by the 5th of the month, never beyond what finance allocated for that month and scheme
   nor beyond the region's approved split.

Money is ``int`` fen. Refusals raise a named :class:`DomainError` whose message says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Protocol, TypeVar

from shared.deadlines import Deadline, Obligation, day_of_month, end_of_month, open_deadlines, overdue  # noqa: F401
from shared.fund_periods import FundPeriods, clean_reasons

# --- common values ----------------------------------------------------------------------------------


class DomainError(Exception):
    """A handling-center rule refused the request. The message says what to do instead."""


class InvalidAmount(DomainError): ...


class InvalidPeriod(DomainError): ...


class WrongActor(DomainError): ...


class Scheme(StrEnum):
    EMPLOYEE = "employee"  # employee insurance, maternity included (004:18-19)
    RESIDENT = "resident"


def _scheme(value: str) -> Scheme:
    try:
        return Scheme(value)
    except ValueError:
        raise DomainError(f"unknown scheme {value!r}; use 'employee' or 'resident'") from None


def _fen(value: int, what: str, *, positive: bool = False, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"{what} must be an integer number of fen, got {value!r}")
    if positive and value <= 0:
        raise InvalidAmount(f"{what} must be more than 0 fen, got {value} fen")
    if not signed and value < 0:
        raise InvalidAmount(f"{what} must not be negative, got {value} fen")
    return value


def _aware(at: datetime, what: str = "at") -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise DomainError(f"{what} must be a timezone-aware datetime (e.g. tzinfo=SHANGHAI), got {at!r}")
    return at


def _actor(by: str, expected: str, what: str) -> None:
    if by != expected:
        raise WrongActor(f"{what} is done by {expected}; {by!r} cannot do it")


# One reading of months and quarters for the center and finance, refusing with the center's error.
_PERIODS = FundPeriods(InvalidPeriod)
parse_month, parse_quarter = _PERIODS.parse_month, _PERIODS.parse_quarter
quarter_months, prior_quarter = _PERIODS.quarter_months, _PERIODS.prior_quarter
_reasons = clean_reasons


# --- deadlines owed ----------------------------------------------------------------------------------




# --- 1. budget draft compilation (HO-08), execution (HO-12), adjustment (HO-13), final accounts (HO-14)


class TaxCosignatureMissing(DomainError): ...


class InvalidBudgetLines(DomainError): ...


class NotDrafting(DomainError): ...


class BudgetNotApproved(DomainError): ...


class ReasonsRequired(DomainError): ...


class TaxFiguresDiffer(DomainError): ...


@dataclass(frozen=True)
class BudgetLine:
    """One scheme's revenue and expenditure; deltas (may be negative) in an adjustment proposal."""

    scheme: Scheme
    revenue_fen: int
    expenditure_fen: int
    balance_fen: int = 0
    insured_person_count: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "scheme", _scheme(self.scheme))


def _budget_lines(lines: Iterable[BudgetLine], *, signed: bool = False) -> tuple[BudgetLine, ...]:
    """Checked lines. A balance may be negative (a planned deficit, a rolling balance in deficit); revenue and
    expenditure may be negative only as the deltas of an adjustment (``signed``)."""
    lines = tuple(lines)
    if not lines:
        raise InvalidBudgetLines("give at least one scheme line (employee, resident)")
    schemes = [line.scheme for line in lines]
    if len(set(schemes)) != len(schemes):
        raise InvalidBudgetLines(
            f"one line per scheme, got {[s.value for s in schemes]}; merge the duplicates"
        )
    for line in lines:
        for name in ("revenue_fen", "expenditure_fen"):
            _fen(getattr(line, name), f"{line.scheme.value} {name}", signed=signed)
        _fen(line.balance_fen, f"{line.scheme.value} balance_fen", signed=True)
        _fen(getattr(line, "insured_person_count", 0), f"{line.scheme.value} insured person count")
    return tuple(sorted(lines, key=lambda line: line.scheme.value))


def _revenue(lines: Iterable[BudgetLine]) -> tuple[tuple[Scheme, int], ...]:
    return tuple((line.scheme, line.revenue_fen) for line in lines)


@dataclass(frozen=True)
class AppliedAdjustment:
    """An approved budget adjustment (HO-13) and its changes per scheme, applied to the budget lines."""

    adjustment_id: str
    deltas: tuple[BudgetLine, ...]
    at: datetime


@dataclass(frozen=True)
class BudgetCompilation:
    """The center's working copy of a budget draft.

    ``status``: ``drafting`` → ``submitted`` → (``drafting`` again when returned) → ``approved``.
    ``tax_confirmed_revenue`` is the revenue tax co-signed; changing revenue afterwards voids it.
    """

    draft_id: str
    year: int
    region_code: str
    tax_cosign_required: bool
    lines: tuple[BudgetLine, ...]
    status: str = "drafting"
    tax_confirmed_revenue: tuple[tuple[Scheme, int], ...] | None = None
    revision: int = 0
    returned: tuple[str, ...] = ()
    adjustments: tuple[AppliedAdjustment, ...] = ()

    @property
    def adjusted_lines(self) -> tuple[BudgetLine, ...]:
        """The approved budget with every approved adjustment applied (004:25): what execution is measured
        against. Before any adjustment it is ``lines``."""
        out = []
        for line in self.lines:
            revenue = sum(d.revenue_fen for a in self.adjustments for d in a.deltas if d.scheme == line.scheme)
            spending = sum(d.expenditure_fen for a in self.adjustments for d in a.deltas if d.scheme == line.scheme)
            out.append(replace(line, revenue_fen=line.revenue_fen + revenue,
                               expenditure_fen=line.expenditure_fen + spending,
                               balance_fen=line.balance_fen + revenue - spending))
        return tuple(out)

    @property
    def tax_cosigned(self) -> bool:
        return self.tax_confirmed_revenue is not None and self.tax_confirmed_revenue == _revenue(self.lines)

    def check_drafting(self) -> None:
        if self.status != "drafting":
            raise NotDrafting(
                f"draft {self.draft_id} is {self.status}; it can be changed only after a reviewer returns it"
            )

    def line(self, scheme: str) -> BudgetLine:
        """One scheme's budget as it stands now: approved adjustments included."""
        for line in self.adjusted_lines:
            if line.scheme == scheme:
                return line
        raise InvalidBudgetLines(f"draft {self.draft_id} has no {scheme} line")


@dataclass(frozen=True)
class BudgetDraftSubmitted:
    event_name: ClassVar[str] = "hs_center.budget_draft.submitted"
    draft_id: str
    year: int
    region_code: str
    lines: tuple[BudgetLine, ...]
    tax_cosigned: bool
    revision: int
    at: datetime


def compile_budget(
    draft_id: str, year: int, region_code: str, lines: Iterable[BudgetLine], *, tax_cosign_required: bool
) -> BudgetCompilation:
    """Start a draft. Hainan needs tax's co-signature (004:22); Hengshui has no tax step (001:237)."""
    return BudgetCompilation(draft_id, year, region_code, tax_cosign_required, _budget_lines(lines))


def revise_lines(compilation: BudgetCompilation, lines: Iterable[BudgetLine]) -> BudgetCompilation:
    """Change the figures while drafting; changed revenue needs tax's confirmation again."""
    compilation.check_drafting()
    return replace(compilation, lines=_budget_lines(lines))


def record_tax_confirmation(
    compilation: BudgetCompilation, by: str, at: datetime, revenue: Mapping[str, int] | None = None
) -> BudgetCompilation:
    """Tax co-signed the revenue figures (tax.budget_draft.revenue_confirmed). ``revenue`` is what tax
    signed, per scheme; when it differs from the draft, the draft is not co-signed until tax signs again."""
    _aware(at)
    _actor(by, "tax", "confirming the revenue figures")
    compilation.check_drafting()
    if revenue is None:
        return replace(compilation, tax_confirmed_revenue=_revenue(compilation.lines))
    signed = tuple(sorted((_scheme(s), _fen(v, f"{s} revenue")) for s, v in revenue.items()))
    return replace(compilation, tax_confirmed_revenue=signed)


# Tax co-signs the revenue side in Hainan (004:22); Hengshui's chain has no tax step (001:237). By region-code
# prefix, longest first; a region not listed needs no co-signature.
TAX_COSIGN_BY_REGION_PREFIX: Mapping[str, bool] = MappingProxyType({"46": True, "1311": False})


def tax_cosign_required_for(region_code: str, config: Mapping[str, bool] = TAX_COSIGN_BY_REGION_PREFIX) -> bool:
    prefixes = sorted((p for p in config if region_code.startswith(p)), key=len)
    return bool(prefixes) and config[prefixes[-1]]


def submit_budget_draft(
    compilation: BudgetCompilation, by: str, at: datetime
) -> tuple[BudgetCompilation, BudgetDraftSubmitted]:
    """HO-08: the center hands the draft to healthcare security."""
    at = _aware(at)
    _actor(by, "hs_center", "submitting the budget draft")
    compilation.check_drafting()
    if compilation.tax_cosign_required and not compilation.tax_cosigned:
        raise TaxCosignatureMissing(
            f"draft {compilation.draft_id} needs tax's co-signature on the revenue as it now stands; "
            f"ask tax to confirm the revenue figures, then submit"
        )
    new = replace(compilation, status="submitted")
    event = BudgetDraftSubmitted(
        draft_id=compilation.draft_id,
        year=compilation.year,
        region_code=compilation.region_code,
        lines=compilation.lines,
        tax_cosigned=compilation.tax_cosigned,
        revision=compilation.revision,
        at=at,
    )
    return new, event


def take_back_for_revision(
    compilation: BudgetCompilation, returned_by: str, reasons: Iterable[str] | str, at: datetime
) -> BudgetCompilation:
    """A reviewer returned the draft: drafting again, under the next revision number."""
    _aware(at)
    if compilation.status != "submitted":
        raise NotDrafting(
            f"draft {compilation.draft_id} is {compilation.status}; only a submitted draft is returned"
        )
    why = _reasons(reasons)
    if not why:
        raise ReasonsRequired(f"a return of draft {compilation.draft_id} by {returned_by} must carry reasons")
    return replace(compilation, status="drafting", revision=compilation.revision + 1, returned=why)


def record_budget_approved(compilation: BudgetCompilation, at: datetime) -> BudgetCompilation:
    """The chain has ended in approval; the center now executes the budget."""
    _aware(at)
    if compilation.status != "submitted":
        raise NotDrafting(
            f"draft {compilation.draft_id} is {compilation.status}; only a submitted draft is approved"
        )
    return replace(compilation, status="approved")


def _check_approved(compilation: BudgetCompilation, what: str) -> None:
    if compilation.status != "approved":
        raise BudgetNotApproved(
            f"{what} needs an approved budget; draft {compilation.draft_id} is {compilation.status}"
        )


def execution_report_deadline(quarter: str) -> Deadline:
    """[design] HO-12 reports are quarterly (004:24 says "periodically"; 004:37 is quarterly); due by
    the end of the month after the quarter."""
    year, q = parse_quarter(quarter)
    return end_of_month(year + 1, 1) if q == 4 else end_of_month(year, 3 * q + 1)


@dataclass(frozen=True)
class BudgetExecutionReported:
    event_name: ClassVar[str] = "hs_center.budget_execution.reported"
    draft_id: str
    year: int
    period: str
    scheme: Scheme
    revenue_fen: int
    expenditure_fen: int
    budget_revenue_fen: int
    budget_expenditure_fen: int
    at: datetime
    late: bool


def report_execution(
    compilation: BudgetCompilation,
    quarter: str,
    scheme: str,
    revenue_fen: int,
    expenditure_fen: int,
    by: str,
    at: datetime,
) -> BudgetExecutionReported:
    """HO-12: year-to-date revenue and expenditure of one scheme against the approved budget."""
    at = _aware(at)
    _actor(by, "hs_center", "the center's execution report")
    _check_approved(compilation, "an execution report")
    year, _ = parse_quarter(quarter)
    if year != compilation.year:
        raise InvalidPeriod(
            f"{quarter} is outside budget year {compilation.year}; report on that year's quarters"
        )
    line = compilation.line(scheme)
    return BudgetExecutionReported(
        draft_id=compilation.draft_id,
        year=year,
        period=quarter,
        scheme=line.scheme,
        revenue_fen=_fen(revenue_fen, "revenue"),
        expenditure_fen=_fen(expenditure_fen, "expenditure"),
        budget_revenue_fen=line.revenue_fen,
        budget_expenditure_fen=line.expenditure_fen,
        at=at,
        late=execution_report_deadline(quarter).is_overdue(at),
    )


def execution_report_obligations(
    compilation: BudgetCompilation, reported: Iterable[str] = ()
) -> tuple[Obligation, ...]:
    done = set(reported)
    return tuple(
        Obligation(
            f"budget execution report {quarter}",
            "hs_center",
            execution_report_deadline(quarter),
            quarter in done,
        )
        for quarter in (f"{compilation.year}-Q{q}" for q in range(1, 5))
    )


@dataclass(frozen=True)
class BudgetAdjustmentProposed:
    event_name: ClassVar[str] = "hs_center.budget_adjustment.proposed"
    adjustment_id: str
    draft_id: str
    year: int
    region_code: str
    reason: str
    deltas: tuple[BudgetLine, ...]
    tax_cosigned: bool
    at: datetime

    @property
    def delta_revenue_fen(self) -> int:
        return sum(d.revenue_fen for d in self.deltas)

    @property
    def delta_expenditure_fen(self) -> int:
        return sum(d.expenditure_fen for d in self.deltas)

    @property
    def needs_tax(self) -> bool:
        """Revenue changes: the center proposes together with tax (004:25), on tax's signature."""
        return any(d.revenue_fen for d in self.deltas)


def _check_against_budget(compilation: BudgetCompilation, deltas: tuple[BudgetLine, ...]) -> None:
    """Each change applies to a line of the budget as it stands (approved adjustments included) and leaves no
    negative revenue or expenditure."""
    for delta in deltas:
        line = compilation.line(delta.scheme)
        for name in ("revenue_fen", "expenditure_fen"):
            after = getattr(line, name) + getattr(delta, name)
            if after < 0:
                raise InvalidBudgetLines(
                    f"{delta.scheme.value} {name} would fall to {after} fen ({getattr(line, name)} fen budgeted "
                    f"now, change {getattr(delta, name)} fen); a budget line cannot go below zero"
                )


def draft_adjustment(
    compilation: BudgetCompilation, adjustment_id: str, reason: str, deltas: Iterable[BudgetLine], at: datetime
) -> BudgetAdjustmentProposed:
    """HO-13: the center's proposal as it stands before tax co-signs (every guard but tax's signature)."""
    at = _aware(at)
    _check_approved(compilation, "an adjustment")
    deltas = _budget_lines(deltas, signed=True)
    if not reason or not reason.strip():
        raise ReasonsRequired(
            "an adjustment proposal must say which special circumstance requires it (004:25)"
        )
    if all(d.revenue_fen == 0 and d.expenditure_fen == 0 for d in deltas):
        raise InvalidBudgetLines("the proposal changes nothing; give the revenue or expenditure change")
    _check_against_budget(compilation, deltas)
    return BudgetAdjustmentProposed(
        adjustment_id=adjustment_id,
        draft_id=compilation.draft_id,
        year=compilation.year,
        region_code=compilation.region_code,
        reason=reason.strip(),
        deltas=deltas,
        tax_cosigned=False,
        at=at,
    )


def propose_adjustment(
    compilation: BudgetCompilation,
    adjustment_id: str,
    reason: str,
    deltas: Iterable[BudgetLine],
    at: datetime,
    *,
    tax_signed: tuple[int, int] | None = None,
) -> BudgetAdjustmentProposed:
    """HO-13: more spending or less revenue than approved; tax joins when revenue changes (004:25).

    ``tax_signed`` is (revenue change, expenditure change) as tax signed them with its own key
    (``tax.chain_step.signed``, step ``proposed``); a proposal that changes revenue goes out only with tax's
    signature on exactly its figures."""
    event = draft_adjustment(compilation, adjustment_id, reason, deltas, at)
    figures = (event.delta_revenue_fen, event.delta_expenditure_fen)
    if event.needs_tax and tax_signed is None:
        raise TaxCosignatureMissing(
            f"adjustment {adjustment_id} changes revenue; it is proposed together with tax (004:25): it waits for "
            f"tax's signed co-signature of revenue {figures[0]} fen and expenditure {figures[1]} fen"
        )
    if tax_signed is not None and tuple(tax_signed) != figures:
        if event.needs_tax:
            raise TaxFiguresDiffer(
                f"tax signed revenue {tax_signed[0]} fen and expenditure {tax_signed[1]} fen, but adjustment "
                f"{adjustment_id} proposes {figures[0]} and {figures[1]} fen; tax signs the figures proposed"
            )
        tax_signed = None
    return replace(event, tax_cosigned=tax_signed is not None)


class AdjustmentAlreadyApplied(DomainError): ...


def apply_adjustment(
    compilation: BudgetCompilation, adjustment_id: str, deltas: Iterable[BudgetLine], at: datetime
) -> BudgetCompilation:
    """The chain approved the adjustment (004:25): its changes apply to the budget lines. Applying the same
    adjustment twice is refused (the caller checks ``applied`` first to stay idempotent)."""
    at = _aware(at)
    _check_approved(compilation, "applying an adjustment")
    if applied(compilation, adjustment_id):
        raise AdjustmentAlreadyApplied(f"adjustment {adjustment_id} is already applied to {compilation.draft_id}")
    deltas = _budget_lines(deltas, signed=True)
    _check_against_budget(compilation, deltas)
    return replace(compilation, adjustments=(*compilation.adjustments, AppliedAdjustment(adjustment_id, deltas, at)))


def applied(compilation: BudgetCompilation, adjustment_id: str) -> bool:
    return any(a.adjustment_id == adjustment_id for a in compilation.adjustments)


def budget_figures(compilation: BudgetCompilation) -> list[dict]:
    """Per scheme, in fen: the budget as approved, the sum of the approved adjustments, and the adjusted budget."""
    out = []
    for line, now in zip(compilation.lines, compilation.adjusted_lines, strict=True):
        out.append({
            "scheme": line.scheme.value,
            "original": {"revenue_fen": line.revenue_fen, "expenditure_fen": line.expenditure_fen,
                         "balance_fen": line.balance_fen},
            "adjustment": {"revenue_fen": now.revenue_fen - line.revenue_fen,
                           "expenditure_fen": now.expenditure_fen - line.expenditure_fen,
                           "balance_fen": now.balance_fen - line.balance_fen},
            "adjusted": {"revenue_fen": now.revenue_fen, "expenditure_fen": now.expenditure_fen,
                         "balance_fen": now.balance_fen},
        })
    return out


@dataclass(frozen=True)
class FinalAccountsSubmitted:
    event_name: ClassVar[str] = "hs_center.final_accounts.submitted"
    draft_id: str
    year: int
    region_code: str
    lines: tuple[BudgetLine, ...]
    at: datetime

    @property
    def rolling_balance_fen(self) -> int:
        return sum(line.balance_fen for line in self.lines)


def submit_final_accounts(
    draft_id: str, year: int, region_code: str, lines: Iterable[BudgetLine], by: str, at: datetime
) -> FinalAccountsSubmitted:
    """HO-14: the center compiles the final-accounts draft (actuals and rolling balance per scheme)."""
    at = _aware(at)
    _actor(by, "hs_center", "compiling the final-accounts draft")
    return FinalAccountsSubmitted(draft_id, year, region_code, _budget_lines(lines), at)


# --- 2. quarterly fund-use plans (HO-15, HO-16) -----------------------------------------------------


class MonthOutsideQuarter(DomainError): ...


class DuplicateLine(DomainError): ...


class EmptyPlan(DomainError): ...


class BasisRequired(DomainError): ...


class UnexpectedRegion(DomainError): ...


class DuplicatePlan(DomainError): ...


class WrongQuarter(DomainError): ...


class ConsolidationTooEarly(DomainError): ...


def city_plan_deadline(quarter: str) -> Deadline:
    """HO-15: before the 20th of the 2nd month of the quarter before ``quarter`` (004:34), inclusive."""
    year, month = parse_month(quarter_months(prior_quarter(quarter))[1])
    return day_of_month(year, month, 20)


def consolidation_deadline(quarter: str) -> Deadline:
    """HO-16: before the 10th of the 3rd month of the quarter before ``quarter`` (004:34), inclusive."""
    year, month = parse_month(quarter_months(prior_quarter(quarter))[2])
    return day_of_month(year, month, 10)


def _check_month_line(line: PlanLine | ApprovedLine, what: str) -> None:
    """A month × scheme amount in fen, as applied for (PlanLine) or approved (ApprovedLine): the scheme
    normalised, the month and the amount checked when the line is made."""
    object.__setattr__(line, "scheme", _scheme(line.scheme))
    parse_month(line.month)
    _fen(line.amount_fen, what)


@dataclass(frozen=True)
class PlanLine:
    month: str
    scheme: Scheme
    amount_fen: int

    def __post_init__(self) -> None:
        _check_month_line(self, f"plan amount for {self.month} {self.scheme}")


@dataclass(frozen=True)
class RegionPlanLine:
    region_code: str
    month: str
    scheme: Scheme
    amount_fen: int


@dataclass(frozen=True)
class FundUsePlan:
    """A city/county center's application for next quarter's money, per month × scheme."""

    plan_id: str
    quarter: str
    region_code: str
    lines: tuple[PlanLine, ...]
    basis: str
    submitted_at: datetime

    @property
    def late(self) -> bool:
        return city_plan_deadline(self.quarter).is_overdue(self.submitted_at)

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


@dataclass(frozen=True)
class FundUsePlanSubmitted:
    event_name: ClassVar[str] = "hs_center.fund_use_plan.submitted"
    plan_id: str
    quarter: str
    region_code: str
    lines: tuple[PlanLine, ...]
    basis: str
    submitted_at: datetime


@dataclass(frozen=True)
class FundUsePlanOverdue:
    """Alert: a city/county plan was not in by its deadline."""

    event_name: ClassVar[str] = "hs_center.fund_use_plan.overdue"  # [design] alert name
    quarter: str
    region_code: str
    due_at: datetime
    detected_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True)
class ConsolidatedPlan:
    plan_id: str
    quarter: str
    lines: tuple[RegionPlanLine, ...]
    missing_regions: tuple[str, ...]
    consolidated_at: datetime

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


@dataclass(frozen=True)
class FundUsePlanConsolidated:
    event_name: ClassVar[str] = "hs_center.fund_use_plan.consolidated"
    plan_id: str
    quarter: str
    lines: tuple[RegionPlanLine, ...]
    total_fen: int
    missing_regions: tuple[str, ...]
    at: datetime
    late: bool


def submit_plan(
    plan_id: str,
    quarter: str,
    region_code: str,
    lines: Iterable[PlanLine],
    basis: str,
    at: datetime,
) -> tuple[FundUsePlan, tuple[FundUsePlanSubmitted | FundUsePlanOverdue, ...]]:
    """HO-15: a city/county center applies for ``quarter``; a late plan also raises the overdue alert."""
    at = _aware(at)
    months = quarter_months(quarter)
    lines = tuple(lines)
    if not lines:
        raise EmptyPlan(
            f"the plan of {region_code} for {quarter} has no lines; give an amount per month and scheme"
        )
    keys = set()
    for line in lines:
        if line.month not in months:
            raise MonthOutsideQuarter(f"{line.month} is not in {quarter} ({', '.join(months)})")
        if (line.month, line.scheme) in keys:
            raise DuplicateLine(f"the plan has two lines for {line.month} {line.scheme.value}; merge them")
        keys.add((line.month, line.scheme))
    if not basis or not basis.strip():
        raise BasisRequired("a fund-use plan must name the budget line it draws on (basis)")
    ordered = tuple(sorted(lines, key=lambda ln: (ln.month, ln.scheme.value)))
    plan = FundUsePlan(plan_id, quarter, region_code, ordered, basis.strip(), at)
    events: list[FundUsePlanSubmitted | FundUsePlanOverdue] = [
        FundUsePlanSubmitted(plan_id, quarter, region_code, ordered, plan.basis, at)
    ]
    if plan.late:
        events.append(FundUsePlanOverdue(quarter, region_code, city_plan_deadline(quarter).due_at, at, at))
    return plan, tuple(events)


def _on_time(plans: Iterable[FundUsePlan]) -> dict[str, FundUsePlan]:
    return {p.region_code: p for p in plans if not p.late}


def flag_late_plans(
    quarter: str, expected_regions: Iterable[str], plans: Iterable[FundUsePlan], now: datetime
) -> tuple[FundUsePlanOverdue, ...]:
    """Once the deadline has passed, one alert per expected region without an on-time plan."""
    now = _aware(now, "now")
    deadline = city_plan_deadline(quarter)
    if not deadline.is_overdue(now):
        return ()
    plans = [p for p in plans if p.quarter == quarter]
    received = {p.region_code: p for p in plans}
    on_time = _on_time(plans)
    return tuple(
        FundUsePlanOverdue(
            quarter,
            region,
            deadline.due_at,
            now,
            received[region].submitted_at if region in received else None,
        )
        for region in sorted(set(expected_regions))
        if region not in on_time
    )


def plan_obligations(
    quarter: str, expected_regions: Iterable[str], plans: Iterable[FundUsePlan], consolidated: bool = False
) -> tuple[Obligation, ...]:
    received = {p.region_code for p in plans if p.quarter == quarter}
    cities = tuple(
        Obligation(
            f"fund-use plan {quarter} from {region}",
            f"hs_center:{region}",
            city_plan_deadline(quarter),
            region in received,
        )
        for region in sorted(set(expected_regions))
    )
    province = Obligation(
        f"consolidated fund-use plan {quarter}",
        "hs_center:province",
        consolidation_deadline(quarter),
        consolidated,
    )
    return (*cities, province)


def consolidate(
    plan_id: str,
    quarter: str,
    expected_regions: Iterable[str],
    plans: Iterable[FundUsePlan],
    at: datetime,
    *,
    accept_late: bool = False,
) -> tuple[ConsolidatedPlan, FundUsePlanConsolidated]:
    """HO-16: the provincial center consolidates the on-time plans; the others are ``missing_regions``."""
    at = _aware(at)
    expected = sorted(set(expected_regions))
    plans = tuple(plans)
    seen: set[str] = set()
    for plan in plans:
        if plan.quarter != quarter:
            raise WrongQuarter(f"plan {plan.plan_id} is for {plan.quarter}, not {quarter}; leave it out")
        if plan.region_code not in expected:
            raise UnexpectedRegion(f"{plan.region_code} is not among the regions of this consolidation")
        if plan.region_code in seen:
            raise DuplicatePlan(f"two plans from {plan.region_code} for {quarter}; keep the one in force")
        seen.add(plan.region_code)
    deadline = city_plan_deadline(quarter)
    if not deadline.is_overdue(at) and seen != set(expected):
        waiting = ", ".join(r for r in expected if r not in seen)
        raise ConsolidationTooEarly(
            f"{waiting} may still submit until {deadline.due_at.isoformat()}; wait for the deadline "
            f"or for every region's plan before consolidating"
        )
    included = [p for p in plans if accept_late or not p.late]
    lines = tuple(
        sorted(
            (
                RegionPlanLine(p.region_code, ln.month, ln.scheme, ln.amount_fen)
                for p in included
                for ln in p.lines
            ),
            key=lambda ln: (ln.month, ln.region_code, ln.scheme.value),
        )
    )
    missing = tuple(r for r in expected if r not in {p.region_code for p in included})
    result = ConsolidatedPlan(plan_id, quarter, lines, missing, at)
    event = FundUsePlanConsolidated(
        plan_id=plan_id,
        quarter=quarter,
        lines=lines,
        total_fen=result.total_fen,
        missing_regions=missing,
        at=at,
        late=consolidation_deadline(quarter).is_overdue(at),
    )
    return result, event


# --- 3. disbursement to city/county expenditure accounts (HO-19) ------------------------------------


class UnknownAccount(DomainError, LookupError): ...


class InsufficientFunds(DomainError): ...


class DuplicateAllocation(DomainError): ...


class DuplicateDisbursement(DomainError): ...


class NotInApprovedSplit(DomainError): ...


class DisbursementExceedsApprovedSplit(DomainError): ...


class DisbursementExceedsAllocation(DomainError): ...


class AccountBook(Protocol):
    """The ledger the service keeps (e.g. ``services.finance.domain.Ledger``): balances in fen and a
    move that returns the new book."""

    def balance(self, account: str) -> int: ...

    def moved(self, from_account: str, to_account: str, amount_fen: int) -> AccountBook: ...


Book = TypeVar("Book", bound=AccountBook)


def provincial_expenditure_account(scheme: str) -> str:
    return f"provincial_expenditure:{_scheme(scheme).value}"


def expenditure_account(region_code: str, scheme: str) -> str:
    """A city/county center's expenditure account for a scheme (004:19)."""
    return f"expenditure:{region_code}:{_scheme(scheme).value}"


def disbursement_deadline(month: str) -> Deadline:
    """HO-19: the provincial expenditure account pays month M before the 5th of M (004:34), inclusive."""
    year, m = parse_month(month)
    return day_of_month(year, m, 5)


@dataclass(frozen=True)
class ApprovedLine:
    """One line of finance's approved split (HO-17), as the provincial center received it."""

    region_code: str
    month: str
    scheme: Scheme
    amount_fen: int

    def __post_init__(self) -> None:
        _check_month_line(self, f"approved amount for {self.region_code} {self.month}")


@dataclass(frozen=True)
class AllocationReceived:
    event_name: ClassVar[str] = "hs_center.fund.allocation_received"
    allocation_id: str
    plan_id: str
    month: str
    scheme: Scheme
    amount_fen: int
    at: datetime


@dataclass(frozen=True)
class FundDisbursed:
    event_name: ClassVar[str] = "hs_center.fund.disbursed"
    disbursement_id: str
    plan_id: str
    month: str
    region_code: str
    scheme: Scheme
    amount_fen: int
    from_account: str
    to_account: str
    at: datetime
    late: bool


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class DisbursementBook:
    """The provincial center's record for one quarter: approved split, allocations received, payments."""

    plan_id: str
    quarter: str
    approved: Mapping[tuple[str, str, Scheme], int]
    allocated: Mapping[tuple[str, Scheme], int] = field(default_factory=dict)
    disbursed: Mapping[tuple[str, str, Scheme], int] = field(default_factory=dict)
    allocation_ids: frozenset[str] = frozenset()
    disbursement_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("approved", "allocated", "disbursed"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def allocated_for(self, month: str, scheme: str) -> int:
        return self.allocated.get((month, _scheme(scheme)), 0)

    def disbursed_for(self, month: str, scheme: str, region_code: str | None = None) -> int:
        return sum(
            amount
            for (region, m, s), amount in self.disbursed.items()
            if m == month and s == scheme and (region_code is None or region == region_code)
        )

    def check_can_disburse(self, region_code: str, month: str, scheme: Scheme, amount_fen: int) -> None:
        key = (region_code, month, scheme)
        if key not in self.approved:
            raise NotInApprovedSplit(
                f"the approved plan {self.plan_id} has no line for {region_code} {month} {scheme.value}; "
                f"only approved lines are paid"
            )
        approved, paid = self.approved[key], self.disbursed.get(key, 0)
        if paid + amount_fen > approved:
            raise DisbursementExceedsApprovedSplit(
                f"paying {amount_fen} fen to {region_code} for {month} {scheme.value} would bring it to "
                f"{paid + amount_fen} fen, above its approved {approved} fen "
                f"({approved - paid} fen still open); "
                f"pay at most {approved - paid} fen"
            )
        allocated, out = self.allocated_for(month, scheme), self.disbursed_for(month, scheme)
        if out + amount_fen > allocated:
            raise DisbursementExceedsAllocation(
                f"paying {amount_fen} fen for {month} {scheme.value} would bring payments to "
                f"{out + amount_fen} fen, "
                f"above the {allocated} fen finance allocated ({allocated - out} fen left); "
                f"pay at most {allocated - out} fen or wait for finance's allocation"
            )

    def obligations(self) -> tuple[Obligation, ...]:
        """One per approved region × month × scheme; met once paid in full."""
        return tuple(
            Obligation(
                f"disburse {month} {scheme.value} to {region} (plan {self.plan_id})",
                "hs_center:province",
                disbursement_deadline(month),
                self.disbursed.get((region, month, scheme), 0) >= amount,
            )
            for (region, month, scheme), amount in sorted(self.approved.items())
            if amount > 0
        )


def open_disbursement_book(
    plan_id: str, quarter: str, approved_lines: Iterable[ApprovedLine]
) -> DisbursementBook:
    months = quarter_months(quarter)
    approved: dict[tuple[str, str, Scheme], int] = {}
    for line in approved_lines:
        if line.month not in months:
            raise MonthOutsideQuarter(f"{line.month} is not in {quarter}; the approved split is per quarter")
        key = (line.region_code, line.month, line.scheme)
        if key in approved:
            raise DuplicateLine(f"the approved split has two lines for {line.region_code} {line.month}")
        approved[key] = line.amount_fen
    return DisbursementBook(plan_id=plan_id, quarter=quarter, approved=approved)


def receive_allocation(
    book: DisbursementBook, allocation_id: str, month: str, scheme: str, amount_fen: int, at: datetime
) -> tuple[DisbursementBook, AllocationReceived]:
    """Record finance's allocation (HO-18) for a month of this quarter."""
    at = _aware(at)
    scheme = _scheme(scheme)
    if allocation_id in book.allocation_ids:
        raise DuplicateAllocation(f"allocation {allocation_id} is already recorded; do not book it twice")
    if month not in quarter_months(book.quarter):
        raise MonthOutsideQuarter(f"{month} is not in {book.quarter}; record it in that quarter's book")
    _fen(amount_fen, "allocation amount", positive=True)
    key = (month, scheme)
    new = replace(
        book,
        allocated={**book.allocated, key: book.allocated.get(key, 0) + amount_fen},
        allocation_ids=book.allocation_ids | {allocation_id},
    )
    return new, AllocationReceived(allocation_id, book.plan_id, month, scheme, amount_fen, at)


def disburse(
    book: DisbursementBook,
    ledger: Book,
    disbursement_id: str,
    region_code: str,
    month: str,
    scheme: str,
    amount_fen: int,
    at: datetime,
) -> tuple[DisbursementBook, Book, FundDisbursed]:
    """HO-19: pay a city/county expenditure account from the provincial expenditure account."""
    at = _aware(at)
    scheme = _scheme(scheme)
    if disbursement_id in book.disbursement_ids:
        raise DuplicateDisbursement(
            f"disbursement {disbursement_id} is already recorded; do not pay it twice"
        )
    _fen(amount_fen, "disbursement amount", positive=True)
    book.check_can_disburse(region_code, month, scheme, amount_fen)
    source, target = provincial_expenditure_account(scheme), expenditure_account(region_code, scheme)
    try:
        available = ledger.balance(source)
        ledger.balance(target)
    except LookupError as missing:
        raise UnknownAccount(f"{missing}; open the account before paying into or out of it") from None
    if amount_fen > available:
        raise InsufficientFunds(
            f"{source} holds {available} fen, {amount_fen} fen cannot be paid to {target} "
            f"({amount_fen - available} fen short)"
        )
    ledger = ledger.moved(source, target, amount_fen)  # type: ignore[assignment]
    key = (region_code, month, scheme)
    new = replace(
        book,
        disbursed={**book.disbursed, key: book.disbursed.get(key, 0) + amount_fen},
        disbursement_ids=book.disbursement_ids | {disbursement_id},
    )
    event = FundDisbursed(
        disbursement_id=disbursement_id,
        plan_id=book.plan_id,
        month=month,
        region_code=region_code,
        scheme=scheme,
        amount_fen=amount_fen,
        from_account=source,
        to_account=target,
        at=at,
        late=disbursement_deadline(month).is_overdue(at),
    )
    return new, ledger, event


@dataclass(frozen=True)
class Accounts:
    """The center's expenditure accounts (支出户) and their balances in fen: credited by finance's allocations,
    debited by disbursements. No account goes below zero, so a move never changes the sum."""

    balances: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for account, amount in self.balances.items():
            _fen(amount, f"balance of {account}")
        object.__setattr__(self, "balances", _frozen(self.balances))

    def balance(self, account: str) -> int:
        if account not in self.balances:
            raise UnknownAccount(f"no account {account!r}")
        return self.balances[account]

    def credited(self, account: str, amount_fen: int) -> Accounts:
        _fen(amount_fen, f"amount credited to {account}", positive=True)
        return Accounts({**self.balances, account: self.balances.get(account, 0) + amount_fen})

    def opened(self, account: str) -> Accounts:
        return self if account in self.balances else Accounts({**self.balances, account: 0})

    def moved(self, from_account: str, to_account: str, amount_fen: int) -> Accounts:
        _fen(amount_fen, "amount moved", positive=True)
        if self.balance(from_account) < amount_fen:
            raise InsufficientFunds(f"{from_account} holds {self.balances[from_account]} fen, not {amount_fen}")
        self.balance(to_account)
        return Accounts({**self.balances, from_account: self.balances[from_account] - amount_fen,
                         to_account: self.balances[to_account] + amount_fen})


def center_accounts(allocations: Iterable[tuple[str, int]],
                    disbursements: Iterable[tuple[str, str, int]]) -> Accounts:
    """Balances rebuilt from what was received (scheme, fen) and paid out (region, scheme, fen)."""
    accounts = Accounts()
    for scheme, amount in allocations:
        accounts = accounts.opened(provincial_expenditure_account(scheme)).credited(
            provincial_expenditure_account(scheme), amount)
    for region, scheme, amount in disbursements:
        accounts = accounts.opened(expenditure_account(region, scheme)).moved(
            provincial_expenditure_account(scheme), expenditure_account(region, scheme), amount)
    return accounts


# --- 4. long-term care funding the center transfers (HO-41, Hongze 003:86) -------------------------------


class LtcPart(StrEnum):
    PERSONAL = "personal"  # collected with the insured's contributions, transferred in January
    POOL_FUND = "pool_fund"  # from the medical-insurance pool fund, by the end of January


LTC_PER_PERSON_FEN = {LtcPart.PERSONAL: 1000, LtcPart.POOL_FUND: 6000}  # 10 + 60 of the 80 yuan a year
LTC_PERSONAL_WAIVED_YEARS = frozenset({2023})  # 003:86: the personal part was waived in 2023


@dataclass(frozen=True)
class LtcContributionTransferred:
    event_name: ClassVar[str] = "hs_center.ltc_contribution.transferred"
    year: int
    part: LtcPart
    insured_person_count: int
    per_person_fen: int
    amount_fen: int
    waived: bool
    at: datetime
    late: bool


def ltc_transfer_deadline(year: int) -> Deadline:
    """Both of the center's parts reach the city special account by the end of January (003:86)."""
    return end_of_month(year, 1)


def transfer_ltc_part(
    year: int, part: str, insured_person_count: int, at: datetime,
    *, waived_years: frozenset[int] = LTC_PERSONAL_WAIVED_YEARS,
) -> LtcContributionTransferred:
    """The amount is the seed's per-person figure times the persons funded; a waived part is sent as 0."""
    at = _aware(at)
    try:
        part = LtcPart(part)
    except ValueError:
        raise DomainError(f"unknown LTC part {part!r}; the center transfers 'personal' or 'pool_fund'") from None
    count = _fen(insured_person_count, "insured person count")
    waived = part is LtcPart.PERSONAL and year in waived_years
    per_person = LTC_PER_PERSON_FEN[part]
    return LtcContributionTransferred(year, part, count, per_person, 0 if waived else per_person * count, waived,
                                      at, ltc_transfer_deadline(year).is_overdue(at))


# --- 5. the adjustment's way back (HO-13) and quarterly fund operation reports (HO-20) ---------------------


class NotReturned(DomainError): ...


class DuplicateReport(DomainError): ...


REVISABLE = ("returned", "awaiting_tax", "refused_by_tax")


def check_adjustment_revisable(adjustment_id: str, status: str) -> None:
    """A proposal is sent again only after a reviewer or approver returned it (004:25 chain, finance tracks it);
    one that still waits for tax's co-signature, or that tax refused, may be revised too."""
    if status not in REVISABLE:
        raise NotReturned(
            f"adjustment {adjustment_id} is {status}; it is proposed again only after it is returned for revision"
        )


def operation_report_deadline(quarter: str) -> Deadline:
    """[design] HO-20: 004:37 sets no date. A city/county center's quarterly fund operation report is due by the
    15th of the month after the quarter, so the province can report by that month's end."""
    year, q = parse_quarter(quarter)
    return day_of_month(year + 1, 1, 15) if q == 4 else day_of_month(year, 3 * q + 1, 15)


def provincial_operation_report_deadline(quarter: str) -> Deadline:
    """[design] HO-20: the provincial report to healthcare_security and finance by the end of the month after the
    quarter, in step with the execution report (HO-12)."""
    return execution_report_deadline(quarter)


@dataclass(frozen=True)
class OperationLine:
    """One scheme's quarter: revenue and expenditure in the quarter, balance and insured persons at its end."""

    scheme: Scheme
    revenue_fen: int
    expenditure_fen: int
    rolling_balance_fen: int
    insured_person_count: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "scheme", _scheme(self.scheme))
        _fen(self.revenue_fen, f"{self.scheme.value} revenue")
        _fen(self.expenditure_fen, f"{self.scheme.value} expenditure")
        _fen(self.rolling_balance_fen, f"{self.scheme.value} rolling balance", signed=True)
        _fen(self.insured_person_count, f"{self.scheme.value} insured person count")


@dataclass(frozen=True)
class OperationReport:
    report_id: str
    quarter: str
    region_code: str
    lines: tuple[OperationLine, ...]
    reported_at: datetime

    @property
    def late(self) -> bool:
        return operation_report_deadline(self.quarter).is_overdue(self.reported_at)


def report_operation(report_id: str, quarter: str, region_code: str, lines: Iterable[OperationLine],
                     at: datetime) -> OperationReport:
    """HO-20: a city/county center's quarter, one line per scheme; reported once the quarter has ended."""
    at = _aware(at)
    lines = tuple(sorted(lines, key=lambda ln: ln.scheme.value))
    if not lines:
        raise InvalidBudgetLines("give at least one scheme line (employee, resident)")
    if len({ln.scheme for ln in lines}) != len(lines):
        raise InvalidBudgetLines("one line per scheme; merge the duplicates")
    first_due_month = operation_report_deadline(quarter).due_at
    if at < first_due_month.replace(day=1, hour=0, minute=0, second=0, microsecond=0):
        raise InvalidPeriod(f"{quarter} has not ended; report its fund operation after the quarter")
    return OperationReport(report_id, quarter, region_code, lines, at)


def consolidate_operation_reports(
    report_id: str, quarter: str, expected_regions: Iterable[str], reports: Iterable[OperationReport], at: datetime
) -> tuple[tuple[OperationLine, ...], tuple[str, ...]]:
    """The provincial center's quarterly report: the sum per scheme of the cities' reports, and the regions
    missing. Before the cities' deadline it waits for every region; after it, it goes without the missing."""
    at = _aware(at)
    expected = tuple(sorted(set(expected_regions)))
    by_region = {r.region_code: r for r in reports if r.quarter == quarter and r.region_code in expected}
    missing = tuple(r for r in expected if r not in by_region)
    deadline = operation_report_deadline(quarter)
    if missing and not deadline.is_overdue(at):
        raise ConsolidationTooEarly(
            f"{', '.join(missing)} may still report until {deadline.due_at.isoformat()}; wait for them or the deadline"
        )
    sums: dict[Scheme, list[int]] = {}
    for report in by_region.values():
        for ln in report.lines:
            acc = sums.setdefault(ln.scheme, [0, 0, 0, 0])
            for i, v in enumerate((ln.revenue_fen, ln.expenditure_fen, ln.rolling_balance_fen,
                                   ln.insured_person_count)):
                acc[i] += v
    lines = tuple(OperationLine(s, *v) for s, v in sorted(sums.items(), key=lambda kv: kv[0].value))
    return lines, missing


def operation_report_obligations(
    quarter: str, expected_regions: Iterable[str], reported: Iterable[str], consolidated: bool
) -> tuple[Obligation, ...]:
    done = set(reported)
    owed = [Obligation(f"fund operation report {quarter} from {region}", f"hs_center:{region}",
                       operation_report_deadline(quarter), region in done) for region in sorted(set(expected_regions))]
    owed.append(Obligation(f"provincial fund operation report {quarter}", "hs_center:province",
                           provincial_operation_report_deadline(quarter), consolidated))
    return tuple(owed)
