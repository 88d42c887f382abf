"""公安 (public_security) domain: receiving a transfer from the 医保局 and deciding on filing.

State Council Decree 310 (amended 2020), outside the seeds (domain.md §4.2, §10): the police sign a
receipt for a transfer (art. 7); a case outside their jurisdiction is passed to the competent body within
24 hours and the agency is told (art. 7); they decide on filing within 3 days of acceptance (art. 8) and,
if they do not file, give reasons and return the files (art. 8); the agency may ask for reconsideration and
the police decide within 3 days (art. 9); after filing the agency hands over evidence (art. 12).

Pure: stdlib and the shared deadline helpers only. Transitions return ``(new value, [outgoing events])``.

Duplicate receipt: :func:`receive_transfer` is **idempotent**. Given the case already received for the same
transfer it returns that case and no event, so a redelivered message signs no second receipt (the first
one went out through the outbox). A different transfer under the same ``case_id`` raises
:class:`ConflictingTransfer`.

Late police decisions are still recorded: the law binds the police to decide, it does not void a late
decision. Lateness shows in :func:`overdue` and in the agency's own timers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from shared.calendar import WorkingCalendar
from shared.deadlines import Deadline, calendar_days, hours

AGENCY = "public_security"
FILING_DECISION = "filing_decision"  # 3 days from receipt (art. 8)
FORWARDING = "forwarding"  # 24 h from receipt, only when the case is not ours (art. 7)
RECONSIDERATION_DECISION = "reconsideration_decision"  # 3 days from the request (art. 9)
REQUIRED_ATTACHMENTS = ("transfer_letter", "investigation_report")
FILING_DECISIONS = ("filed", "not_filed", "forwarded")


class DomainError(Exception):
    """A rule of the police domain was broken; the message says what to do instead."""


class IllegalTransition(DomainError):
    """The step is not allowed from the case's current state."""


class InvalidRequest(DomainError):
    """A request lacks a field the rule needs, or a field has an impossible value."""


class IncompleteTransfer(DomainError):
    """The transfer lacks a document the receipt is signed against (Decree 310 art. 6)."""


class ConflictingTransfer(DomainError):
    """A second, different transfer arrived under a case id already received."""


class ForwardingWindowClosed(DomainError):
    """More than 24 hours have passed since receipt: the case can no longer be forwarded as not ours."""


# --- events ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptSigned:
    event_name: ClassVar[str] = "public_security.case.receipt_signed"
    case_id: str
    received_at: datetime
    receiving_unit: str
    forwarded_to: str | None = None


@dataclass(frozen=True)
class FilingDecided:
    event_name: ClassVar[str] = "public_security.case.filing_decided"
    case_id: str
    decision: str
    reasons: str | None
    decided_at: datetime
    forwarded_to: str | None
    files_returned: bool


@dataclass(frozen=True)
class ReconsiderationDecided:
    event_name: ClassVar[str] = "public_security.case.reconsideration_decided"
    case_id: str
    decision: str
    reasons: str
    decided_at: datetime


@dataclass(frozen=True)
class EvidenceReceived:
    event_name: ClassVar[str] = "public_security.case.evidence_received"
    case_id: str
    items: tuple[str, ...]
    received_at: datetime


OUTGOING_EVENTS: tuple[type, ...] = (ReceiptSigned, FilingDecided, ReconsiderationDecided, EvidenceReceived)


# --- values ----------------------------------------------------------------------------------------------


