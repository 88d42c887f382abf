"""The administrative penalty case (domain.md §4.1); its transfer to police (§4.2) is in ``transfer.py``.

Every transition takes the current :class:`Case`, the request, ``now`` (aware) and, where a time limit
opens, the working calendar; it checks its guard and returns ``(new case, [outgoing events])``.

Invariant (Decree 310 art. 11): a case flagged ``transfer_required`` cannot be closed by a penalty, a
no-penalty decision or a referral, unless the police decided not to file it and it came back for
administrative penalty (art. 10). Only the head's reasoned refusal of the transfer report (art. 5,
:func:`~.transfer.refuse_transfer`) clears the flag.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.calendar import WorkingCalendar
from shared.deadlines import Deadline, calendar_days, working_days

from ._base import (
    AGENCY,
    DomainError,
    IllegalTransition,
    InvalidRequest,
    TimelineEntry,
    WindowClosed,
    aware,
    check_fen,
    required_text,
)
from .attachments import Attachment, check_transfer_package
from .events import PenaltyProposalSubmitted, SettlementSuspensionOrdered
from .penalties import check_fine


class TransferRequired(DomainError):
    """The case meets the transfer condition; only a transfer to police may take it forward."""


class CaseState(StrEnum):
    LEAD = "lead"
    FILED = "filed"
    INVESTIGATING = "investigating"
    # §4.2 transfer to police
    TRANSFER_REPORT_SUBMITTED = "transfer_report_submitted"
    APPROVED = "approved"
    NOT_APPROVED = "not_approved"
    TRANSFERRED = "transferred"
    RECEIPT_SIGNED = "receipt_signed"
    POLICE_REVIEWING = "police_reviewing"
    POLICE_DECISION_OVERDUE = "police_decision_overdue"
    FILED_BY_POLICE = "filed_by_police"
    EVIDENCE_HANDED_OVER = "evidence_handed_over"
    CLOSED_CRIMINAL = "closed_criminal"
    NOT_FILED = "not_filed"
    RECONSIDERATION_REQUESTED = "reconsideration_requested"
    RECONSIDERATION_OVERDUE = "reconsideration_overdue"
    RECONSIDERATION_DECIDED = "reconsideration_decided"
    PROCURATORATE_SUPERVISION_REQUESTED = "procuratorate_supervision_requested"
    RETURNED_FOR_ADMINISTRATIVE_PENALTY = "returned_for_administrative_penalty"
    # §4.1 penalty path
    PRIOR_NOTICE_SERVED = "prior_notice_served"
    STATEMENT_REVIEW = "statement_review"
    HEARING = "hearing"
    DECIDED = "decided"
    SERVED = "served"
    PERFORMED = "performed"
    COURT_ENFORCEMENT_REQUESTED = "court_enforcement_requested"
    NO_PENALTY = "no_penalty"
    REFERRED_TO_OTHER_AGENCY = "referred_to_other_agency"
    CLOSED = "closed"


S = CaseState

# Deadline names, their length and basis.
HEAD_APPROVAL = "head_approval"  # 3 days from the transfer report (Decree 310 art. 5)
TRANSFER = "transfer_to_police"  # 24 h from approval (art. 5)
POLICE_RECEIPT = "police_receipt"  # receipt signed on the transfer; 24 h (art. 7, HO-23)
FILING_DECISION = "police_filing_decision"  # 3 days from receipt (art. 8)
RECONSIDERATION_REQUEST = "reconsideration_request"  # 3 days from the not-filed notice (art. 9)
RECONSIDERATION_DECISION = "police_reconsideration_decision"  # 3 days from the request (art. 9)
SUPERVISION_REQUEST = "procuratorate_supervision_request"  # 3 days from the reconsideration result (art. 9)
EVIDENCE_HANDOVER = "evidence_handover"  # 3 days from the filing notice (art. 12)
PENALTY_DECISION = "penalty_decision"  # 90 days from filing (APL art. 60)
HEARING_REQUEST = "hearing_request"  # 5 working days from the prior notice (APL arts. 64, 85)
DECISION_SERVICE = "decision_service"  # 7 working days from the decision (APL arts. 61, 85)
FINE_PAYMENT = "fine_payment"  # 15 days from service (APL art. 67)

_PENALTY_OPEN = frozenset({S.INVESTIGATING, S.NOT_APPROVED, S.RETURNED_FOR_ADMINISTRATIVE_PENALTY})
_BEFORE_DECISION = frozenset({S.PRIOR_NOTICE_SERVED, S.STATEMENT_REVIEW, S.HEARING})
TRANSFERABLE_STATES = frozenset(
    {
        S.FILED,
        S.INVESTIGATING,
        *_BEFORE_DECISION,
        S.DECIDED,
        S.SERVED,
        S.PERFORMED,
        S.COURT_ENFORCEMENT_REQUESTED,
    }
)
SUSPECT_KINDS = ("person", "unit")


@dataclass(frozen=True)
class TransferReport:
    """The team's report asking the head to approve a transfer (Decree 310 arts. 5–6)."""

    officers: tuple[str, ...]
    suspect_kind: str
    suspect_id: str
    suspect_name: str
    facts_summary: str
    amount_defrauded_fen: int
    conduct_period: str
    legal_basis: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    items_seized: bool = False

    def check(self) -> None:
        if len({o.strip() for o in self.officers if o and o.strip()}) < 2:
            raise InvalidRequest("a transfer needs a team of at least two enforcement officers; name both")
        if self.suspect_kind not in SUSPECT_KINDS:
            raise InvalidRequest(f"suspect_kind must be person or unit, got {self.suspect_kind!r}")
        required_text(self.suspect_id, "suspect_id (ID number or unified credit code)")
        required_text(self.suspect_name, "suspect_name")
        required_text(self.facts_summary, "facts_summary")
        required_text(self.conduct_period, "conduct_period")
        check_fen(self.amount_defrauded_fen, "amount_defrauded_fen")
        if not [b for b in self.legal_basis if b and b.strip()]:
            raise InvalidRequest("legal_basis must name at least one provision")
        check_transfer_package(self.attachments, items_seized=self.items_seized)


