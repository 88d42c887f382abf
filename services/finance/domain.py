"""Finance (财政) side of the fund's money cycle: pure rules, no I/O (domain.md §4.9, §4.10, §8).

Rules take values and return new values plus the events they cause; refusals raise a named
:class:`DomainError` whose message says what to do. Money is ``int`` fen throughout.

1. Approval chains (HO-08…HO-14): :class:`BudgetChain` configurations for the budget (Hainan, Hengshui),
   the budget adjustment and the final accounts; :class:`BudgetDraft` moves along one with
   :func:`submit`, :func:`advance` and :func:`return_for_revision`.
2. Joint review of the quarterly fund-use plan (HO-17): :func:`review_fund_use_plan`.
3. Ledger and monthly allocation (HO-18): :class:`Ledger`, :class:`AllocationBook`, :func:`allocate`.
4. Deficit responsibility sharing (HO-40): :func:`share_deficit`, :func:`split_by_weights`.
5. Long-term-care funding (HO-41, Hongze) and the resident matching subsidy (HO-07).
6. Deadlines: every one is a :class:`shared.deadlines.Deadline`; :class:`Obligation`,
   :func:`open_deadlines` and :func:`overdue` list what is still owed.

Return-for-revision rule (design, §4.9 is silent). A reviewer whose step is pending may return the
draft with reasons; it goes back to the opening state (``compiling`` / ``proposed``) with
``resume_at`` naming the returning step. On resubmission the chain resumes *at that step*: approvals
given before it stay recorded and are not asked for again, because the reviewer who asked for the
change sees it first and every later step runs again anyway. One exception keeps earlier approvals
honest: if the resubmitted figures differ from the returned ones and a joint step (co-signed
submission) lies before the returning step, that joint submission is affected (the signatories signed
other figures), so the chain resumes at the latest such joint step instead, and every signatory signs
the revised figures again. Tax co-signature is required again on every (re)submission where the chain
asks for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import ClassVar

from shared.deadlines import SHANGHAI, Deadline, day_of_month, end_of_month

# --- common values ----------------------------------------------------------------------------------


class DomainError(Exception):
    """A finance rule refused the request. The message says what to do instead."""


class InvalidAmount(DomainError): ...


class InvalidPeriod(DomainError): ...


class Scheme(StrEnum):
    """Fund sub-accounts are kept per scheme (004:18-19)."""

    EMPLOYEE = "employee"  # employee insurance, maternity included
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


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_month(month: str) -> tuple[int, int]:
    """``"2027-01"`` → ``(2027, 1)``."""
    found = _MONTH.match(month) if isinstance(month, str) else None
    if not found:
        raise InvalidPeriod(f"month {month!r} must be written YYYY-MM, e.g. '2027-01'")
    return int(found[1]), int(found[2])


def parse_quarter(quarter: str) -> tuple[int, int]:
    """``"2027-Q1"`` → ``(2027, 1)``."""
    found = _QUARTER.match(quarter) if isinstance(quarter, str) else None
    if not found:
        raise InvalidPeriod(f"quarter {quarter!r} must be written YYYY-Qn, e.g. '2027-Q1'")
    return int(found[1]), int(found[2])


def quarter_months(quarter: str) -> tuple[str, str, str]:
    """The three months of a quarter: ``"2027-Q1"`` → ``("2027-01", "2027-02", "2027-03")``."""
    year, q = parse_quarter(quarter)
    first = 3 * (q - 1) + 1
    return tuple(f"{year}-{m:02d}" for m in range(first, first + 3))  # type: ignore[return-value]


def prior_quarter(quarter: str) -> str:
    """The quarter in which the plan for ``quarter`` is applied for: ``"2027-Q1"`` → ``"2026-Q4"``."""
    year, q = parse_quarter(quarter)
    return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"


def previous_month(month: str) -> str:
    year, m = parse_month(month)
    return f"{year - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def _reasons(reasons: Iterable[str] | str) -> tuple[str, ...]:
    items = (reasons,) if isinstance(reasons, str) else tuple(reasons)
    return tuple(r.strip() for r in items if isinstance(r, str) and r.strip())


# --- deadlines owed ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Obligation:
    """Something a party owes by a deadline; ``met`` once done."""

    what: str
    party: str
    deadline: Deadline
    met: bool = False


def open_deadlines(obligations: Iterable[Obligation]) -> tuple[Obligation, ...]:
    """Obligations not yet met, soonest first."""
    return tuple(sorted((o for o in obligations if not o.met), key=lambda o: (o.deadline.due_at, o.what)))


def overdue(obligations: Iterable[Obligation], now: datetime) -> tuple[Obligation, ...]:
    """Obligations not yet met whose deadline has passed at ``now``."""
    return tuple(o for o in open_deadlines(obligations) if o.deadline.is_overdue(now))


# --- 1. approval chains: budget, adjustment, final accounts (HO-08…HO-14, §4.9) --------------------


class WrongActor(DomainError): ...


class DraftNotSubmitted(DomainError): ...


class DraftAlreadySubmitted(DomainError): ...


class ChainComplete(DomainError): ...


class AlreadySigned(DomainError): ...


class ReasonsRequired(DomainError): ...


class TaxCosignatureMissing(DomainError): ...


class InvalidBudgetLines(DomainError): ...


@dataclass(frozen=True)
class BudgetLine:
    """One scheme's figures. In a budget adjustment they are signed changes (deltas)."""

    scheme: Scheme
    revenue_fen: int
    expenditure_fen: int
    balance_fen: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "scheme", _scheme(self.scheme))


