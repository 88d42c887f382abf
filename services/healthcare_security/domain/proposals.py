"""HO-37: a penalty proposal as the competent administrative authority holds it (000:251).

The supervising body proposes (:func:`~.case.propose_penalty`, on its case); the authority receives the
proposal (:func:`receive_proposal`) and approves, amends or rejects it (:func:`decide_proposal`). The catalogue
sets no time limit for the decision, so the proposal has none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.deadlines import Deadline

from ._base import IllegalTransition, InvalidRequest, aware, check_fen, required_text
from .events import PenaltyProposalDecided

PROPOSAL_DECISIONS = ("approved", "amended", "rejected")


class ProposalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    AMENDED = "amended"
    REJECTED = "rejected"


@dataclass(frozen=True)
class PenaltyProposal:
    proposal_id: str
    case_id: str
    party_kind: str
    party_id: str
    party_name: str
    violations: str
    legal_basis: tuple[str, ...]
    submitted_at: datetime
    received_at: datetime
    proposed_fine_fen: int | None = None
    proposed_measures: tuple[str, ...] = ()
    supervision_id: str | None = None
    state: ProposalState = ProposalState.PENDING
    approved_fine_fen: int | None = None
    reasons: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def ref_id(self) -> str:
        return self.proposal_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        return ()  # HO-37 has no time limit in the seeds (deadline: null)


def receive_proposal(
    proposal_id: str,
    case_id: str,
    party_kind: str,
    party_id: str,
    party_name: str,
    violations: str,
    legal_basis: Iterable[str],
    submitted_at: datetime,
    now: datetime,
    *,
    proposed_fine_fen: int | None = None,
    proposed_measures: Iterable[str] = (),
    supervision_id: str | None = None,
) -> PenaltyProposal:
    basis = tuple(b.strip() for b in legal_basis if b and b.strip())
    if not basis:
        raise InvalidRequest(f"penalty proposal {proposal_id}: name its legal basis")
    if proposed_fine_fen is not None:
        check_fen(proposed_fine_fen, "proposed_fine_fen")
    measures = tuple(m.strip() for m in proposed_measures if m and m.strip())
    if proposed_fine_fen is None and not measures:
        raise InvalidRequest(f"penalty proposal {proposal_id}: propose a fine or at least one measure")
    return PenaltyProposal(
        required_text(proposal_id, "proposal_id"), required_text(case_id, "case_id"),
        required_text(party_kind, "party.kind"), required_text(party_id, "party.party_id"),
        required_text(party_name, "party.name"), required_text(violations, "violations"), basis,
        aware(submitted_at, "submitted_at"), aware(now), proposed_fine_fen, measures, supervision_id)


def decide_proposal(
    proposal: PenaltyProposal,
    decision: str,
    decided_by: str,
    now: datetime,
    *,
    approved_fine_fen: int | None = None,
    reasons: str | None = None,
) -> tuple[PenaltyProposal, list]:
    """The authority decides once. ``approved`` keeps the proposed fine (to change it, amend); ``amended`` and
    ``rejected`` give reasons; a rejection approves no fine."""
    if proposal.state is not ProposalState.PENDING:
        raise IllegalTransition(
            f"penalty proposal {proposal.proposal_id} is already {proposal.state.value}: it is decided once")
    if decision not in PROPOSAL_DECISIONS:
        raise InvalidRequest(f"decision must be one of {', '.join(PROPOSAL_DECISIONS)}, got {decision!r}")
    who = required_text(decided_by, "decided_by")
    why = reasons.strip() if reasons and reasons.strip() else None
    if approved_fine_fen is not None:
        check_fen(approved_fine_fen, "approved_fine_fen")
    if decision == "approved":
        if approved_fine_fen is not None and approved_fine_fen != proposal.proposed_fine_fen:
            raise InvalidRequest(
                f"penalty proposal {proposal.proposal_id}: approving keeps the proposed fine "
                f"({proposal.proposed_fine_fen} fen); to change it, decide 'amended' with reasons")
        approved_fine_fen = proposal.proposed_fine_fen
    elif why is None:
        raise InvalidRequest(f"penalty proposal {proposal.proposal_id}: give the reasons when it is {decision}")
    elif decision == "rejected" and approved_fine_fen is not None:
        raise InvalidRequest(f"penalty proposal {proposal.proposal_id}: a rejected proposal approves no fine")
    decided = dataclasses.replace(
        proposal, state=ProposalState(decision), approved_fine_fen=approved_fine_fen, reasons=why,
        decided_by=who, decided_at=aware(now))
    event = PenaltyProposalDecided(proposal.proposal_id, proposal.case_id, decision, approved_fine_fen, why,
                                   aware(now))
    return decided, [event]


__all__ = [
    "PROPOSAL_DECISIONS",
    "PenaltyProposal",
    "ProposalState",
    "decide_proposal",
    "receive_proposal",
]
