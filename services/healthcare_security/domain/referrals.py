"""Referrals to other regulators (HO-27/28, outcome HO-29), functionary clues (HO-30) and joint
inspections (HO-33)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from shared.calendar import WorkingCalendar
from shared.deadlines import SHANGHAI, Deadline, working_days

from ._base import IllegalTransition, InvalidRequest, aware, check_fen, required_text
from .events import ClueTransferred, JointInspectionInvited, ReferralSent

ACKNOWLEDGEMENT = "referral_acknowledgement"  # 5 working days (design; seeds silent)

# target -> subject kinds it regulates (health: institutions and medical staff; market: drug circulation,
# pharmacy purchase channels and prices).
REFERRAL_SUBJECTS = {
    "health_commission": ("institution", "medical_staff"),
    "market_regulation": ("pharmacy", "institution", "enterprise"),
}
MARKET_MATTERS = ("drug_circulation", "purchase_channel", "price")
REFERRAL_OUTCOMES = ("penalised", "no_violation", "transferred", "pending")
CLUE_RECIPIENTS = ("discipline_inspection", "procuratorate")
JOINT_INSPECTION_PARTNERS = ("health_commission", "market_regulation", "finance", "public_security")


class ReferralState(StrEnum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    OUTCOME_REPORTED = "outcome_reported"


@dataclass(frozen=True)
class Referral:
    referral_id: str
    target: str
    subject_kind: str
    subject_id: str
    findings: str
    sent_at: datetime
    acknowledge_by: Deadline
    related_case_id: str | None = None
    amount_fen: int = 0
    matter: str | None = None
    state: ReferralState = ReferralState.SENT
    outcome: str | None = None
    outcome_summary: str | None = None

    @property
    def ref_id(self) -> str:
        return self.referral_id

    @property
    def deadlines(self) -> tuple[tuple[str, Deadline], ...]:
        return ((ACKNOWLEDGEMENT, self.acknowledge_by),) if self.state is ReferralState.SENT else ()


def send_referral(
    referral_id: str,
    target: str,
    subject_kind: str,
    subject_id: str,
    findings: str,
    now: datetime,
    cal: WorkingCalendar,
    *,
    related_case_id: str | None = None,
    amount_fen: int = 0,
    matter: str | None = None,
) -> tuple[Referral, list]:
    """Refer conduct that another regulator must sanction (e.g. licence revocation → health_commission)."""
    if target not in REFERRAL_SUBJECTS:
        raise InvalidRequest(f"a referral goes to {' or '.join(REFERRAL_SUBJECTS)}, not {target!r}")
    if subject_kind not in REFERRAL_SUBJECTS[target]:
        raise InvalidRequest(
            f"{target} takes referrals about {', '.join(REFERRAL_SUBJECTS[target])}, not {subject_kind!r}"
        )
    if target == "market_regulation" and matter not in MARKET_MATTERS:
        raise InvalidRequest(f"a referral to market_regulation names its matter: {', '.join(MARKET_MATTERS)}")
    if target == "health_commission" and matter is not None:
        raise InvalidRequest("a referral to health_commission has no market matter; leave matter empty")
    check_fen(amount_fen, "amount_fen")
    due = working_days(now, 5, cal)
    due = dataclasses.replace(
        due, rule=f"acknowledgement within 5 working days (fundlink design): {due.rule}"
    )
    referral = Referral(
        required_text(referral_id, "referral_id"),
        target,
        subject_kind,
        required_text(subject_id, "subject_id"),
        required_text(findings, "findings"),
        aware(now),
        due,
        related_case_id,
        amount_fen,
        matter,
    )
    event = ReferralSent(
        referral.referral_id,
        target,
        subject_kind,
        referral.subject_id,
        referral.findings,
        related_case_id,
        amount_fen,
        matter,
        referral.sent_at,
    )
    return referral, [event]


def record_referral_acknowledged(referral: Referral, now: datetime) -> tuple[Referral, list]:
    if referral.state is not ReferralState.SENT:
        raise IllegalTransition(
            f"referral {referral.referral_id} is {referral.state.value}: already acknowledged"
        )
    aware(now)
    return dataclasses.replace(referral, state=ReferralState.ACKNOWLEDGED), []


def record_referral_outcome(
    referral: Referral, outcome: str, summary: str, now: datetime
) -> tuple[Referral, list]:
    """HO-29 arrived; an outcome also counts as the acknowledgement."""
    if referral.state is ReferralState.OUTCOME_REPORTED and referral.outcome != "pending":
        raise IllegalTransition(f"referral {referral.referral_id} already has its outcome {referral.outcome}")
    if outcome not in REFERRAL_OUTCOMES:
        raise InvalidRequest(f"outcome must be one of {', '.join(REFERRAL_OUTCOMES)}, got {outcome!r}")
    aware(now)
    return dataclasses.replace(
        referral,
        state=ReferralState.OUTCOME_REPORTED,
        outcome=outcome,
        outcome_summary=required_text(summary, "summary"),
    ), []


# --- HO-30 functionary clue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clue:
    clue_id: str
    functionary_unit: str
    summary: str
    recipient: str
    transferred_at: datetime


def transfer_clue(
    clue_id: str, functionary_unit: str, summary: str, recipient: str, now: datetime
) -> tuple[Clue, list]:
    """A state functionary is suspected of a discipline breach or crime (000:253)."""
    if recipient not in CLUE_RECIPIENTS:
        raise InvalidRequest(f"a functionary clue goes to {' or '.join(CLUE_RECIPIENTS)}, not {recipient!r}")
    clue = Clue(
        required_text(clue_id, "clue_id"),
        required_text(functionary_unit, "functionary_unit"),
        required_text(summary, "summary"),
        recipient,
        aware(now),
    )
    return clue, [
        ClueTransferred(clue.clue_id, clue.functionary_unit, clue.summary, recipient, clue.transferred_at)
    ]


# --- HO-33 joint inspection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JointInspection:
    inspection_id: str
    target_kind: str
    target_id: str
    scheduled_for: date
    invited: tuple[str, ...]


def invite_joint_inspection(
    inspection_id: str,
    target_kind: str,
    target_id: str,
    scheduled_for: date,
    invited: Iterable[str],
    now: datetime,
) -> tuple[JointInspection, list]:
    partners = tuple(dict.fromkeys(invited))
    unknown = [p for p in partners if p not in JOINT_INSPECTION_PARTNERS]
    if not partners or unknown:
        raise InvalidRequest(
            f"invite one or more of {', '.join(JOINT_INSPECTION_PARTNERS)}; unknown: {unknown}"
        )
    if target_kind not in ("institution", "pharmacy"):
        raise InvalidRequest(f"target_kind must be institution or pharmacy, got {target_kind!r}")
    if scheduled_for < aware(now).astimezone(SHANGHAI).date():
        raise InvalidRequest(f"the inspection date {scheduled_for.isoformat()} is already past")
    inspection = JointInspection(
        required_text(inspection_id, "inspection_id"),
        target_kind,
        required_text(target_id, "target_id"),
        scheduled_for,
        partners,
    )
    event = JointInspectionInvited(
        inspection.inspection_id, target_kind, inspection.target_id, scheduled_for, partners
    )
    return inspection, [event]
