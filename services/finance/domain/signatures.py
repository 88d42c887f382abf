"""Signatures and decisions that reach finance's chains from other parties (HO-10, HO-13, HO-14). Pure.

Finance tracks every approval chain (:mod:`.chains`). The other parties act on a draft with their own signed
events: healthcare_security and tax sign (or return) their steps with ``<agency>.chain_step.signed``; the
governments and the provincial NPC standing committee decide adjustments and final accounts. This module maps
such an event to the chain actor it speaks for and applies it, with the guards:

* a department speaks only for itself, and for its provincial counterpart (``provincial_<agency>``) only from
  a provincial region code (``..0000``): a city bureau cannot compile the provincial adjustment plan (004:25);
* the step named in the event must be the step pending, so a late or stray signature never signs a later step;
* the figures signed must be the figures on the chain: a signatory who saw other figures signs again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from ._base import DomainError, _aware
from .chains import (
    REGION_CHAINS,
    BudgetDraft,
    ChainEvent,
    ChainNotConfigured,
    ChainStep,
    WrongActor,
    advance,
    chain_for,
    return_for_revision,
)

PROVINCIAL = "provincial_"


class StepNotPending(DomainError): ...


class FiguresDiffer(DomainError): ...


class NotProvincial(DomainError): ...


def is_provincial(region_code: str) -> bool:
    """A province's own region code ends in 0000 (460000 is Hainan)."""
    return len(region_code) == 6 and region_code.endswith("0000")


def actor_for(draft: BudgetDraft, agency: str, signer_region_code: str) -> tuple[str, ChainStep]:
    """The chain actor ``agency`` speaks for on the pending step, and that step."""
    if not draft.submitted or draft.pending_step is None:
        raise StepNotPending(
            f"draft {draft.draft_id} waits for no signature now ({draft.state}); "
            f"{'it is back with ' + draft.chain.compiler if not draft.submitted else 'its chain is complete'}"
        )
    step = draft.pending_step
    provincial = PROVINCIAL + agency
    if provincial in step.actors:
        if not is_provincial(signer_region_code):
            raise NotProvincial(
                f"step {step.state!r} is for the provincial {agency}; region {signer_region_code} is not a "
                f"province (its code ends in 0000), so it cannot sign it"
            )
        return provincial, step
    if agency in step.actors:
        return agency, step
    raise WrongActor(f"step {step.state!r} waits for {', '.join(step.actors)}; {agency} has nothing to sign now")


def sign_step(
    draft: BudgetDraft,
    agency: str,
    signer_region_code: str,
    step_state: str,
    decision: str,
    reasons: Iterable[str] | str,
    figures: tuple[int, int],
    at: datetime,
) -> tuple[BudgetDraft, ChainEvent]:
    """Apply one party's signature (or return) of the pending step. ``figures`` = (revenue, expenditure) signed."""
    at = _aware(at)
    actor, step = actor_for(draft, agency, signer_region_code)
    if step.state != step_state:
        raise StepNotPending(
            f"{agency} acted on step {step_state!r}, but draft {draft.draft_id} waits for {step.state!r}; "
            f"act on the step that is pending"
        )
    if decision == "returned":
        return return_for_revision(draft, actor, reasons, at)
    if decision != "signed":
        raise DomainError(f"unknown decision {decision!r}; use signed or returned")
    on_chain = (draft.total_revenue_fen, draft.total_expenditure_fen)
    if tuple(figures) != on_chain:
        raise FiguresDiffer(
            f"{agency} signed revenue {figures[0]} fen and expenditure {figures[1]} fen, but draft "
            f"{draft.draft_id} carries {on_chain[0]} and {on_chain[1]} fen; sign the figures on the chain"
        )
    return advance(draft, actor, at)


def is_compilers_cosignature(kind: str, region_code: str, step: str,
                              config: Mapping[str, Mapping[str, str]] = REGION_CHAINS) -> bool:
    """A signature on the chain's opening state is the co-compiler's (tax co-signing the center's adjustment
    proposal, 004:25): it belongs to the compiler's proposal, not to a step finance tracks."""
    try:
        return chain_for(region_code, kind, config).opening == step
    except ChainNotConfigured:
        return False


def government_actor(draft: BudgetDraft, government_level: str) -> str:
    """A government's decision speaks for the local government or, at provincial level, the provincial one."""
    step = draft.pending_step
    if step is None:
        raise StepNotPending(f"draft {draft.draft_id} waits for no government decision now ({draft.state})")
    if government_level == "province" and PROVINCIAL + "people_government" in step.actors:
        return PROVINCIAL + "people_government"
    if "people_government" in step.actors and (government_level != "province" or is_provincial(draft.region_code)):
        return "people_government"
    raise WrongActor(
        f"step {step.state!r} waits for {', '.join(step.actors)}; a {government_level}-level government "
        f"decision does not fit it"
    )


def decide(draft: BudgetDraft, actor: str, approved: bool, reason: str, at: datetime) -> tuple[BudgetDraft, ChainEvent]:
    """An approver (government, standing committee) decides its single-actor step; a rejection returns the
    draft to its compiler with the approver's reason."""
    step = draft.check_pending(actor)
    if step.joint:
        raise WrongActor(f"{step.state!r} is a joint signature, not a decision of {actor}")
    return advance(draft, actor, at) if approved else return_for_revision(draft, actor, reason, at)


def progress(draft: BudgetDraft, kind: str, at: datetime) -> dict:
    """Where a draft stands after its last action, as ``finance.approval_chain.progressed`` carries it."""
    last = draft.history[-1]
    step = draft.pending_step
    out = {
        "kind": kind, "draft_id": draft.draft_id, "year": draft.year, "region_code": draft.region_code,
        "state": draft.state, "action": last.action, "by": last.by,
        "awaiting": [a for a in step.actors if a not in draft.signatures] if step else [],
        "complete": draft.is_complete, "total_revenue_fen": draft.total_revenue_fen,
        "total_expenditure_fen": draft.total_expenditure_fen, "at": at, "sequence": len(draft.history),
    }
    if last.note:
        out["note"] = last.note
    if step is not None:
        out["pending_step"] = step.state
    return out
