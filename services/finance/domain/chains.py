"""Approval chains for the budget, its adjustment and the final accounts (HO-08…HO-14, §4.9), and finance's
view of a draft it first sees at the bureau's review. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

from ._base import DomainError, Scheme, _aware, _fen, _reasons, _scheme

# --- 1. approval chains: budget, adjustment, final accounts (HO-08…HO-14, §4.9) --------------------


class WrongActor(DomainError): ...


class DraftNotSubmitted(DomainError): ...


class DraftAlreadySubmitted(DomainError): ...


class ChainComplete(DomainError): ...


class AlreadySigned(DomainError): ...


class ReasonsRequired(DomainError): ...


class TaxCosignatureMissing(DomainError): ...


class InvalidBudgetLines(DomainError): ...


class SignsWithOwnKey(DomainError):
    """A co-signatory signs with its own key through its own service; finance never records it for them."""


@dataclass(frozen=True)
class BudgetLine:
    """One scheme's figures. In a budget adjustment they are signed changes (deltas).

    ``scheme`` is None for a totals line: a reviewer downstream of the bureau (finance) receives only the
    consolidated totals (HO-09), not the per-scheme figures.
    """

    scheme: Scheme | None
    revenue_fen: int
    expenditure_fen: int
    balance_fen: int = 0

    def __post_init__(self) -> None:
        if self.scheme is not None:
            object.__setattr__(self, "scheme", _scheme(self.scheme))

    @property
    def label(self) -> str:
        return "total" if self.scheme is None else self.scheme.value


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
class FinalAccountsApprovedByStandingCommittee(ChainEvent):
    event_name = "peoples_congress.final_accounts.approved"


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


PROVINCIAL_FINAL_ACCOUNTS = replace(  # 004:27: the province's own accounts go on to the NPC standing committee
    FINAL_ACCOUNTS,
    chain_id="final_accounts.province",
    steps=(
        *FINAL_ACCOUNTS.steps,
        ChainStep("npc_standing_committee_approved", ("provincial_npc_standing_committee",),
                  FinalAccountsApprovedByStandingCommittee),
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
    seen = [line.label for line in lines]
    if len(set(seen)) != len(seen):
        raise InvalidBudgetLines(f"one line per scheme, got {seen}; merge the duplicates")
    if "total" in seen and len(seen) > 1:
        raise InvalidBudgetLines("a totals line stands alone; give either per-scheme lines or one totals line")
    for line in lines:
        for name in ("revenue_fen", "expenditure_fen", "balance_fen"):
            _fen(getattr(line, name), f"{line.label} {name}", signed=chain.signed_figures)
    return tuple(sorted(lines, key=lambda line: line.label))


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


# --- 6. chains per region, and finance's view of a draft it first sees at the bureau's review -------------


class ChainNotConfigured(DomainError): ...


CHAINS: Mapping[str, BudgetChain] = MappingProxyType(
    {c.chain_id: c for c in (HAINAN_BUDGET, HENGSHUI_BUDGET, HAINAN_ADJUSTMENT, FINAL_ACCOUNTS,
                             PROVINCIAL_FINAL_ACCOUNTS)}
)

# Which chain a region's drafts follow, by region-code prefix (the longest prefix wins). Hainan codes start
# with 46 (004:22), Hengshui's with 1311 (001:237); a deployment for another jurisdiction adds its own. A kind
# suffixed "@province" is the chain of the province's own drafts (region code ..0000), where it differs: Hainan's
# provincial final accounts go on to the provincial NPC standing committee (004:27).
PROVINCIAL = "@province"
REGION_CHAINS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "46": MappingProxyType({"budget": "hainan.budget", "adjustment": "hainan.adjustment",
                            "final_accounts": "final_accounts",
                            "final_accounts" + PROVINCIAL: "final_accounts.province"}),
    "1311": MappingProxyType({"budget": "hengshui.budget", "final_accounts": "final_accounts"}),
})


def chain_for(region_code: str, kind: str, config: Mapping[str, Mapping[str, str]] = REGION_CHAINS) -> BudgetChain:
    """The configured chain of ``kind`` for a region; a region without one is refused, never guessed. A
    province's own drafts (code ..0000) follow the ``<kind>@province`` chain where one is configured."""
    if len(region_code) == 6 and region_code.endswith("0000"):
        provincial = [p for p in config if region_code.startswith(p) and kind + PROVINCIAL in config[p]]
        if provincial:
            return CHAINS[config[max(provincial, key=len)][kind + PROVINCIAL]]
    prefixes = sorted((p for p in config if region_code.startswith(p) and kind in config[p]), key=len)
    if not prefixes:
        raise ChainNotConfigured(
            f"no {kind} chain is configured for region {region_code}; add it to the region chain configuration "
            f"(Hainan and Hengshui are built in)"
        )
    return CHAINS[config[prefixes[-1]][kind]]


