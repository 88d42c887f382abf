"""Outgoing events of the 医保局: tiny frozen values, past tense, field names as in the hand-off payloads.

``event_name`` is the producer-prefixed type of domain.md §3; the service layer publishes the value under
it. Amounts are integer fen (``*_fen``). No event carries a reporter's identity (002:115): the reporter
lives only on :class:`~.reports.Report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from .attachments import Attachment

# --- criminal case transfer (HO-22, HO-25, HO-26) ------------------------------------------------------


@dataclass(frozen=True)
class CaseTransferredToPolice:
    event_name: ClassVar[str] = "healthcare_security.case.transferred_to_police"
    case_id: str
    suspect_kind: str
    suspect_id: str
    suspect_name: str
    facts_summary: str
    amount_defrauded_fen: int
    conduct_period: str
    legal_basis: tuple[str, ...]
    approved_by: str
    approved_at: datetime
    attachments: tuple[Attachment, ...]
    transferred_at: datetime


@dataclass(frozen=True)
class ReconsiderationRequested:
    event_name: ClassVar[str] = "healthcare_security.case.reconsideration_requested"
    case_id: str
    grounds: str
    requested_at: datetime
    notice_received_at: datetime | None = None  # the not-filed notice; the 3 days ran from it


@dataclass(frozen=True)
class FilingSupervisionRequested:
    event_name: ClassVar[str] = "healthcare_security.case.filing_supervision_requested"
    case_id: str
    grounds: str
    requested_at: datetime
    recipient: str = "procuratorate"
    reconsideration_decided_at: datetime | None = None


@dataclass(frozen=True)
class EvidenceHandedOver:
    event_name: ClassVar[str] = "healthcare_security.case.evidence_handed_over"
    case_id: str
    items: tuple[str, ...]
    handed_over_at: datetime
    handover_id: str = ""
    filing_notice_received_at: datetime | None = None  # the 3 days of art. 12 ran from it


# --- internal notices (timers) --------------------------------------------------------------------------


@dataclass(frozen=True)
class PoliceDecisionOverdue:
    """HO-24 on_late: the police filing decision is overdue; the officer is alerted."""

    event_name: ClassVar[str] = "healthcare_security.case.police_decision_overdue"
    case_id: str
    due_at: datetime
    detected_at: datetime


@dataclass(frozen=True)
class ReconsiderationOverdue:
    event_name: ClassVar[str] = "healthcare_security.case.reconsideration_overdue"
    case_id: str
    due_at: datetime
    detected_at: datetime


@dataclass(frozen=True)
class DeadlineMissed:
    """Internal notice: a named time limit of a case, report, reward or supervision has passed."""

    event_name: ClassVar[str] = "healthcare_security.deadline.missed"
    subject_id: str
    deadline: str
    due_at: datetime
    detected_at: datetime
    state: str


# --- referrals, clues, joint work (HO-27/28, HO-30, HO-33, HO-37, HO-39) ------------------------------


@dataclass(frozen=True)
class ReferralSent:
    event_name: ClassVar[str] = "healthcare_security.referral.sent"
    referral_id: str
    target: str
    subject_kind: str
    subject_id: str
    findings: str
    related_case_id: str | None
    amount_fen: int
    matter: str | None
    sent_at: datetime


@dataclass(frozen=True)
class ClueTransferred:
    event_name: ClassVar[str] = "healthcare_security.clue.transferred"
    clue_id: str
    functionary_unit: str
    summary: str
    recipient: str
    transferred_at: datetime


@dataclass(frozen=True)
class JointInspectionInvited:
    event_name: ClassVar[str] = "healthcare_security.joint_inspection.invited"
    inspection_id: str
    target_kind: str
    target_id: str
    scheduled_for: date
    invited: tuple[str, ...]


@dataclass(frozen=True)
class PenaltyProposalSubmitted:
    event_name: ClassVar[str] = "healthcare_security.penalty.proposal_submitted"
    proposal_id: str
    case_id: str
    rule_id: str
    legal_basis: tuple[str, ...]
    proposed_fine_fen: int
    submitted_at: datetime


@dataclass(frozen=True)
class PenaltyProposalDecided:
    """HO-37 reply: the competent authority approves, amends or rejects a penalty proposal."""

    event_name: ClassVar[str] = "healthcare_security.penalty.proposal_approved"
    proposal_id: str
    case_id: str
    decision: str
    approved_fine_fen: int | None
    reasons: str | None
    decided_at: datetime


@dataclass(frozen=True)
class SettlementSuspensionOrdered:
    event_name: ClassVar[str] = "healthcare_security.settlement.suspension_ordered"
    action_id: str
    case_id: str
    institution_id: str
    approved_by: str
    ordered_at: datetime


# --- reports and rewards (HO-31, HO-32) ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportReceived:
    event_name: ClassVar[str] = "healthcare_security.report.received"
    report_id: str
    channel: str
    target: str
    received_at: datetime
    handle_by: date


@dataclass(frozen=True)
class ReportClosed:
    """HO-31. The catalogue names the last field ``notified_reporter_at``; it is ``outcome_notified_at``
    here so that no outgoing field even names the reporter."""

    event_name: ClassVar[str] = "healthcare_security.report.closed"
    report_id: str
    received_at: datetime
    outcome: str
    outcome_notified_at: datetime


@dataclass(frozen=True)
class RewardApproved:
    """HO-32, to finance. Published when the notice is served, because finance needs ``collect_by``."""

    event_name: ClassVar[str] = "healthcare_security.reward.approved"
    reward_id: str
    report_id: str
    loss_amount_fen: int
    reward_amount_fen: int
    notice_served_at: datetime
    collect_by: date


@dataclass(frozen=True)
class RewardCollected:
    event_name: ClassVar[str] = "healthcare_security.reward.collected"
    reward_id: str
    report_id: str
    reward_amount_fen: int
    collected_at: datetime
    by_proxy: bool


@dataclass(frozen=True)
class RewardForfeited:
    event_name: ClassVar[str] = "healthcare_security.reward.forfeited"
    reward_id: str
    report_id: str
    reward_amount_fen: int
    collect_by: date
    forfeited_at: datetime


@dataclass(frozen=True)
class RewardClawedBack:
    event_name: ClassVar[str] = "healthcare_security.reward.clawed_back"
    reward_id: str
    report_id: str
    reward_amount_fen: int
    reasons: str
    decided_at: datetime


# --- supervision (HO-36, HO-42) --------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionReportIssued:
    event_name: ClassVar[str] = "healthcare_security.supervision.report_issued"
    report_id: str
    supervised_unit: str
    findings: tuple[str, ...]
    received_at: datetime
    opinion_due_at: datetime


@dataclass(frozen=True)
class SupervisionDeemedNoObjection:
    event_name: ClassVar[str] = "healthcare_security.supervision.deemed_no_objection"
    report_id: str
    supervised_unit: str
    due_at: datetime
    decided_at: datetime


@dataclass(frozen=True)
class EnforcementNoticeIssued:
    event_name: ClassVar[str] = "healthcare_security.enforcement_supervision.notice_issued"
    notice_id: str
    lower_unit: str
    defects: tuple[str, ...]
    correct_by: date
    issued_at: datetime


@dataclass(frozen=True)
class EnforcementReviewRequested:
    event_name: ClassVar[str] = "healthcare_security.enforcement_supervision.review_requested"
    notice_id: str
    lower_unit: str
    grounds: str
    requested_at: datetime


@dataclass(frozen=True)
class EnforcementReviewDecided:
    event_name: ClassVar[str] = "healthcare_security.enforcement_supervision.review_decided"
    notice_id: str
    decision: str
    reasons: str
    decided_at: datetime


@dataclass(frozen=True)
class EnforcementComplied:
    event_name: ClassVar[str] = "healthcare_security.enforcement_supervision.complied"
    notice_id: str
    lower_unit: str
    result_summary: str
    reported_at: datetime


OUTGOING_EVENTS: tuple[type, ...] = (
    CaseTransferredToPolice,
    ReconsiderationRequested,
    FilingSupervisionRequested,
    EvidenceHandedOver,
    PoliceDecisionOverdue,
    ReconsiderationOverdue,
    DeadlineMissed,
    ReferralSent,
    ClueTransferred,
    JointInspectionInvited,
    PenaltyProposalSubmitted,
    PenaltyProposalDecided,
    SettlementSuspensionOrdered,
    ReportReceived,
    ReportClosed,
    RewardApproved,
    RewardCollected,
    RewardForfeited,
    RewardClawedBack,
    SupervisionReportIssued,
    SupervisionDeemedNoObjection,
    EnforcementNoticeIssued,
    EnforcementReviewRequested,
    EnforcementReviewDecided,
    EnforcementComplied,
)
