"""Employer violations split with tax (HO-35, B-HS-1) and agreement measures recorded on a case (HO-39). Pure.

B-HS-1 (001:222-235): the bureau enforces against employers that do not register on time or do not declare
their contribution base; tax enforces against employers that do not pay. Each refers the other's cases and
the other accepts or returns them.
"""

from __future__ import annotations

from datetime import date, datetime

from ._base import IllegalTransition, InvalidRequest, aware, required_text
from .case import Case, advance

BUREAU_KINDS = ("not_registered", "base_not_declared")  # the bureau's part of B-HS-1 (penalty path P-01)
TAX_KINDS = ("not_paid", "paid_short")  # tax's part (P-02: tax adds the 0.05 %/day surcharge)

FROM_TAX, TO_TAX = "from_tax", "to_tax"
RECEIVED, REFERRED, ACCEPTED, RETURNED = "received", "referred", "accepted", "returned"


def responsible(kind: str) -> str:
    """Whose matter an employer violation is under 001's boundary table."""
    if kind in BUREAU_KINDS:
        return "healthcare_security"
    if kind in TAX_KINDS:
        return "tax"
    raise InvalidRequest(f"unknown employer violation {kind!r}; known: {', '.join(BUREAU_KINDS + TAX_KINDS)}")


def check_referral_to_tax(referral_id: str, kind: str, amount_due_fen: int | None, arrears_since: date | None,
                          today: date) -> None:
    """The bureau refers only tax's part of the split; arrears begin on a day that has come."""
    required_text(referral_id, "referral_id")
    if responsible(kind) != "tax":
        raise InvalidRequest(f"{kind} is the bureau's own matter under B-HS-1 (001:222-235): open a case, do not "
                             f"refer it to tax")
    if amount_due_fen is not None and amount_due_fen <= 0:
        raise InvalidRequest(f"amount_due_fen must be more than 0 when given, got {amount_due_fen}")
    if arrears_since is not None and arrears_since > today:
        raise InvalidRequest(f"arrears_since {arrears_since.isoformat()} is after today ({today.isoformat()}): "
                             f"arrears run from a day that has come")


def check_decision(referral_id: str, state: str, decision: str, case_id: str | None, reason: str | None) -> None:
    """The bureau answers tax's referral once: accepted opens a case (case_id), returned says why."""
    if state != RECEIVED:
        raise IllegalTransition(f"tax's referral {referral_id} was already answered ({state})")
    if decision == ACCEPTED:
        required_text(case_id or "", "case_id (the case opened on the referral)")
        if reason:
            raise InvalidRequest("an accepted referral gives no reason for returning it; leave reason out")
    elif decision == RETURNED:
        required_text(reason or "", "reason (why the referral is not the bureau's matter)")
        if case_id:
            raise InvalidRequest("a returned referral opens no case; leave case_id out")
    else:
        raise InvalidRequest(f"decision must be accepted or returned, got {decision!r}")


def answer_state(referral_id: str, state: str, decision: str) -> str | None:
    """Tax's answer to the bureau's referral: the new state, or None when it is the same answer again."""
    if state == decision:
        return None
    if state != REFERRED:
        raise IllegalTransition(f"the bureau's referral {referral_id} was already answered ({state}); tax now says "
                                f"{decision}")
    return decision


def record_agreement_action(case: Case, action_id: str, action: str, order_id: str | None,
                            effective_from: date, now: datetime) -> tuple[Case, list]:
    """HO-39: the center reports a measure it took on this case's target (or carried out on the case's order);
    the case keeps it in its timeline without changing state."""
    step = f"agreement_action: {required_text(action, 'action')} {required_text(action_id, 'action_id')}"
    if order_id:
        step += f" (order {order_id})"
    step += f" from {effective_from.isoformat()}"
    if any(e.step == step for e in case.timeline):
        return case, []
    return advance(case, aware(now), step, case.state, actor="hs_center",
                   event_name="hs_center.agreement.action_reported"), []