@dataclass(frozen=True)
class ChainEvent:
    """A step of an approval chain was completed by ``signed_by``."""

    event_name: ClassVar[str] = ""
    draft_id: str
    kind: str
    year: int
    region_code: str
    signed_by: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class _DraftSubmitted(ChainEvent):
    lines: tuple[BudgetLine, ...]
    tax_cosigned: bool
    resumes_at: str | None


@dataclass(frozen=True)
class BudgetDraftSubmitted(_DraftSubmitted):
    event_name = "hs_center.budget_draft.submitted"


@dataclass(frozen=True)
class BudgetAdjustmentProposed(_DraftSubmitted):
    event_name = "hs_center.budget_adjustment.proposed"


@dataclass(frozen=True)
class FinalAccountsSubmitted(_DraftSubmitted):
    event_name = "hs_center.final_accounts.submitted"


@dataclass(frozen=True)
class BudgetDraftReviewedByHealthcareSecurity(ChainEvent):
    event_name = "healthcare_security.budget_draft.reviewed"


@dataclass(frozen=True)
class BudgetDraftReviewedByFinance(ChainEvent):
    event_name = "finance.budget_draft.reviewed"


@dataclass(frozen=True)
class BudgetJointSubmissionSent(ChainEvent):
    event_name = "budget.joint_submission.sent"


@dataclass(frozen=True)
class BudgetApprovedByGovernment(ChainEvent):
    event_name = "people_government.budget.approved"


@dataclass(frozen=True)
class BudgetApprovedByCongress(ChainEvent):
    event_name = "peoples_congress.budget.approved"


@dataclass(frozen=True)
class BudgetFiledWithProvince(ChainEvent):
    event_name = "finance.budget.filed_with_province"  # [design] name; filing per 004:22


@dataclass(frozen=True)
class BudgetAdjustmentReviewed(ChainEvent):
    event_name = "budget_adjustment.local_review.completed"  # [design] name


@dataclass(frozen=True)
class BudgetAdjustmentAgreedByGovernment(ChainEvent):
    event_name = "people_government.budget_adjustment.agreed"  # [design] name


@dataclass(frozen=True)
class BudgetAdjustmentCompiledByProvince(ChainEvent):
    event_name = "budget_adjustment.provincial_plan.compiled"  # [design] name


@dataclass(frozen=True)
class BudgetAdjustmentApprovedByProvincialGovernment(ChainEvent):
    event_name = "people_government.budget_adjustment.approved"


@dataclass(frozen=True)
class BudgetAdjustmentApprovedByStandingCommittee(ChainEvent):
    event_name = "peoples_congress.budget_adjustment.approved"  # [design] name