def _aware(value: datetime, what: str = "now") -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequest(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value


def _text(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise InvalidRequest(f"{what} is required and may not be blank")
    return str(value).strip()


@dataclass(frozen=True)
class IncomingTransfer:
    """The facts of a transfer (HO-22) as the police read them."""

    case_id: str
    suspect_kind: str
    suspect_id: str
    facts_summary: str
    amount_defrauded_fen: int
    legal_basis: tuple[str, ...]
    approved_by: str
    approved_at: datetime
    attachment_kinds: tuple[str, ...]

    def check(self) -> None:
        _text(self.case_id, "case_id")
        if self.suspect_kind not in ("person", "unit"):
            raise InvalidRequest(f"suspect_kind must be person or unit, got {self.suspect_kind!r}")
        _text(self.suspect_id, "suspect_id")
        _text(self.facts_summary, "facts_summary")
        amount = self.amount_defrauded_fen
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise InvalidRequest(f"amount_defrauded_fen must be a non-negative integer, got {amount!r}")
        _aware(self.approved_at, "approved_at")
        missing = [k for k in REQUIRED_ATTACHMENTS if k not in self.attachment_kinds]
        if missing:
            raise IncompleteTransfer(
                f"transfer {self.case_id} lacks {', '.join(missing)} (Decree 310 art. 6); ask the agency to "
                f"complete the package before signing the receipt"
            )


class PoliceCaseState(StrEnum):
    RECEIVED = "received"
    FILED = "filed"
    NOT_FILED = "not_filed"
    FORWARDED = "forwarded"
    RECONSIDERATION_REQUESTED = "reconsideration_requested"
    RECONSIDERATION_DECIDED = "reconsideration_decided"
    EVIDENCE_RECEIVED = "evidence_received"


P = PoliceCaseState


@dataclass(frozen=True)
class PoliceCase:
    case_id: str
    transfer: IncomingTransfer
    receiving_unit: str
    received_at: datetime
    filing_due: Deadline
    forward_by: Deadline
    state: PoliceCaseState = P.RECEIVED
    reasons: str | None = None
    decided_at: datetime | None = None
    forwarded_to: str | None = None
    files_returned: bool = False
    reconsideration_grounds: str | None = None
    reconsideration_due: Deadline | None = None
    evidence_items: tuple[str, ...] = ()
    history: tuple[tuple[datetime, str], ...] = ()

    @property
    def ref_id(self) -> str:
        return self.case_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        if self.state is P.RECEIVED:
            return ((FILING_DECISION, self.filing_due),)
        if self.state is P.RECONSIDERATION_REQUESTED and self.reconsideration_due is not None:
            return ((RECONSIDERATION_DECISION, self.reconsideration_due),)
        return ()

    def check_state(self, step: str, *allowed: PoliceCaseState) -> None:
        if self.state not in allowed:
            names = ", ".join(s.value for s in allowed)
            raise IllegalTransition(
                f"case {self.case_id} is {self.state.value}: '{step}' needs it to be {names}"
            )

    def _to(self, state: PoliceCaseState, now: datetime, **changes: object) -> PoliceCase:
        history = (*self.history, (_aware(now), state.value))
        return dataclasses.replace(self, state=state, history=history, **changes)


def _with_basis(d: Deadline, basis: str) -> Deadline:
    return dataclasses.replace(d, rule=f"{basis}: {d.rule}")


# --- transitions -----------------------------------------------------------------------------------------


def receive_transfer(
    transfer: IncomingTransfer,
    receiving_unit: str,
    now: datetime,
    cal: WorkingCalendar,
    *,
    existing: PoliceCase | None = None,
) -> tuple[PoliceCase, list]:
    """Sign the receipt (HO-23) and start the 3-day filing review. Idempotent for a redelivered transfer."""
    if existing is not None:
        if existing.case_id == transfer.case_id and existing.transfer == transfer:
            return existing, []
        raise ConflictingTransfer(
            f"case {existing.case_id} was already received on {existing.received_at.isoformat()} with "
            f"different facts; ask the agency to withdraw or correct the transfer, not to resend it"
        )
    transfer.check()
    unit = _text(receiving_unit, "receiving_unit")
    received_at = _aware(now)
    due = _with_basis(
        calendar_days(received_at, 3, cal), "filing decided within 3 days of receipt (Decree 310 art. 8)"
    )
    forward_by = _with_basis(
        hours(received_at, 24), "a case outside jurisdiction is forwarded within 24 h (art. 7)"
    )
    case = PoliceCase(transfer.case_id, transfer, unit, received_at, due, forward_by)
    case = case._to(P.RECEIVED, now)
    return case, [ReceiptSigned(case.case_id, received_at, unit)]


def decide_filing(
    case: PoliceCase,
    decision: str,
    now: datetime,
    *,
    reasons: str | None = None,
    files_returned: bool = False,
    forwarded_to: str | None = None,
) -> tuple[PoliceCase, list]:
    """立案 (filed), 不予立案 (not_filed: reasons and returned files) or forwarded to the competent body
    (within 24 h of receipt)."""
    case.check_state("decide on filing", P.RECEIVED)
    decided_at = _aware(now)
    if decision == "filed":
        if forwarded_to is not None:
            raise InvalidRequest(
                f"case {case.case_id}: a filed case is not forwarded; leave forwarded_to empty"
            )
        state = P.FILED
    elif decision == "not_filed":
        reasons = _text(reasons, "reasons for not filing (Decree 310 art. 8)")
        if not files_returned:
            raise InvalidRequest(
                f"case {case.case_id}: return the case files to the agency with the not-filed notice "
                f"(Decree 310 art. 8), then record files_returned"
            )
        if forwarded_to is not None:
            raise InvalidRequest(f"case {case.case_id}: a not-filed decision is not forwarded")
        state = P.NOT_FILED
    elif decision == "forwarded":
        forwarded_to = _text(forwarded_to, "forwarded_to (the competent body)")
        if case.forward_by.is_overdue(now):
            raise ForwardingWindowClosed(
                f"case {case.case_id}: the 24 hours to forward it ended at "
                f"{case.forward_by.due_at.isoformat()}; decide filed or not_filed"
            )
        state = P.FORWARDED
    else:
        raise InvalidRequest(f"decision must be one of {', '.join(FILING_DECISIONS)}, got {decision!r}")
    reasons = reasons.strip() if reasons else None
    new = case._to(
        state,
        now,
        reasons=reasons,
        decided_at=decided_at,
        forwarded_to=forwarded_to,
        files_returned=files_returned,
    )
    return new, [FilingDecided(case.case_id, decision, reasons, decided_at, forwarded_to, files_returned)]


def receive_reconsideration_request(
    case: PoliceCase, grounds: str, now: datetime, cal: WorkingCalendar
) -> tuple[PoliceCase, list]:
    """HO-25 arrived: the agency disputes the not-filed decision; the police decide within 3 days.
    The agency's own 3-day window is checked on its side, where the notice's arrival is known."""
    case.check_state("receive a reconsideration request", P.NOT_FILED)
    due = _with_basis(calendar_days(now, 3, cal), "reconsideration decided within 3 days (Decree 310 art. 9)")
    new = case._to(
        P.RECONSIDERATION_REQUESTED,
        now,
        reconsideration_grounds=_text(grounds, "grounds"),
        reconsideration_due=due,
    )
    return new, []


def decide_reconsideration(
    case: PoliceCase, decision: str, reasons: str, now: datetime
) -> tuple[PoliceCase, list]:
    """``filed`` reverses the not-filed decision; ``not_filed`` upholds it (then the agency may go to the
    procuratorate within 3 days)."""
    case.check_state("decide the reconsideration", P.RECONSIDERATION_REQUESTED)
    if decision not in ("filed", "not_filed"):
        raise InvalidRequest(f"reconsideration decision must be filed or not_filed, got {decision!r}")
    why = _text(reasons, "reasons for the reconsideration decision")
    state = P.FILED if decision == "filed" else P.RECONSIDERATION_DECIDED
    decided_at = _aware(now)
    return case._to(state, now), [ReconsiderationDecided(case.case_id, decision, why, decided_at)]


def receive_evidence(case: PoliceCase, items: Iterable[str], now: datetime) -> tuple[PoliceCase, list]:
    """HO-26 arrived: the agency handed over evidence for a filed case (may come in more than one batch)."""
    case.check_state("receive evidence", P.FILED, P.EVIDENCE_RECEIVED)
    listed = tuple(i.strip() for i in items if i and i.strip())
    if not listed:
        raise InvalidRequest(f"case {case.case_id}: list the evidence items received")
    new = case._to(P.EVIDENCE_RECEIVED, now, evidence_items=(*case.evidence_items, *listed))
    return new, [EvidenceReceived(case.case_id, listed, _aware(now))]


# --- time ------------------------------------------------------------------------------------------------


def open_deadlines(case: PoliceCase, now: datetime) -> list[tuple[str, Deadline]]:
    """Unmet time limits that have started by ``now``, soonest first."""
    now = _aware(now)
    return sorted(((n, d) for n, d in case.deadlines if d.starts_at <= now), key=lambda nd: nd[1].due_at)


def overdue(case: PoliceCase, now: datetime) -> list[tuple[str, Deadline]]:
    return [(n, d) for n, d in open_deadlines(case, now) if d.is_overdue(now)]