@dataclass(frozen=True)
class PenaltyDecision:
    rule_id: str
    base_fen: int
    fine_fen: int
    jurisdiction: str = "national"
    party: str | None = None
    tier: str | None = None


@dataclass(frozen=True)
class Case:
    case_id: str
    state: CaseState = S.LEAD
    transfer_required: bool = False
    returned_for_penalty: bool = False
    amount_defrauded_fen: int = 0
    officers: tuple[str, ...] = ()
    transfer_report: TransferReport | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    receiving_unit: str | None = None
    receipt_id: str | None = None
    penalty: PenaltyDecision | None = None
    deadlines: tuple[tuple[str, Deadline], ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()

    # --- guards -------------------------------------------------------------------------------------
    def check_state(self, step: str, allowed: Iterable[CaseState]) -> None:
        allowed = frozenset(allowed)
        if self.state not in allowed:
            names = ", ".join(sorted(s.value for s in allowed))
            raise IllegalTransition(
                f"case {self.case_id} is {self.state.value}: '{step}' is allowed only when it is {names}"
            )

    def check_may_penalise(self, step: str) -> None:
        """Decree 310 art. 11: no penalty, no-penalty closure or referral in place of a required transfer."""
        if self.transfer_required and not self.returned_for_penalty:
            raise TransferRequired(
                f"case {self.case_id} meets the transfer condition (Decree 310 art. 11): '{step}' cannot "
                f"close it; transfer it to public security"
            )

    def deadline(self, name: str) -> Deadline | None:
        return dict(self.deadlines).get(name)

    @property
    def ref_id(self) -> str:
        return self.case_id


# --- helpers ---------------------------------------------------------------------------------------------


def with_basis(deadline: Deadline, basis: str) -> Deadline:
    return dataclasses.replace(deadline, rule=f"{basis}: {deadline.rule}")


def advance(
    case: Case,
    now: datetime,
    step: str,
    state: CaseState,
    *,
    actor: str = AGENCY,
    event_name: str | None = None,
    signed_by: str | None = None,
    opens: dict[str, Deadline] | None = None,
    closes: Iterable[str] = (),
    **changes: object,
) -> Case:
    # The entry shows the limit the step opened, else the limit it met (e.g. the 24 h of a transfer).
    closes = tuple(closes)
    met = [d for n, d in case.deadlines if n in closes]
    shown = next(iter(opens.values())) if opens else (met[0] if met else None)
    kept = [(n, d) for n, d in case.deadlines if n not in closes and n not in (opens or {})]
    entry = TimelineEntry(aware(now), step, actor, event_name, shown, state.value, signed_by)
    return dataclasses.replace(
        case,
        state=state,
        deadlines=tuple(kept + list((opens or {}).items())),
        timeline=(*case.timeline, entry),
        **changes,
    )


def check_window(case: Case, name: str, now: datetime, what: str) -> None:
    d = case.deadline(name)
    if d is not None and d.is_overdue(now):
        raise WindowClosed(f"case {case.case_id}: {what} closed at {d.due_at.isoformat()} ({d.rule})")


def meets_transfer_condition(amount_defrauded_fen: int, threshold_fen: int) -> bool:
    """Suspected fraud (Criminal Law art. 266): the amount reaches the province's "relatively large"
    threshold (3,000–10,000 yuan, configured per province)."""
    check_fen(amount_defrauded_fen, "amount_defrauded_fen")
    check_fen(threshold_fen, "threshold_fen", positive=True)
    return amount_defrauded_fen >= threshold_fen


# --- administrative case ---------------------------------------------------------------------------------


def open_lead(case_id: str, now: datetime) -> tuple[Case, list]:
    case = Case(case_id=required_text(case_id, "case_id"))
    return advance(case, now, "lead_registered", S.LEAD), []


def file_case(case: Case, filed_by: str, now: datetime, cal: WorkingCalendar) -> tuple[Case, list]:
    case.check_state("file the case", {S.LEAD})
    due = with_basis(calendar_days(now, 90, cal), "penalty decision within 90 days of filing (APL art. 60)")
    return advance(
        case,
        now,
        "filed",
        S.FILED,
        signed_by=required_text(filed_by, "filed_by"),
        opens={PENALTY_DECISION: due},
    ), []


def start_investigation(case: Case, officers: Iterable[str], now: datetime) -> tuple[Case, list]:
    case.check_state("start the investigation", {S.FILED})
    team = tuple(dict.fromkeys(o.strip() for o in officers if o and o.strip()))
    if len(team) < 2:
        raise InvalidRequest(f"case {case.case_id}: an investigation needs at least two officers with IDs")
    return advance(
        case, now, "investigation_started", S.INVESTIGATING, signed_by=", ".join(team), officers=team
    ), []


def record_findings(
    case: Case, amount_defrauded_fen: int, threshold_fen: int, now: datetime, *, suspected_crime: bool = False
) -> tuple[Case, list]:
    """Record the amount found. The case is flagged for transfer when it reaches the threshold or the
    officer records another suspected crime; the flag is never cleared here."""
    case.check_state("record findings", TRANSFERABLE_STATES)
    flag = (
        case.transfer_required
        or suspected_crime
        or meets_transfer_condition(amount_defrauded_fen, threshold_fen)
    )
    step = "transfer_condition_met" if flag and not case.transfer_required else "findings_recorded"
    return advance(
        case, now, step, case.state, transfer_required=flag, amount_defrauded_fen=amount_defrauded_fen
    ), []


# --- penalty path (§4.1) ---------------------------------------------------------------------------------


def serve_prior_notice(case: Case, now: datetime, cal: WorkingCalendar) -> tuple[Case, list]:
    case.check_may_penalise("serve a prior notice of penalty")
    case.check_state("serve the prior notice", _PENALTY_OPEN)
    due = with_basis(
        working_days(now, 5, cal), "hearing requested within 5 days of the notice (APL arts. 64, 85)"
    )
    return advance(case, now, "prior_notice_served", S.PRIOR_NOTICE_SERVED, opens={HEARING_REQUEST: due}), []


def request_hearing(case: Case, now: datetime) -> tuple[Case, list]:
    case.check_state("request a hearing", {S.PRIOR_NOTICE_SERVED})
    check_window(case, HEARING_REQUEST, now, "the 5-working-day window to request a hearing")
    return advance(case, now, "hearing_requested", S.HEARING, actor="party", closes=(HEARING_REQUEST,)), []


def review_statement(case: Case, now: datetime) -> tuple[Case, list]:
    case.check_state("review the party's statement", {S.PRIOR_NOTICE_SERVED})
    return advance(case, now, "statement_review", S.STATEMENT_REVIEW, closes=(HEARING_REQUEST,)), []


def decide_penalty(
    case: Case, decision: PenaltyDecision, decided_by: str, now: datetime, cal: WorkingCalendar
) -> tuple[Case, list]:
    case.check_may_penalise("decide a penalty")
    case.check_state("decide the penalty", _BEFORE_DECISION)
    check_fine(
        decision.rule_id,
        decision.base_fen,
        decision.fine_fen,
        decision.jurisdiction,
        party=decision.party,
        tier=decision.tier,
    )
    due = with_basis(working_days(now, 7, cal), "decision served within 7 days (APL arts. 61, 85)")
    return advance(
        case,
        now,
        f"penalty_decided: {decision.rule_id} {decision.fine_fen} fen",
        S.DECIDED,
        signed_by=required_text(decided_by, "decided_by"),
        opens={DECISION_SERVICE: due},
        closes=(PENALTY_DECISION, HEARING_REQUEST),
        penalty=decision,
    ), []


def decide_no_penalty(case: Case, reasons: str, now: datetime) -> tuple[Case, list]:
    case.check_may_penalise("close without penalty")
    case.check_state("decide no penalty", _PENALTY_OPEN | _BEFORE_DECISION)
    return advance(
        case,
        now,
        f"no_penalty: {required_text(reasons, 'reasons')}",
        S.NO_PENALTY,
        closes=(PENALTY_DECISION, HEARING_REQUEST),
    ), []


def refer_to_other_agency(case: Case, referral_id: str, target: str, now: datetime) -> tuple[Case, list]:
    """The matter belongs to another agency (003:34 §5); send the referral with :func:`send_referral`."""
    case.check_may_penalise("refer the case to another agency")
    case.check_state("refer to another agency", {S.INVESTIGATING})
    step = f"referred_to {required_text(target, 'target')} as {required_text(referral_id, 'referral_id')}"
    return advance(case, now, step, S.REFERRED_TO_OTHER_AGENCY, closes=(PENALTY_DECISION,)), []


def serve_decision(case: Case, now: datetime, cal: WorkingCalendar) -> tuple[Case, list]:
    case.check_state("serve the decision", {S.DECIDED})
    due = with_basis(calendar_days(now, 15, cal), "fine paid within 15 days of service (APL art. 67)")
    return advance(
        case, now, "decision_served", S.SERVED, opens={FINE_PAYMENT: due}, closes=(DECISION_SERVICE,)
    ), []


def record_performance(case: Case, now: datetime) -> tuple[Case, list]:
    case.check_state("record performance", {S.SERVED})
    return advance(case, now, "performed", S.PERFORMED, actor="party", closes=(FINE_PAYMENT,)), []


def request_court_enforcement(case: Case, now: datetime) -> tuple[Case, list]:
    case.check_state("apply to the court for enforcement", {S.SERVED})
    due = case.deadline(FINE_PAYMENT)
    if due is not None and not due.is_overdue(now):
        raise IllegalTransition(
            f"case {case.case_id}: the party may still pay until {due.due_at.isoformat()}"
        )
    return advance(
        case, now, "court_enforcement_requested", S.COURT_ENFORCEMENT_REQUESTED, closes=(FINE_PAYMENT,)
    ), []


def close_case(case: Case, closed_by: str, now: datetime) -> tuple[Case, list]:
    case.check_may_penalise("close the case")
    allowed = {S.PERFORMED, S.COURT_ENFORCEMENT_REQUESTED, S.NO_PENALTY, S.REFERRED_TO_OTHER_AGENCY}
    case.check_state("close the case", allowed)
    return advance(
        case,
        now,
        "closed",
        S.CLOSED,
        signed_by=required_text(closed_by, "closed_by"),
        closes=[n for n, _ in case.deadlines],
    ), []


# --- proposals and orders from a case (HO-37, HO-39) -----------------------------------------------------


def propose_penalty(
    case: Case,
    proposal_id: str,
    decision: PenaltyDecision,
    legal_basis: Iterable[str],
    now: datetime,
) -> tuple[Case, list]:
    """HO-37: supervision found violations; the fine proposed to the competent authority must lie in range."""
    case.check_may_penalise("propose a penalty")
    case.check_state("propose a penalty", _PENALTY_OPEN | _BEFORE_DECISION)
    basis = tuple(b.strip() for b in legal_basis if b and b.strip())
    if not basis:
        raise InvalidRequest(f"case {case.case_id}: a penalty proposal names its legal basis")
    pid = required_text(proposal_id, "proposal_id")
    if any(e.step.startswith(f"penalty_proposed: {pid} (") for e in case.timeline):
        raise IllegalTransition(f"case {case.case_id}: penalty proposal {pid} was already submitted")
    check_fine(
        decision.rule_id,
        decision.base_fen,
        decision.fine_fen,
        decision.jurisdiction,
        party=decision.party,
        tier=decision.tier,
    )
    event = PenaltyProposalSubmitted(
        pid,
        case.case_id,
        decision.rule_id,
        basis,
        decision.fine_fen,
        aware(now),
    )
    return advance(
        case, now, f"penalty_proposed: {pid} ({decision.rule_id})", case.state, event_name=event.event_name
    ), [event]


def record_proposal_decision(
    case: Case, proposal_id: str, decision: str, decided_at: datetime, *, approved_fine_fen: int | None = None
) -> tuple[Case, list]:
    """HO-37 reply on the supervising body's case: the competent authority's decision joins the timeline; the
    case keeps its state (the penalty itself is decided on the §4.1 path)."""
    if decision not in ("approved", "amended", "rejected"):
        raise InvalidRequest(f"decision must be approved, amended or rejected, got {decision!r}")
    fine = f", fine {approved_fine_fen} fen" if approved_fine_fen is not None else ""
    return advance(
        case, decided_at, f"penalty_proposal_{decision}: {required_text(proposal_id, 'proposal_id')}{fine}",
        case.state, event_name="healthcare_security.penalty.proposal_approved",
    ), []


def order_settlement_suspension(
    case: Case, action_id: str, institution_id: str, approved_by: str, now: datetime
) -> tuple[Case, list]:
    """HO-39 / P-15: the target refuses to cooperate during a fraud probe; the head approves suspending
    settlement and hs_center carries it out (002:100)."""
    case.check_state("order settlement suspension", {S.INVESTIGATING, *_BEFORE_DECISION})
    head = required_text(approved_by, "approved_by (bureau head)")
    event = SettlementSuspensionOrdered(
        required_text(action_id, "action_id"),
        case.case_id,
        required_text(institution_id, "institution_id"),
        head,
        aware(now),
    )
    return advance(
        case, now, "settlement_suspension_ordered", case.state, event_name=event.event_name, signed_by=head
    ), [event]