@dataclass(frozen=True)
class FinalAccountsReviewedByHealthcareSecurity(ChainEvent):
    event_name = "healthcare_security.final_accounts.reviewed"  # [design] name


@dataclass(frozen=True)
class FinalAccountsReviewedByFinance(ChainEvent):
    event_name = "finance.final_accounts.reviewed"  # [design] name


@dataclass(frozen=True)
class FinalAccountsJointSubmissionSent(ChainEvent):
    event_name = "final_accounts.joint_submission.sent"  # [design] name


@dataclass(frozen=True)
class FinalAccountsApproved(ChainEvent):
    event_name = "people_government.final_accounts.approved"


@dataclass(frozen=True)
class JointSignatureRecorded(ChainEvent):
    """One signatory of a joint step signed; the step completes with the last signature."""

    event_name = "budget_chain.joint_signature.recorded"  # [design] name
    step: str
    awaiting: tuple[str, ...]


@dataclass(frozen=True)
class DraftReturnedForRevision(ChainEvent):
    event_name = "budget_chain.draft.returned_for_revision"  # [design] name; HO-09 decision=returned
    reasons: tuple[str, ...]
    resume_at: str


class TaxCosign(StrEnum):
    ALWAYS = "always"
    IF_REVENUE_CHANGES = "if_revenue_changes"
    NEVER = "never"


@dataclass(frozen=True)
class ChainStep:
    """Completing the step moves the draft to ``state``. A joint step needs every actor's signature."""

    state: str
    actors: tuple[str, ...]
    event: type[ChainEvent]
    joint: bool = False

    def check_actor(self, by: str) -> None:
        if by not in self.actors:
            who = " + ".join(self.actors)
            raise WrongActor(
                f"step {self.state!r} is for {who}; {by!r} cannot perform it. "
                f"Wait for {who} to act on the draft"
            )


@dataclass(frozen=True)
class BudgetChain:
    """One jurisdiction's route for a budget draft, adjustment or final accounts (§11 item 1)."""

    chain_id: str
    kind: str
    opening: str
    compiler: str
    submitted_event: type[_DraftSubmitted]
    tax_cosign: TaxCosign
    steps: tuple[ChainStep, ...]
    signed_figures: bool = False  # adjustments carry signed deltas

    def index(self, state: str) -> int:
        """-1 for the opening state, else the position of the step that reaches ``state``."""
        if state == self.opening:
            return -1
        for i, step in enumerate(self.steps):
            if step.state == state:
                return i
        raise DomainError(f"{state!r} is not a state of chain {self.chain_id!r}")

    def state_before(self, step_state: str) -> str:
        i = self.index(step_state)
        return self.opening if i <= 0 else self.steps[i - 1].state

    @property
    def states(self) -> tuple[str, ...]:
        return (self.opening, *(s.state for s in self.steps))


HAINAN_BUDGET = BudgetChain(  # 004:22 (city/county budget), 000:172-193
    chain_id="hainan.budget",
    kind="budget",
    opening="compiling",
    compiler="hs_center",
    submitted_event=BudgetDraftSubmitted,
    tax_cosign=TaxCosign.ALWAYS,
    steps=(
        ChainStep("hs_reviewed", ("healthcare_security",), BudgetDraftReviewedByHealthcareSecurity),
        ChainStep("finance_reviewed", ("finance",), BudgetDraftReviewedByFinance),
        ChainStep(
            "jointly_submitted", ("finance", "healthcare_security", "tax"), BudgetJointSubmissionSent, True
        ),
        ChainStep("government_approved", ("people_government",), BudgetApprovedByGovernment),
        ChainStep("congress_approved", ("peoples_congress",), BudgetApprovedByCongress),
        ChainStep("filed_with_province", ("finance",), BudgetFiledWithProvince),
    ),
)

HENGSHUI_BUDGET = BudgetChain(  # 001:237-256: no tax step, no congress
    chain_id="hengshui.budget",
    kind="budget",
    opening="compiling",
    compiler="hs_center",
    submitted_event=BudgetDraftSubmitted,
    tax_cosign=TaxCosign.NEVER,
    steps=(
        ChainStep("hs_reviewed", ("healthcare_security",), BudgetDraftReviewedByHealthcareSecurity),
        ChainStep("finance_reviewed", ("finance",), BudgetDraftReviewedByFinance),
        ChainStep("jointly_submitted", ("finance", "healthcare_security"), BudgetJointSubmissionSent, True),
        ChainStep("government_approved", ("people_government",), BudgetApprovedByGovernment),
    ),
)

