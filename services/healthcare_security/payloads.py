"""Which domain event goes on the bus as which hand-off, and its payload in the catalogue's field names.

Domain events without a hand-off in contracts/boundary/handoffs.yaml (overdue notices, reward collected,
deemed no objection, …) stay in the bureau: on the case's timeline and in ``deadline_alert``.
``extra`` carries request facts the domain does not model (a suspect's name is modelled; an evidence item's
kind is not).
"""

from __future__ import annotations

from typing import Any

from shared.records import dump

from . import domain, schemas
from .domain.events import PenaltyProposalDecided


def _transfer(e: domain.CaseTransferredToPolice, region: str) -> dict:
    return {
        "case_id": e.case_id, "region_code": region,
        "suspect": {"kind": e.suspect_kind, "name": e.suspect_name, "id_number": e.suspect_id},
        "facts_summary": e.facts_summary, "amount_defrauded_fen": e.amount_defrauded_fen,
        "conduct_period": e.conduct_period, "legal_basis": list(e.legal_basis), "approved_by": e.approved_by,
        "approved_at": e.approved_at,
        "attachments": [{"kind": a.kind, "document_id": a.storage_ref, "title": a.filename, "sha256": a.sha256,
                         "size_bytes": a.size_bytes} for a in e.attachments],
        "transferred_at": e.transferred_at,
    }


def _referral(e: domain.ReferralSent, region: str) -> dict:
    return {"referral_id": e.referral_id, "region_code": region, "subject_kind": e.subject_kind,
            "subject_id": e.subject_id, "findings": e.findings, "related_case_id": e.related_case_id,
            "amount_fen": e.amount_fen, "matter": e.matter, "sent_at": e.sent_at}


def _clue(e: domain.ClueTransferred, region: str) -> dict:
    return {"clue_id": e.clue_id, "region_code": region, "functionary_unit": e.functionary_unit,
            "clue_summary": e.summary, "sent_at": e.transferred_at}


# event class -> (schema for this event, payload builder); schema may depend on the event (per recipient).
_OUT: dict[type, tuple[Any, Any]] = {
    domain.CaseTransferredToPolice: (schemas.CaseTransferredToPolice, _transfer),
    domain.ReconsiderationRequested: (schemas.ReconsiderationRequested, lambda e, r: {
        "case_id": e.case_id, "grounds": e.grounds, "notice_received_at": e.notice_received_at,
        "requested_at": e.requested_at}),
    domain.FilingSupervisionRequested: (schemas.FilingSupervisionRequested, lambda e, r: {
        "case_id": e.case_id, "grounds": e.grounds, "reconsideration_decided_at": e.reconsideration_decided_at,
        "requested_at": e.requested_at}),
    domain.EvidenceHandedOver: (schemas.EvidenceHandedOver, lambda e, r: {
        "case_id": e.case_id, "handover_id": e.handover_id, "filing_notice_received_at": e.filing_notice_received_at,
        "handed_over_at": e.handed_over_at}),
    domain.ReferralSent: (lambda e: {"health_commission": schemas.ReferralSentToHealthCommission,
                                     "market_regulation": schemas.ReferralSentToMarketRegulation}[e.target], _referral),
    domain.ClueTransferred: (lambda e: {"discipline_inspection": schemas.ClueTransferredToDisciplineInspection,
                                        "procuratorate": schemas.ClueTransferredToProcuratorate}[e.recipient], _clue),
    # HO-31: what was reported, never who: ``real_name`` and the target only (002:115).
    domain.ReportReceived: (schemas.ReportReceived, lambda e, r: {
        "report_id": e.report_id, "region_code": r, "channel": e.channel, "received_at": e.received_at}),
    domain.ReportClosed: (schemas.ReportClosed, lambda e, r: {
        "report_id": e.report_id, "outcome": e.outcome, "received_at": e.received_at,
        "closed_at": e.outcome_notified_at, "outcome_notified_at": e.outcome_notified_at}),
    domain.RewardApproved: (schemas.RewardApproved, lambda e, r: {
        "reward_id": e.reward_id, "report_id": e.report_id, "region_code": r, "loss_amount_fen": e.loss_amount_fen,
        "reward_amount_fen": e.reward_amount_fen, "notice_served_at": e.notice_served_at,
        "collect_by": e.collect_by}),
    domain.RewardForfeited: (schemas.RewardForfeited, lambda e, r: {
        "reward_id": e.reward_id, "report_id": e.report_id, "forfeited_at": e.forfeited_at,
        "collect_by": e.collect_by}),
    domain.JointInspectionInvited: (schemas.JointInspectionInvited, lambda e, r: {
        "inspection_id": e.inspection_id, "region_code": r, "target_kind": e.target_kind, "target_id": e.target_id,
        "scheduled_for": e.scheduled_for, "invited": list(e.invited)}),
    domain.SupervisionReportIssued: (schemas.SupervisionReportIssued, lambda e, r: {
        "report_id": e.report_id, "supervised_unit": e.supervised_unit, "region_code": r,
        "served_at": e.received_at}),
    domain.SettlementSuspensionOrdered: (schemas.SettlementSuspensionOrdered, lambda e, r: {
        "order_id": e.action_id, "case_id": e.case_id, "target_id": e.institution_id, "approved_by": e.approved_by,
        "ordered_at": e.ordered_at}),
    # HO-37 and HO-42: between the bureau's own offices and levels (bureau_levels.py adds the request facts).
    domain.PenaltyProposalSubmitted: (schemas.PenaltyProposalSubmitted, lambda e, r: {
        "proposal_id": e.proposal_id, "case_id": e.case_id, "legal_basis": list(e.legal_basis),
        "proposed_fine_fen": e.proposed_fine_fen, "submitted_at": e.submitted_at}),
    PenaltyProposalDecided: (schemas.PenaltyProposalApproved, lambda e, r: {
        "proposal_id": e.proposal_id, "case_id": e.case_id, "decision": e.decision,
        "approved_fine_fen": e.approved_fine_fen, "reasons": e.reasons, "decided_at": e.decided_at}),
    domain.EnforcementNoticeIssued: (schemas.EnforcementNoticeIssued, lambda e, r: {
        "notice_id": e.notice_id, "lower_unit": e.lower_unit, "defects": list(e.defects),
        "correct_by": e.correct_by, "issued_at": e.issued_at}),
    domain.EnforcementReviewRequested: (schemas.EnforcementReviewRequested, lambda e, r: {
        "notice_id": e.notice_id, "grounds": e.grounds, "requested_at": e.requested_at}),
    domain.EnforcementReviewDecided: (schemas.EnforcementReviewDecided, lambda e, r: {
        "notice_id": e.notice_id, "decision": e.decision, "reasons": e.reasons, "decided_at": e.decided_at}),
}


def message(event: object, region_code: str, extra: dict | None = None) -> tuple[type, dict] | None:
    """(schema, payload) for an event that crosses to another party, or None for one that stays here."""
    found = _OUT.get(type(event))
    if found is None:
        return None
    schema, build = found
    schema = schema if isinstance(schema, type) else schema(event)
    payload = {**build(event, region_code), **(extra or {})}
    return schema, {k: v for k, v in dump(payload).items() if v is not None}