def receive_bureau_review(
    draft: BudgetDraft, decision: str, totals: BudgetLine, comments: str, at: datetime
) -> tuple[BudgetDraft, ChainEvent | None]:
    """HO-09 at finance. Finance sees a draft first in the bureau's review, with totals only; it mirrors the
    submission (the bureau forwards only drafts submitted under the chain's co-signature rule) and the
    bureau's step. After a return by a later reviewer the chain resumes where the module doc says."""
    at = _aware(at)
    if decision == "returned":
        step = draft.pending_step
        if step is not None and "healthcare_security" in step.actors and not step.joint:
            return return_for_revision(draft, "healthcare_security", comments or "returned by the bureau", at)
        return draft, None  # already back with the compiler (e.g. passing on a later reviewer's return)
    if decision != "forwarded":
        raise DomainError(f"unknown bureau decision {decision!r}; use forwarded or returned")
    if not draft.submitted:
        draft, _ = submit(draft, draft.chain.compiler, [totals], at, tax_cosigned=True)
    step = draft.pending_step
    if step is not None and "healthcare_security" in step.actors and not step.joint:
        return advance(draft, "healthcare_security", at)
    return draft, None


def review(
    draft: BudgetDraft, by: str, agreed: bool, reasons: Iterable[str] | str, at: datetime
) -> tuple[BudgetDraft, ChainEvent]:
    """A reviewer or approver decides its (single-actor) step: approve, or return with reasons."""
    step = draft.check_pending(by)
    if step.joint:
        raise WrongActor(f"{step.state!r} is a joint signature, not a review; {by} signs it instead")
    return advance(draft, by, at) if agreed else return_for_revision(draft, by, reasons, at)


def sign_joint(draft: BudgetDraft, by: str, at: datetime) -> tuple[BudgetDraft, ChainEvent]:
    """A co-signatory signs the joint submission; the step completes with the last signature."""
    step = draft.check_pending(by)
    if not step.joint:
        raise WrongActor(f"{step.state!r} is not a joint submission; it waits for {', '.join(step.actors)}")
    return advance(draft, by, at)


def joint_signatures(draft: BudgetDraft, step_state: str) -> tuple[tuple[str, datetime], ...]:
    """Who signed the joint step ``step_state`` since the last submission, and when."""
    since = max((i for i, r in enumerate(draft.history) if r.action == "submitted"), default=-1)
    found: dict[str, datetime] = {}
    for record in draft.history[since + 1:]:
        if (record.action == "signed" and record.note == step_state) or (
            record.action == "approved" and record.state == step_state
        ):
            found[record.by] = record.at
    return tuple(sorted(found.items(), key=lambda kv: (kv[1], kv[0])))


def draft_to_dict(draft: BudgetDraft) -> dict:
    """JSON-ready form for storage; :func:`draft_from_dict` reads it back."""
    return {
        "draft_id": draft.draft_id, "year": draft.year, "region_code": draft.region_code,
        "chain": draft.chain.chain_id, "state": draft.state, "submitted": draft.submitted,
        "tax_cosigned": draft.tax_cosigned, "resume_at": draft.resume_at, "signatures": sorted(draft.signatures),
        "lines": [[ln.scheme.value if ln.scheme else None, ln.revenue_fen, ln.expenditure_fen, ln.balance_fen]
                  for ln in draft.lines],
        "approvals": [[a.step, list(a.signed_by), a.at.isoformat()] for a in draft.approvals],
        "history": [[r.at.isoformat(), r.by, r.action, r.state, r.note] for r in draft.history],
    }


def draft_from_dict(data: Mapping) -> BudgetDraft:
    return BudgetDraft(
        draft_id=data["draft_id"], year=data["year"], region_code=data["region_code"],
        chain=CHAINS[data["chain"]], state=data["state"], submitted=data["submitted"],
        tax_cosigned=data["tax_cosigned"], resume_at=data["resume_at"], signatures=frozenset(data["signatures"]),
        lines=tuple(BudgetLine(s, r, e, b) for s, r, e, b in data["lines"]),
        approvals=tuple(Approval(step, tuple(by), datetime.fromisoformat(at)) for step, by, at in data["approvals"]),
        history=tuple(ChainRecord(datetime.fromisoformat(at), by, action, state, note)
                      for at, by, action, state, note in data["history"]),
    )


def adjusted_totals(budget: BudgetDraft, adjustments: Iterable[BudgetDraft]) -> dict:
    """The budget's totals as approved, the sum of its approved adjustments (004:25) and the adjusted totals, in
    fen. Only adjustments whose chain is complete count; their figures are signed changes."""
    done = [a for a in adjustments if a.chain.kind == "adjustment" and a.is_complete]
    revenue, spending = sum(a.total_revenue_fen for a in done), sum(a.total_expenditure_fen for a in done)
    return {
        "original": {"revenue_fen": budget.total_revenue_fen, "expenditure_fen": budget.total_expenditure_fen},
        "adjustment": {"revenue_fen": revenue, "expenditure_fen": spending},
        "adjusted": {"revenue_fen": budget.total_revenue_fen + revenue,
                     "expenditure_fen": budget.total_expenditure_fen + spending},
        "adjustments_applied": sorted(a.draft_id for a in done),
    }