HAINAN_ADJUSTMENT = BudgetChain(  # 004:25; tax joins the proposal only when revenue changes
    chain_id="hainan.adjustment",
    kind="adjustment",
    opening="proposed",
    compiler="hs_center",
    submitted_event=BudgetAdjustmentProposed,
    tax_cosign=TaxCosign.IF_REVENUE_CHANGES,
    signed_figures=True,
    steps=(
        ChainStep("local_reviewed", ("healthcare_security", "finance"), BudgetAdjustmentReviewed, True),
        ChainStep("local_government_agreed", ("people_government",), BudgetAdjustmentAgreedByGovernment),
        ChainStep(
            "province_compiled",
            ("provincial_healthcare_security", "provincial_tax", "provincial_finance"),
            BudgetAdjustmentCompiledByProvince,
            True,
        ),
        ChainStep(
            "provincial_government",
            ("provincial_people_government",),
            BudgetAdjustmentApprovedByProvincialGovernment,
        ),
        ChainStep(
            "npc_standing_committee_approved",
            ("provincial_npc_standing_committee",),
            BudgetAdjustmentApprovedByStandingCommittee,
        ),
    ),
)

FINAL_ACCOUNTS = BudgetChain(  # 004:26, 001:242
    chain_id="final_accounts",
    kind="final_accounts",
    opening="compiling",
    compiler="hs_center",
    submitted_event=FinalAccountsSubmitted,
    tax_cosign=TaxCosign.NEVER,
    steps=(
        ChainStep("hs_reviewed", ("healthcare_security",), FinalAccountsReviewedByHealthcareSecurity),
        ChainStep("finance_reviewed", ("finance",), FinalAccountsReviewedByFinance),
        ChainStep(
            "jointly_submitted", ("finance", "healthcare_security"), FinalAccountsJointSubmissionSent, True
        ),
        ChainStep("government_approved", ("people_government",), FinalAccountsApproved),
    ),
)


@dataclass(frozen=True)
class ChainRecord:
    """One line of a draft's history (``action``: submitted, signed, approved, returned)."""

    at: datetime
    by: str
    action: str
    state: str
    note: str = ""


@dataclass(frozen=True)
class Approval:
    step: str
    signed_by: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class BudgetDraft:
    """A budget draft (or adjustment, or final accounts) on its chain."""

    draft_id: str
    year: int
    region_code: str
    chain: BudgetChain
    state: str
    lines: tuple[BudgetLine, ...] = ()
    submitted: bool = False
    tax_cosigned: bool = False
    resume_at: str | None = None
    signatures: frozenset[str] = frozenset()
    approvals: tuple[Approval, ...] = ()
    history: tuple[ChainRecord, ...] = ()

    @property
    def pending_step(self) -> ChainStep | None:
        """The step waiting to be done; None before submission and once the chain is complete."""
        if not self.submitted:
            return None
        i = self.chain.index(self.state) + 1
        return self.chain.steps[i] if i < len(self.chain.steps) else None

    @property
    def is_complete(self) -> bool:
        return self.submitted and self.pending_step is None

    @property
    def total_revenue_fen(self) -> int:
        return sum(line.revenue_fen for line in self.lines)

    @property
    def total_expenditure_fen(self) -> int:
        return sum(line.expenditure_fen for line in self.lines)

    def check_pending(self, by: str) -> ChainStep:
        """Guard: the draft waits for a step and ``by`` may perform it."""
        if not self.submitted:
            raise DraftNotSubmitted(
                f"draft {self.draft_id} is still being compiled by {self.chain.compiler}; "
                f"wait for its submission before reviewing it"
            )
        step = self.pending_step
        if step is None:
            raise ChainComplete(
                f"draft {self.draft_id} has completed its chain ({self.state}); nothing is left"
            )
        step.check_actor(by)
        return step

    def _event(self, cls: type[ChainEvent], signed_by: tuple[str, ...], at: datetime, **extra) -> ChainEvent:
        return cls(
            draft_id=self.draft_id,
            kind=self.chain.kind,
            year=self.year,
            region_code=self.region_code,
            signed_by=signed_by,
            at=at,
            **extra,
        )


