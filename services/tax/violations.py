"""Employer violations split with the bureau (HO-35, B-HS-1, 001:222-235): tax's rules. Pure: no I/O.

Tax enforces against employers that do not pay or pay short; the bureau refers them here. For arrears tax orders
payment and adds a late-payment surcharge (滞纳金) of 0.05 % a day from the day the arrears began (P-02:
Jiangsu regulation art. 72 ¶2, cf. Social Insurance Law art. 86; 003:41).
"""

from __future__ import annotations

from datetime import date

TAX_KINDS = ("not_paid", "paid_short")
SURCHARGE_PER_DAY_NUM, SURCHARGE_PER_DAY_DEN = 5, 10_000  # 0.05 % a day
SURCHARGE_BASIS = "0.05 % a day from the day the arrears began (P-02; 003:41; cf. Social Insurance Law art. 86)"

RECEIVED, ACCEPTED, RETURNED = "received", "accepted", "returned"


class ViolationError(Exception):
    """The decision on a referral breaks a rule; the message says which (answers 409)."""


def surcharge_days(arrears_since: date, on: date) -> int:
    """Days of arrears on ``on``, the first day of arrears included; none before it begins."""
    return max((on - arrears_since).days + 1, 0)


def late_surcharge_fen(amount_fen: int, arrears_since: date, on: date) -> int:
    """The surcharge accrued by ``on``: amount × 0.05 % × days, in whole fen rounded half up."""
    if amount_fen < 0:
        raise ViolationError(f"the amount in arrears must not be negative ({amount_fen} fen)")
    exact = amount_fen * SURCHARGE_PER_DAY_NUM * surcharge_days(arrears_since, on)
    return (2 * exact + SURCHARGE_PER_DAY_DEN) // (2 * SURCHARGE_PER_DAY_DEN)


def check_decision(referral_id: str, state: str, decision: str, kind: str, reason: str | None) -> None:
    """Tax answers the bureau's referral once; a return says why. Tax's part of the split is non-payment: a
    referral of another kind may only be returned."""
    if state != RECEIVED:
        raise ViolationError(f"the bureau's referral {referral_id} was already answered ({state})")
    if decision == RETURNED:
        if not (reason or "").strip():
            raise ViolationError(f"returning referral {referral_id} needs a reason (why it is not tax's matter)")
        return
    if decision != ACCEPTED:
        raise ViolationError(f"decision must be accepted or returned, got {decision!r}")
    if kind not in TAX_KINDS:
        raise ViolationError(f"referral {referral_id} is {kind}, not non-payment: it is not tax's matter under "
                             f"B-HS-1 (001:222-235); return it")
    if reason:
        raise ViolationError("an accepted referral gives no reason for returning it; leave reason out")
