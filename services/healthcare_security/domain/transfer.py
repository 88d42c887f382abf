"""Criminal case transfer to police (domain.md §4.2; State Council Decree 310, amended 2020).

The team reports, the head decides within 3 days, the bureau transfers within 24 hours, the police sign a
receipt and decide on filing within 3 days; a not-filed decision may be contested (reconsideration, then
the procuratorate, 3 days each) or accepted, which returns the case for administrative penalty (art. 10).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.calendar import WorkingCalendar
from shared.deadlines import calendar_days, hours

from ._base import PROCURATORATE, PUBLIC_SECURITY, InvalidRequest, aware, required_text
from .case import (
    DECISION_SERVICE,
    EVIDENCE_HANDOVER,
    FILING_DECISION,
    FINE_PAYMENT,
    HEAD_APPROVAL,
    HEARING_REQUEST,
    PENALTY_DECISION,
    POLICE_RECEIPT,
    RECONSIDERATION_DECISION,
    RECONSIDERATION_REQUEST,
    SUPERVISION_REQUEST,
    TRANSFER,
    TRANSFERABLE_STATES,
    Case,
    S,
    TransferReport,
    advance,
    check_window,
    with_basis,
)
from .events import (
    CaseTransferredToPolice,
    EvidenceHandedOver,
    FilingSupervisionRequested,
    PoliceDecisionOverdue,
    ReconsiderationOverdue,
    ReconsiderationRequested,
)

# --- transfer to police (§4.2) ---------------------------------------------------------------------------


def submit_transfer_report(
    case: Case, report: TransferReport, now: datetime, cal: WorkingCalendar
) -> tuple[Case, list]:
    case.check_state("submit a transfer report", TRANSFERABLE_STATES)
    report.check()
    due = with_basis(
        calendar_days(now, 3, cal), "head decides within 3 days of the report (Decree 310 art. 5)"
    )
    case = advance(
        case,
        now,
        "transfer_report_submitted",
        S.TRANSFER_REPORT_SUBMITTED,
        signed_by=", ".join(report.officers),
        opens={HEAD_APPROVAL: due},
        closes=(PENALTY_DECISION, HEARING_REQUEST, DECISION_SERVICE),
        transfer_required=True,
        transfer_report=report,
        amount_defrauded_fen=max(case.amount_defrauded_fen, report.amount_defrauded_fen),
    )
    return case, []


def approve_transfer(case: Case, approved_by: str, now: datetime) -> tuple[Case, list]:
    case.check_state("approve the transfer", {S.TRANSFER_REPORT_SUBMITTED})
    due = with_basis(hours(now, 24), "transfer within 24 hours of approval (Decree 310 art. 5)")
    head = required_text(approved_by, "approved_by")
    return advance(
        case,
        now,
        "transfer_approved",
        S.APPROVED,
        signed_by=head,
        opens={TRANSFER: due},
        closes=(HEAD_APPROVAL,),
        approved_by=head,
        approved_at=aware(now),
    ), []


def refuse_transfer(case: Case, decided_by: str, reasons: str, now: datetime) -> tuple[Case, list]:
    """The head finds no suspected crime (art. 5, reasons recorded); the case goes back to the penalty
    path. This is the only step that clears ``transfer_required``: a reasoned decision of the head."""
    case.check_state("refuse the transfer", {S.TRANSFER_REPORT_SUBMITTED})
    required_text(reasons, "reasons for not approving the transfer")
    return advance(
        case,
        now,
        f"transfer_not_approved: {reasons.strip()}",
        S.NOT_APPROVED,
        signed_by=required_text(decided_by, "decided_by"),
        closes=(HEAD_APPROVAL,),
        transfer_required=False,
    ), []


def transfer_to_police(case: Case, now: datetime) -> tuple[Case, list]:
    case.check_state("transfer to police", {S.APPROVED})
    report = case.transfer_report
    assert report is not None and case.approved_by is not None and case.approved_at is not None
    event = CaseTransferredToPolice(
        case_id=case.case_id,
        suspect_kind=report.suspect_kind,
        suspect_id=report.suspect_id,
        suspect_name=report.suspect_name,
        facts_summary=report.facts_summary,
        amount_defrauded_fen=report.amount_defrauded_fen,
        conduct_period=report.conduct_period,
        legal_basis=tuple(report.legal_basis),
        approved_by=case.approved_by,
        approved_at=case.approved_at,
        attachments=tuple(report.attachments),
        transferred_at=aware(now),
    )
    receipt_due = with_basis(hours(now, 24), "police sign a receipt for the transfer (Decree 310 art. 7)")
    case = advance(
        case,
        now,
        "transferred_to_police",
        S.TRANSFERRED,
        event_name=event.event_name,
        signed_by=case.approved_by,
        opens={POLICE_RECEIPT: receipt_due},
        closes=(TRANSFER,),
    )
    return case, [event]


def record_receipt(
    case: Case,
    received_at: datetime,
    receiving_unit: str,
    now: datetime,
    cal: WorkingCalendar,
    *,
    receipt_id: str | None = None,
    forwarded_to: str | None = None,
) -> tuple[Case, list]:
    """HO-23 arrived: the police signed the receipt; their 3-day filing review starts at ``received_at``.

    Idempotent: the same receipt (same ``receipt_id``) recorded again changes nothing. When the police
    passed the case to the competent body (art. 7), that body reviews it."""
    if receipt_id is not None and case.receipt_id == receipt_id:
        return case, []
    case.check_state("record the police receipt", {S.TRANSFERRED})
    unit = required_text(receiving_unit, "receiving_unit")
    reviewer = forwarded_to.strip() if forwarded_to and forwarded_to.strip() else unit
    due = with_basis(
        calendar_days(received_at, 3, cal), "police filing decision within 3 days (Decree 310 art. 8)"
    )
    case = advance(
        case,
        aware(received_at),
        "receipt_signed" if reviewer == unit else f"receipt_signed; forwarded to {reviewer}",
        S.RECEIPT_SIGNED,
        actor=PUBLIC_SECURITY,
        event_name="public_security.case.receipt_signed",
        signed_by=unit,
        closes=(POLICE_RECEIPT,),
        receiving_unit=reviewer,
        receipt_id=receipt_id,
    )
    return advance(
        case, now, "police_reviewing", S.POLICE_REVIEWING, actor=PUBLIC_SECURITY, opens={FILING_DECISION: due}
    ), []


def _police_filed(case: Case, step: str, now: datetime, cal: WorkingCalendar, event_name: str) -> Case:
    due = with_basis(
        calendar_days(now, 3, cal), "evidence handed over within 3 days of the filing notice (art. 12)"
    )
    return advance(
        case,
        now,
        step,
        S.FILED_BY_POLICE,
        actor=PUBLIC_SECURITY,
        event_name=event_name,
        signed_by=case.receiving_unit,
        opens={EVIDENCE_HANDOVER: due},
        closes=(FILING_DECISION, RECONSIDERATION_DECISION, SUPERVISION_REQUEST),
    )


def record_filing_decision(
    case: Case,
    decision: str,
    now: datetime,
    cal: WorkingCalendar,
    *,
    reasons: str | None = None,
    files_returned: bool = False,
    forwarded_to: str | None = None,
) -> tuple[Case, list]:
    """HO-24 arrived. Windows that run "from the notice" start at ``now``, when the bureau records it."""
    case.check_state("record the police filing decision", {S.POLICE_REVIEWING, S.POLICE_DECISION_OVERDUE})
    name = "public_security.case.filing_decided"
    if decision == "filed":
        return _police_filed(case, "filed_by_police", now, cal, name), []
    if decision == "not_filed":
        why = required_text(reasons, "reasons for not filing (the police must state them)")
        due = with_basis(
            calendar_days(now, 3, cal), "reconsideration request within 3 days of the notice (art. 9)"
        )
        return advance(
            case,
            now,
            f"not_filed ({'files returned' if files_returned else 'files not yet returned'}): {why}",
            S.NOT_FILED,
            actor=PUBLIC_SECURITY,
            event_name=name,
            signed_by=case.receiving_unit,
            opens={RECONSIDERATION_REQUEST: due},
            closes=(FILING_DECISION,),
        ), []
    if decision == "forwarded":
        to = required_text(forwarded_to, "forwarded_to")
        due = with_basis(calendar_days(now, 3, cal), f"filing decision by {to} within 3 days (art. 8)")
        return advance(
            case,
            now,
            f"forwarded_to: {to}",
            S.POLICE_REVIEWING,
            actor=PUBLIC_SECURITY,
            event_name=name,
            signed_by=case.receiving_unit,
            opens={FILING_DECISION: due},
            receiving_unit=to,
        ), []
    raise InvalidRequest(f"decision must be filed, not_filed or forwarded, got {decision!r}")


def request_reconsideration(
    case: Case, grounds: str, now: datetime, cal: WorkingCalendar
) -> tuple[Case, list]:
    case.check_state("request reconsideration", {S.NOT_FILED})
    check_window(case, RECONSIDERATION_REQUEST, now, "the 3-day window to request reconsideration")
    notice = case.deadline(RECONSIDERATION_REQUEST)
    event = ReconsiderationRequested(
        case.case_id, required_text(grounds, "grounds"), aware(now), notice.starts_at if notice else None
    )
    due = with_basis(calendar_days(now, 3, cal), "police reconsideration decision within 3 days (art. 9)")
    case = advance(
        case,
        now,
        "reconsideration_requested",
        S.RECONSIDERATION_REQUESTED,
        event_name=event.event_name,
        opens={RECONSIDERATION_DECISION: due},
        closes=(RECONSIDERATION_REQUEST,),
    )
    return case, [event]


def record_reconsideration_decision(
    case: Case, decision: str, reasons: str, now: datetime, cal: WorkingCalendar
) -> tuple[Case, list]:
    case.check_state(
        "record the reconsideration decision", {S.RECONSIDERATION_REQUESTED, S.RECONSIDERATION_OVERDUE}
    )
    name = "public_security.case.reconsideration_decided"
    if decision == "filed":
        return _police_filed(case, "filed_on_reconsideration", now, cal, name), []
    if decision != "not_filed":
        raise InvalidRequest(f"reconsideration decision must be filed or not_filed, got {decision!r}")
    why = required_text(reasons, "reasons for upholding the not-filed decision")
    due = with_basis(
        calendar_days(now, 3, cal), "procuratorate supervision within 3 days of the result (art. 9)"
    )
    return advance(
        case,
        now,
        f"not_filed_upheld: {why}",
        S.RECONSIDERATION_DECIDED,
        actor=PUBLIC_SECURITY,
        event_name=name,
        signed_by=case.receiving_unit,
        opens={SUPERVISION_REQUEST: due},
        closes=(RECONSIDERATION_DECISION,),
    ), []


def request_filing_supervision(case: Case, grounds: str, now: datetime) -> tuple[Case, list]:
    """Ask the procuratorate to supervise filing: after an upheld not-filed decision (within 3 days) or
    when the police have let a decision go overdue."""
    allowed = {S.RECONSIDERATION_DECIDED, S.POLICE_DECISION_OVERDUE, S.RECONSIDERATION_OVERDUE}
    case.check_state("request procuratorate supervision", allowed)
    check_window(case, SUPERVISION_REQUEST, now, "the 3-day window to ask the procuratorate")
    upheld = case.deadline(SUPERVISION_REQUEST)
    event = FilingSupervisionRequested(
        case.case_id,
        required_text(grounds, "grounds"),
        aware(now),
        reconsideration_decided_at=upheld.starts_at if upheld else None,
    )
    case = advance(
        case,
        now,
        "procuratorate_supervision_requested",
        S.PROCURATORATE_SUPERVISION_REQUESTED,
        event_name=event.event_name,
        closes=(SUPERVISION_REQUEST, FILING_DECISION, RECONSIDERATION_DECISION),
    )
    return case, [event]


def record_supervision_outcome(
    case: Case, police_filed: bool, now: datetime, cal: WorkingCalendar
) -> tuple[Case, list]:
    case.check_state("record the supervision outcome", {S.PROCURATORATE_SUPERVISION_REQUESTED})
    if police_filed:
        return _police_filed(
            case, "filed_after_supervision", now, cal, "public_security.case.filing_decided"
        ), []
    return advance(
        case,
        now,
        "supervision_outcome: not filed",
        S.RETURNED_FOR_ADMINISTRATIVE_PENALTY,
        actor=PROCURATORATE,
        returned_for_penalty=True,
    ), []


def return_for_administrative_penalty(case: Case, decided_by: str, now: datetime) -> tuple[Case, list]:
    """Art. 10: the not-filed decision stands (accepted, or the reconsideration upheld it), so the bureau
    must penalise where the law requires."""
    case.check_state("return for administrative penalty", {S.NOT_FILED, S.RECONSIDERATION_DECIDED})
    return advance(
        case,
        now,
        "returned_for_administrative_penalty",
        S.RETURNED_FOR_ADMINISTRATIVE_PENALTY,
        signed_by=required_text(decided_by, "decided_by"),
        closes=(RECONSIDERATION_REQUEST, SUPERVISION_REQUEST),
        returned_for_penalty=True,
    ), []


def hand_over_evidence(
    case: Case, items: Iterable[str], now: datetime, *, handover_id: str | None = None
) -> tuple[Case, list]:
    case.check_state("hand over evidence", {S.FILED_BY_POLICE})
    listed = tuple(i.strip() for i in items if i and i.strip())
    if not listed:
        raise InvalidRequest(f"case {case.case_id}: list the evidence items handed over")
    notice = case.deadline(EVIDENCE_HANDOVER)
    event = EvidenceHandedOver(
        case.case_id,
        listed,
        aware(now),
        handover_id or f"{case.case_id}-evidence-1",
        notice.starts_at if notice else None,
    )
    case = advance(
        case,
        now,
        "evidence_handed_over",
        S.EVIDENCE_HANDED_OVER,
        event_name=event.event_name,
        closes=(EVIDENCE_HANDOVER,),
    )
    return case, [event]


def close_criminal(case: Case, now: datetime) -> tuple[Case, list]:
    case.check_state("close as criminal", {S.EVIDENCE_HANDED_OVER})
    return advance(case, now, "closed_criminal", S.CLOSED_CRIMINAL, closes=(FINE_PAYMENT,)), []


# --- time ------------------------------------------------------------------------------------------------


def mark_overdue(case: Case, now: datetime) -> tuple[Case, list]:
    """Timer transition: police silence past a deadline moves the case to a timer state (HO-24 on_late).
    Returns the case unchanged and no event when nothing is newly overdue."""
    if case.state is S.POLICE_REVIEWING:
        d = case.deadline(FILING_DECISION)
        if d is not None and d.is_overdue(now):
            event = PoliceDecisionOverdue(case.case_id, d.due_at, aware(now))
            return advance(
                case, now, "police_decision_overdue", S.POLICE_DECISION_OVERDUE, event_name=event.event_name
            ), [event]
    if case.state is S.RECONSIDERATION_REQUESTED:
        d = case.deadline(RECONSIDERATION_DECISION)
        if d is not None and d.is_overdue(now):
            event = ReconsiderationOverdue(case.case_id, d.due_at, aware(now))
            return advance(
                case, now, "reconsideration_overdue", S.RECONSIDERATION_OVERDUE, event_name=event.event_name
            ), [event]
    return case, []


def record_evidence_received(
    case: Case, handover_id: str, received_by: str, received_at: datetime
) -> tuple[Case, list]:
    """HO-26 answered: the police confirm the handover. A repeat of the same handover changes nothing."""
    step = f"evidence_received: {required_text(handover_id, 'handover_id')}"
    if any(e.step == step for e in case.timeline):
        return case, []
    case.check_state("record the evidence receipt", {S.EVIDENCE_HANDED_OVER, S.CLOSED_CRIMINAL})
    return advance(
        case,
        received_at,
        step,
        case.state,
        actor=PUBLIC_SECURITY,
        event_name="public_security.case.evidence_received",
        signed_by=required_text(received_by, "received_by"),
    ), []


# The police answer a reconsideration request in the catalogue's words (HO-25).
RECONSIDERATION_OUTCOMES = {"reversed": "filed", "upheld": "not_filed"}