def open_draft(draft_id: str, year: int, region_code: str, chain: BudgetChain) -> BudgetDraft:
    """A new draft in the chain's opening state, with the compiler."""
    return BudgetDraft(
        draft_id=draft_id, year=year, region_code=region_code, chain=chain, state=chain.opening
    )


def _checked_lines(lines: Iterable[BudgetLine], chain: BudgetChain) -> tuple[BudgetLine, ...]:
    lines = tuple(lines)
    if not lines:
        raise InvalidBudgetLines("a draft needs at least one scheme line (employee, resident)")
    seen = [line.scheme for line in lines]
    if len(set(seen)) != len(seen):
        raise InvalidBudgetLines(f"one line per scheme, got {[s.value for s in seen]}; merge the duplicates")
    for line in lines:
        for name in ("revenue_fen", "expenditure_fen", "balance_fen"):
            _fen(getattr(line, name), f"{line.scheme.value} {name}", signed=chain.signed_figures)
    return tuple(sorted(lines, key=lambda line: line.scheme.value))


def submit(
    draft: BudgetDraft, by: str, lines: Iterable[BudgetLine], at: datetime, *, tax_cosigned: bool = False
) -> tuple[BudgetDraft, ChainEvent]:
    """The compiler hands the draft over (HO-08, HO-13, HO-14); after a return it resumes (module doc)."""
    chain = draft.chain
    at = _aware(at)
    if draft.submitted:
        raise DraftAlreadySubmitted(
            f"draft {draft.draft_id} was already submitted and is at {draft.state!r}; "
            f"it can be submitted again only after a reviewer returns it"
        )
    if by != chain.compiler:
        raise WrongActor(f"only {chain.compiler} submits a {chain.kind} draft; {by!r} cannot")
    lines = _checked_lines(lines, chain)
    needs_tax = chain.tax_cosign is TaxCosign.ALWAYS or (
        chain.tax_cosign is TaxCosign.IF_REVENUE_CHANGES and any(line.revenue_fen for line in lines)
    )
    if needs_tax and not tax_cosigned:
        raise TaxCosignatureMissing(
            f"the {chain.kind} draft {draft.draft_id} needs tax's co-signature on the revenue figures "
            f"(tax.budget_draft.revenue_confirmed) before {chain.compiler} submits it"
        )
    resume = draft.resume_at
    if resume is not None and lines != draft.lines:
        before = [s for s in chain.steps[: chain.index(resume)] if s.joint]
        if before:
            resume = before[-1].state  # the joint submission signed other figures
    state = chain.opening if resume is None else chain.state_before(resume)
    kept = (
        draft.approvals
        if resume is None
        else tuple(a for a in draft.approvals if chain.index(a.step) < chain.index(resume))
    )
    note = "" if draft.resume_at is None else f"resumes at {resume}"
    new = replace(
        draft,
        state=state,
        lines=lines,
        submitted=True,
        tax_cosigned=needs_tax and tax_cosigned,
        resume_at=None,
        signatures=frozenset(),
        approvals=kept,
        history=(*draft.history, ChainRecord(at, by, "submitted", state, note)),
    )
    event = draft._event(
        chain.submitted_event,
        (by, "tax") if new.tax_cosigned else (by,),
        at,
        lines=lines,
        tax_cosigned=new.tax_cosigned,
        resumes_at=None if draft.resume_at is None else resume,
    )
    return new, event


def advance(draft: BudgetDraft, by: str, at: datetime) -> tuple[BudgetDraft, ChainEvent]:
    """``by`` approves (or, on a joint step, signs) the pending step."""
    at = _aware(at)
    step = draft.check_pending(by)
    if step.joint:
        if by in draft.signatures:
            awaiting = [a for a in step.actors if a not in draft.signatures]
            raise AlreadySigned(f"{by} already signed {step.state!r}; waiting for {', '.join(awaiting)}")
        signatures = draft.signatures | {by}
        awaiting = tuple(a for a in step.actors if a not in signatures)
        if awaiting:
            new = replace(
                draft,
                signatures=signatures,
                history=(*draft.history, ChainRecord(at, by, "signed", draft.state, step.state)),
            )
            return new, draft._event(JointSignatureRecorded, (by,), at, step=step.state, awaiting=awaiting)
        signed_by = step.actors
    else:
        signed_by = (by,)
    new = replace(
        draft,
        state=step.state,
        signatures=frozenset(),
        approvals=(*draft.approvals, Approval(step.state, signed_by, at)),
        history=(*draft.history, ChainRecord(at, by, "approved", step.state)),
    )
    return new, draft._event(step.event, signed_by, at)


def return_for_revision(
    draft: BudgetDraft, by: str, reasons: Iterable[str] | str, at: datetime
) -> tuple[BudgetDraft, DraftReturnedForRevision]:
    """The reviewer of the pending step sends the draft back to the compiler with reasons."""
    at = _aware(at)
    step = draft.check_pending(by)
    why = _reasons(reasons)
    if not why:
        raise ReasonsRequired(f"{by} must give at least one reason for returning draft {draft.draft_id}")
    new = replace(
        draft,
        state=draft.chain.opening,
        submitted=False,
        tax_cosigned=False,
        resume_at=step.state,
        signatures=frozenset(),
        history=(*draft.history, ChainRecord(at, by, "returned", draft.chain.opening, "; ".join(why))),
    )
    event = draft._event(DraftReturnedForRevision, (by,), at, reasons=why, resume_at=step.state)
    return new, event  # type: ignore[return-value]


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


# --- 3. ledger and monthly allocation (HO-18, §8 accounts) ------------------------------------------


class UnknownAccount(DomainError, LookupError): ...


class SameAccount(DomainError): ...


class InsufficientFunds(DomainError): ...


class AllocationExceedsPlan(DomainError): ...


class DuplicateAllocation(DomainError): ...


def fiscal_special_account(scheme: str) -> str:
    """The provincial fiscal special account's sub-account for a scheme (004:18-19)."""
    return f"fiscal_special:{_scheme(scheme).value}"


def provincial_expenditure_account(scheme: str) -> str:
    return f"provincial_expenditure:{_scheme(scheme).value}"


def expenditure_account(region_code: str, scheme: str) -> str:
    """A city/county center's expenditure account for a scheme (004:19)."""
    return f"expenditure:{region_code}:{_scheme(scheme).value}"


@dataclass(frozen=True)
class Ledger:
    """Fund accounts and their balances in fen. Every move debits one account and credits another;
    no account goes below zero, so the sum of all balances never changes."""

    balances: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for account, amount in self.balances.items():
            _fen(amount, f"opening balance of {account}")
        object.__setattr__(self, "balances", MappingProxyType(dict(self.balances)))

    def balance(self, account: str) -> int:
        try:
            return self.balances[account]
        except KeyError:
            raise UnknownAccount(
                f"no account {account!r} in the ledger; open it first "
                f"(known: {', '.join(sorted(self.balances))})"
            ) from None

    def total(self) -> int:
        return sum(self.balances.values())

    def check_can_move(self, from_account: str, to_account: str, amount_fen: int) -> None:
        _fen(amount_fen, "amount moved", positive=True)
        if from_account == to_account:
            raise SameAccount(f"a move needs two different accounts, got {from_account!r} twice")
        available = self.balance(from_account)
        self.balance(to_account)
        if amount_fen > available:
            raise InsufficientFunds(
                f"{from_account} holds {available} fen, {amount_fen} fen cannot be moved to {to_account} "
                f"({amount_fen - available} fen short); move at most {available} fen or fund the account"
            )

    def moved(self, from_account: str, to_account: str, amount_fen: int) -> Ledger:
        self.check_can_move(from_account, to_account, amount_fen)
        balances = dict(self.balances)
        balances[from_account] -= amount_fen
        balances[to_account] += amount_fen
        return Ledger(balances)


def allocation_deadline(month: str) -> Deadline:
    """HO-18: finance allocates month M's plan by the last day of M-1 (004:34)."""
    year, m = parse_month(previous_month(month))
    return end_of_month(year, m)


@dataclass(frozen=True)
class FundAllocated:
    event_name: ClassVar[str] = "finance.fund.allocated"
    allocation_id: str
    plan_id: str
    month: str
    scheme: Scheme
    amount_fen: int
    from_account: str
    to_account: str
    value_date: datetime
    late: bool


@dataclass(frozen=True)
class AllocationBook:
    """What finance has allocated so far against one quarter's approved plan."""

    plan: ApprovedPlan
    allocated: Mapping[tuple[str, Scheme], int] = field(default_factory=dict)
    allocation_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "allocated", MappingProxyType(dict(self.allocated)))

    def allocated_for(self, month: str, scheme: str) -> int:
        return self.allocated.get((month, _scheme(scheme)), 0)

    def remaining(self, month: str, scheme: str) -> int:
        return self.plan.total(month=month, scheme=scheme) - self.allocated_for(month, scheme)

    def check_within_plan(self, month: str, scheme: str, amount_fen: int) -> None:
        if month not in quarter_months(self.plan.quarter):
            raise MonthOutsideQuarter(
                f"{month} is not in {self.plan.quarter}, the quarter of plan {self.plan.plan_id}"
            )
        approved = self.plan.total(month=month, scheme=scheme)
        done = self.allocated_for(month, scheme)
        if done + amount_fen > approved:
            raise AllocationExceedsPlan(
                f"allocating {amount_fen} fen for {month} {scheme} would bring the total to "
                f"{done + amount_fen} fen, "
                f"above the approved plan of {approved} fen ({approved - done} fen still open); "
                f"allocate at most {approved - done} fen or have the plan re-reviewed"
            )

    def obligations(self) -> tuple[Obligation, ...]:
        """One per month × scheme with an approved amount; met once fully allocated."""
        return tuple(
            Obligation(
                what=f"allocate {month} {scheme.value} (plan {self.plan.plan_id})",
                party="finance",
                deadline=allocation_deadline(month),
                met=self.remaining(month, scheme) <= 0,
            )
            for month in quarter_months(self.plan.quarter)
            for scheme in Scheme
            if self.plan.total(month=month, scheme=scheme) > 0
        )


def open_allocation_book(plan: ApprovedPlan) -> AllocationBook:
    return AllocationBook(plan=plan)


def allocate(
    book: AllocationBook,
    ledger: Ledger,
    allocation_id: str,
    month: str,
    scheme: str,
    amount_fen: int,
    at: datetime,
) -> tuple[AllocationBook, Ledger, FundAllocated]:
    """HO-18: move month M's money from the fiscal special account to the provincial expenditure account."""
    at = _aware(at)
    scheme = _scheme(scheme)
    if allocation_id in book.allocation_ids:
        raise DuplicateAllocation(f"allocation {allocation_id} is already recorded; do not book it twice")
    _fen(amount_fen, "allocation amount", positive=True)
    book.check_within_plan(month, scheme, amount_fen)
    source, target = fiscal_special_account(scheme), provincial_expenditure_account(scheme)
    ledger = ledger.moved(source, target, amount_fen)
    key = (month, scheme)
    new_book = replace(
        book,
        allocated={**book.allocated, key: book.allocated.get(key, 0) + amount_fen},
        allocation_ids=book.allocation_ids | {allocation_id},
    )
    event = FundAllocated(
        allocation_id=allocation_id,
        plan_id=book.plan.plan_id,
        month=month,
        scheme=scheme,
        amount_fen=amount_fen,
        from_account=source,
        to_account=target,
        value_date=at,
        late=allocation_deadline(month).is_overdue(at),
    )
    return new_book, ledger, event


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


@dataclass(frozen=True)
class FundPosition:
    year: int
    rolling_balance_fen: int
    avg_monthly_expenditure_fen: int
    in_budget_gap_fen: int = 0
    out_of_budget_gaps: Mapping[str, int] = field(default_factory=dict)


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
