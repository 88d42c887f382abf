"""healthcare_security's payloads: the events it publishes and the officers' HTTP requests (marshmallow).

Event field names follow contracts/boundary/handoffs.yaml. No schema of an event that leaves the bureau has
a field for the reporter (举报人, 002:115); only report.received, which the bureau alone consumes, carries it.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.bus.fields import REGION_CODE, EventSchema, Fen

from .budget_review import EVENT_SCHEMAS as BUDGET_REVIEW_EVENT_SCHEMAS
from .domain import AttachmentKind

ID = validate.Length(min=1, max=64)
TEXT = validate.Length(min=1, max=4000)
NAME = validate.Length(min=1, max=200)


def _id(**kw):
    return fields.String(validate=ID, **kw)


# --- HO-22 … HO-26: transfer to police ----------------------------------------------------------------------


class Suspect(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["person", "unit"]))
    name = fields.String(required=True, validate=NAME)
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=64))


class TransferDocument(Schema):
    """One document of the transfer package (Decree 310 art. 6); the file stays in the bureau's store."""

    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in AttachmentKind]))
    document_id = fields.String(required=True, validate=validate.Length(min=1, max=500),
                                metadata={"description": "Reference of the file in the bureau's store."})
    title = fields.String(required=True, validate=NAME)
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="64 lower-case hex"))
    size_bytes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class CaseTransferredToPolice(EventSchema):
    """HO-22: the bureau transfers a suspected fund-fraud crime to the police (移送), within 24 h of approval."""

    event_type = "healthcare_security.case.transferred_to_police.v1"

    case_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    suspect = fields.Nested(Suspect, required=True)
    facts_summary = fields.String(required=True, validate=TEXT)
    amount_defrauded_fen = Fen(required=True)
    conduct_period = fields.String(required=True, validate=validate.Length(min=1, max=40))
    legal_basis = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=1))
    approved_by = fields.String(required=True, validate=NAME)
    approved_at = fields.AwareDateTime(required=True)
    attachments = fields.List(fields.Nested(TransferDocument), required=True, validate=validate.Length(min=2))
    transferred_at = fields.AwareDateTime(required=True)


class ReconsiderationRequested(EventSchema):
    """HO-25: the bureau asks the police to reconsider not filing, within 3 days of the notice."""

    event_type = "healthcare_security.case.reconsideration_requested.v1"

    case_id = _id(required=True)
    grounds = fields.String(required=True, validate=TEXT)
    notice_received_at = fields.AwareDateTime(required=True)
    requested_at = fields.AwareDateTime(required=True)


class FilingSupervisionRequested(EventSchema):
    """HO-25: the bureau asks the procuratorate to supervise the police's refusal to file (立案监督)."""

    event_type = "healthcare_security.case.filing_supervision_requested.v1"

    case_id = _id(required=True)
    grounds = fields.String(required=True, validate=TEXT)
    reconsideration_decided_at = fields.AwareDateTime()
    requested_at = fields.AwareDateTime(required=True)


class EvidenceItem(Schema):
    kind = fields.String(required=True,
                         validate=validate.OneOf(["document", "seized_item", "electronic_data", "other"]))
    description = fields.String(required=True, validate=NAME)
    document_id = fields.String(validate=validate.Length(min=1, max=500))


class EvidenceHandedOver(EventSchema):
    """HO-26: the evidence of a filed case goes to the police within 3 days of the filing notice."""

    event_type = "healthcare_security.case.evidence_handed_over.v1"

    case_id = _id(required=True)
    handover_id = _id(required=True)
    items = fields.List(fields.Nested(EvidenceItem), required=True, validate=validate.Length(min=1))
    filing_notice_received_at = fields.AwareDateTime(required=True)
    handed_over_at = fields.AwareDateTime(required=True)


# --- HO-27 … HO-30: referrals and clues ---------------------------------------------------------------------


class _Referral(EventSchema):
    referral_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    subject_name = fields.String(required=True, validate=NAME)
    findings = fields.String(required=True, validate=TEXT)
    related_case_id = _id()
    amount_fen = Fen()
    sent_at = fields.AwareDateTime(required=True)


class ReferralSentToHealthCommission(_Referral):
    """HO-27: misconduct of a medical institution or medical staff, for the health commission."""

    event_type = "healthcare_security.referral.sent_to_health_commission.v1"

    subject_kind = fields.String(required=True, validate=validate.OneOf(["institution", "medical_staff"]))
    matter = fields.String(required=True, validate=validate.OneOf(["medical_conduct", "practising_qualification"]))


class ReferralSentToMarketRegulation(_Referral):
    """HO-28: drug circulation, purchase channel or price matters, for market regulation."""

    event_type = "healthcare_security.referral.sent_to_market_regulation.v1"

    subject_kind = fields.String(required=True, validate=validate.OneOf(["pharmacy", "institution", "enterprise"]))
    matter = fields.String(required=True, validate=validate.OneOf(["drug_circulation", "purchase_channel", "price"]))


class _Clue(EventSchema):
    clue_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    functionary_unit = fields.String(required=True, validate=NAME)
    functionary_name = fields.String(required=True, validate=NAME)
    suspicion = fields.String(required=True, validate=validate.OneOf(["discipline_breach", "crime"]))
    clue_summary = fields.String(required=True, validate=TEXT)
    related_case_id = _id()
    sent_at = fields.AwareDateTime(required=True)


class ClueTransferredToDisciplineInspection(_Clue):
    """HO-30: a state functionary's suspected discipline breach or duty crime, for discipline inspection."""

    event_type = "healthcare_security.clue.transferred_to_discipline_inspection.v1"


class ClueTransferredToProcuratorate(_Clue):
    """HO-30: a state functionary's suspected crime, for the procuratorate."""

    event_type = "healthcare_security.clue.transferred_to_procuratorate.v1"


# --- HO-31, HO-32: reports and rewards (no reporter identity) -----------------------------------------------


class ReportTarget(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["institution", "pharmacy", "insured_person", "employer", "handling_agency", "other"]))
    target_id = fields.String(validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=NAME)


class ConfidentialReporter(Schema):
    """A real-name reporter (举报人): kept confidential (002:115), so only the bureau's own events carry it."""

    name = fields.String(required=True, validate=NAME)
    id_number = fields.String(validate=validate.Length(min=1, max=64))
    contact = fields.String(validate=validate.Length(min=1, max=200))


class ReportReceived(EventSchema):
    """HO-31: the bureau records a whistle-blower report (举报) and starts the 30-day clock (001:395). Internal:
    healthcare_security is its only consumer, which is why it alone may carry the reporter."""

    event_type = "healthcare_security.report.received.v1"

    report_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    channel = fields.String(required=True, validate=validate.OneOf(["phone", "online", "letter", "visit", "other"]))
    target = fields.Nested(ReportTarget, required=True)
    clues = fields.String(required=True, validate=TEXT)
    real_name = fields.Boolean(required=True)
    reporter = fields.Nested(ConfidentialReporter)
    received_at = fields.AwareDateTime(required=True)


class ReportClosed(EventSchema):
    """HO-31: the outcome the reporter is told, within 30 days of the report; by report id only."""

    event_type = "healthcare_security.report.closed.v1"

    report_id = _id(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["substantiated", "unsubstantiated", "referred"]))
    outcome_summary = fields.String(required=True, validate=TEXT)
    received_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(required=True)
    outcome_notified_at = fields.AwareDateTime(required=True)


class RewardApproved(EventSchema):
    """HO-32: finance funds an approved reward; reward and report ids and amounts only, never the reporter."""

    event_type = "healthcare_security.reward.approved.v1"

    reward_id = _id(required=True)
    report_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    loss_amount_fen = Fen(required=True)
    reward_amount_fen = Fen(required=True)
    notice_served_at = fields.AwareDateTime(required=True)
    collect_by = fields.Date(required=True)
    approved_at = fields.AwareDateTime(required=True)


class RewardForfeited(EventSchema):
    """HO-32: the reporter did not collect within 2 working days of the notice, so the reward is deemed waived
    (003:56); finance stops funding it. Ids and dates only."""

    event_type = "healthcare_security.reward.forfeited.v1"

    reward_id = _id(required=True)
    report_id = _id(required=True)
    forfeited_at = fields.AwareDateTime(required=True)
    collect_by = fields.Date(required=True)


# --- HO-33, HO-36, HO-39 ------------------------------------------------------------------------------------


class InspectionPlan(Schema):
    """联合检查 plan: which inspection, of which institution or pharmacy, when. The officer's request and the
    invitation it publishes carry the same fields, first and in this order."""

    inspection_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    inspection_kind = fields.String(required=True, validate=validate.OneOf(["flying", "special", "routine", "cross"]))
    target_kind = fields.String(required=True, validate=validate.OneOf(["institution", "pharmacy"]))
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    target_name = fields.String(required=True, validate=NAME)
    scheduled_for = fields.Date(required=True)


class JointInspectionInvited(InspectionPlan, EventSchema):
    """HO-33: the bureau invites other departments to a joint inspection."""

    event_type = "healthcare_security.joint_inspection.invited.v1"

    invited = fields.List(fields.String(validate=validate.OneOf(
        ["health_commission", "market_regulation", "finance", "public_security"])), required=True,
        validate=validate.Length(min=1))
    scope = fields.String(required=True, validate=TEXT)
    invited_at = fields.AwareDateTime(required=True)


class ConsolidatedFinding(Schema):
    finding_id = _id(required=True)
    description = fields.String(required=True, validate=TEXT)
    amount_fen = Fen()
    lead_agency = fields.String(required=True, validate=validate.OneOf(
        ["healthcare_security", "health_commission", "market_regulation", "finance", "public_security"]))


class JointInspectionFindingsReported(EventSchema):
    """HO-33: the consolidated result of a joint inspection, and which department follows up each finding."""

    event_type = "healthcare_security.joint_inspection.findings_reported.v1"

    inspection_id = _id(required=True)
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    findings = fields.List(fields.Nested(ConsolidatedFinding), required=True)
    reported_at = fields.AwareDateTime(required=True)


class SupervisionFinding(Schema):
    finding_id = _id(required=True)
    description = fields.String(required=True, validate=TEXT)
    amount_fen = Fen()


class SupervisionReportIssued(EventSchema):
    """HO-36: an on-site supervision report; a written opinion within 10 days, silence = no objection."""

    event_type = "healthcare_security.supervision.report_issued.v1"

    report_id = _id(required=True)
    supervision_id = _id(required=True)
    supervised_unit = fields.String(required=True, validate=NAME)
    region_code = fields.String(required=True, validate=REGION_CODE)
    findings = fields.List(fields.Nested(SupervisionFinding), required=True, validate=validate.Length(min=1))
    served_at = fields.AwareDateTime(required=True)


class SettlementSuspensionOrdered(EventSchema):
    """HO-39: the center suspends settlement for a target that refuses to cooperate (002:100)."""

    event_type = "healthcare_security.settlement.suspension_ordered.v1"

    order_id = _id(required=True)
    case_id = _id(required=True)
    target_kind = fields.String(required=True, validate=validate.OneOf(["institution", "insured_person"]))
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=TEXT)
    approved_by = fields.String(required=True, validate=NAME)
    effective_from = fields.Date(required=True)
    ordered_at = fields.AwareDateTime(required=True)


# --- HO-35, HO-37, HO-38, HO-42: contracts whose flows come later (issue 11) -------------------------------


class EmployerViolationAccepted(EventSchema):
    """HO-35 reply: the bureau opens a case on tax's referral of an employer not enrolled, or returns it."""

    event_type = "healthcare_security.employer_violation.accepted.v1"

    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    decision = fields.String(required=True, validate=validate.OneOf(["accepted", "returned"]))
    case_id = _id()
    reason = fields.String(validate=TEXT)
    decided_at = fields.AwareDateTime(required=True)


class EmployerViolationReferred(EventSchema):
    """HO-35: an employer that does not pay or pays short is tax's matter (001:222-235); the surcharge runs from
    ``arrears_since`` (003:41)."""

    event_type = "healthcare_security.employer_violation.referred.v1"

    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    region_code = fields.String(required=True, validate=REGION_CODE)
    employer_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    employer_name = fields.String(required=True, validate=NAME)
    kind = fields.String(required=True, validate=validate.OneOf(["not_paid", "paid_short"]))
    facts = fields.String(required=True, validate=TEXT)
    amount_due_fen = Fen()
    arrears_since = fields.Date()
    referred_at = fields.AwareDateTime(required=True)


class PenalisedParty(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["institution", "pharmacy", "handling_agency", "employer", "person"]))
    party_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=NAME)


class PenaltyProposalSubmitted(EventSchema):
    """HO-37: the supervising body proposes a penalty to the competent administrative authority (000:251)."""

    event_type = "healthcare_security.penalty.proposal_submitted.v1"

    proposal_id = _id(required=True)
    case_id = _id(required=True)
    supervision_id = _id()
    party = fields.Nested(PenalisedParty, required=True)
    violations = fields.String(required=True, validate=TEXT)
    legal_basis = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=1))
    proposed_fine_fen = Fen()
    proposed_measures = fields.List(fields.String(validate=NAME))
    submitted_at = fields.AwareDateTime(required=True)


class PenaltyProposalApproved(EventSchema):
    """HO-37 reply: the competent authority approves, amends or rejects a penalty proposal."""

    event_type = "healthcare_security.penalty.proposal_approved.v1"

    proposal_id = _id(required=True)
    case_id = _id(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "amended", "rejected"]))
    approved_fine_fen = Fen()
    reasons = fields.String(validate=TEXT)
    decided_at = fields.AwareDateTime(required=True)

    @validates_schema
    def _reasons_when_not_approved(self, data, **kwargs):
        if data.get("decision") in ("amended", "rejected") and not data.get("reasons"):
            raise ValidationError("give the reasons when a proposal is amended or rejected", "reasons")


class ServicePriceSet(EventSchema):
    """HO-38: the bureau sets or changes the price of a basic, special-needs or new medical service item
    (000:197-211); a new item follows the health commission's review."""

    event_type = "healthcare_security.service_price.set.v1"

    price_id = _id(required=True)
    review_id = _id()
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    item_name = fields.String(required=True, validate=NAME)
    item_kind = fields.String(required=True, validate=validate.OneOf(["basic", "special_needs", "new"]))
    price_fen = Fen(required=True)
    price_unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    region_code = fields.String(required=True, validate=REGION_CODE)
    effective_from = fields.Date(required=True)
    set_at = fields.AwareDateTime(required=True)


class EnforcementNoticeIssued(EventSchema):
    """HO-42: an upper bureau's enforcement supervision notice (执法监督通知书) to a lower bureau (001:393)."""

    event_type = "healthcare_security.enforcement_supervision.notice_issued.v1"

    notice_id = _id(required=True)
    issuing_unit = fields.String(required=True, validate=NAME)
    lower_unit = fields.String(required=True, validate=NAME)
    related_case_id = _id()
    defects = fields.List(fields.String(validate=TEXT), required=True, validate=validate.Length(min=1))
    required_action = fields.String(required=True, validate=TEXT)
    correct_by = fields.Date(required=True)
    issued_at = fields.AwareDateTime(required=True)


class EnforcementReviewRequested(EventSchema):
    """HO-42 reply: the lower bureau asks for review within 10 days of receiving the notice (001:393)."""

    event_type = "healthcare_security.enforcement_supervision.review_requested.v1"

    request_id = _id(required=True)
    notice_id = _id(required=True)
    notice_received_at = fields.AwareDateTime(required=True)
    grounds = fields.String(required=True, validate=TEXT)
    requested_at = fields.AwareDateTime(required=True)


class EnforcementReviewDecided(EventSchema):
    """HO-42 reply: the upper bureau decides the review within 15 days of the request (001:393)."""

    event_type = "healthcare_security.enforcement_supervision.review_decided.v1"

    request_id = _id(required=True)
    notice_id = _id(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(["upheld", "varied", "revoked"]))
    reasons = fields.String(required=True, validate=TEXT)
    decided_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS = [
    CaseTransferredToPolice, ReconsiderationRequested, FilingSupervisionRequested, EvidenceHandedOver,
    ReferralSentToHealthCommission, ReferralSentToMarketRegulation,
    ClueTransferredToDisciplineInspection, ClueTransferredToProcuratorate,
    ReportReceived, ReportClosed, RewardApproved, RewardForfeited,
    JointInspectionInvited, JointInspectionFindingsReported, SupervisionReportIssued, SettlementSuspensionOrdered,
    EmployerViolationAccepted, EmployerViolationReferred, PenaltyProposalSubmitted, PenaltyProposalApproved,
    ServicePriceSet, EnforcementNoticeIssued, EnforcementReviewRequested, EnforcementReviewDecided,
    *BUDGET_REVIEW_EVENT_SCHEMAS,  # declared beside the budget-review entrypoints; the entry point reads this list
]


# --- officers' requests -------------------------------------------------------------------------------------


class OpenCase(Schema):
    case_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)


class FileCase(Schema):
    filed_by = fields.String(required=True, validate=NAME)


class StartInvestigation(Schema):
    officers = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=2))


class Findings(Schema):
    amount_defrauded_fen = Fen(required=True)
    suspected_crime = fields.Boolean(load_default=False)


class TransferReportRequest(Schema):
    """The team's transfer report with its package (Decree 310 arts. 5–6)."""

    officers = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=2))
    suspect = fields.Nested(Suspect, required=True)
    facts_summary = fields.String(required=True, validate=TEXT)
    amount_defrauded_fen = Fen(required=True)
    conduct_period = fields.String(required=True, validate=validate.Length(min=1, max=40))
    legal_basis = fields.List(fields.String(validate=NAME), required=True, validate=validate.Length(min=1))
    attachments = fields.List(fields.Nested(TransferDocument), required=True)
    items_seized = fields.Boolean(load_default=False)


class HeadDecision(Schema):
    """The head approves the transfer, or refuses it with reasons."""

    decided_by = fields.String(required=True, validate=NAME)
    approve = fields.Boolean(required=True)
    reasons = fields.String(validate=TEXT)


class Grounds(Schema):
    grounds = fields.String(required=True, validate=TEXT)


class EvidenceHandoverRequest(Schema):
    handover_id = _id(required=True)
    items = fields.List(fields.Nested(EvidenceItem), required=True, validate=validate.Length(min=1))


class DecidedBy(Schema):
    decided_by = fields.String(required=True, validate=NAME)


class SupervisionOutcome(Schema):
    police_filed = fields.Boolean(required=True)


class PenaltyRequest(Schema):
    rule_id = fields.String(required=True, validate=validate.Regexp(r"^P-\d\d$"))
    base_fen = Fen(load_default=0)
    fine_fen = Fen(required=True)
    jurisdiction = fields.String(load_default="national", validate=validate.OneOf(["national", "jiangsu"]))
    party = fields.String(validate=validate.OneOf(["unit", "persons"]))
    tier = fields.String(validate=validate.OneOf(["serious", "especially_serious"]))
    decided_by = fields.String(required=True, validate=NAME)


class Reasons(Schema):
    reasons = fields.String(required=True, validate=TEXT)


class ClosedBy(Schema):
    closed_by = fields.String(required=True, validate=NAME)


class SettlementSuspensionRequest(Schema):
    order_id = _id(required=True)
    target_kind = fields.String(required=True, validate=validate.OneOf(["institution", "insured_person"]))
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=TEXT)
    approved_by = fields.String(required=True, validate=NAME)
    effective_from = fields.Date(required=True)


class ReferralRequest(Schema):
    referral_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    target = fields.String(required=True, validate=validate.OneOf(["health_commission", "market_regulation"]))
    subject_kind = fields.String(required=True, validate=NAME)
    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    subject_name = fields.String(required=True, validate=NAME)
    matter = fields.String(required=True, validate=NAME)
    findings = fields.String(required=True, validate=TEXT)
    related_case_id = _id()
    amount_fen = Fen(load_default=0)


class ClueRequest(Schema):
    clue_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    recipient = fields.String(required=True, validate=validate.OneOf(["discipline_inspection", "procuratorate"]))
    functionary_unit = fields.String(required=True, validate=NAME)
    functionary_name = fields.String(required=True, validate=NAME)
    suspicion = fields.String(required=True, validate=validate.OneOf(["discipline_breach", "crime"]))
    clue_summary = fields.String(required=True, validate=TEXT)
    related_case_id = _id()


class JointInspectionRequest(InspectionPlan):
    invited = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    scope = fields.String(required=True, validate=TEXT)


class ReporterIn(Schema):
    name = fields.String(required=True, validate=NAME)
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(validate=validate.Length(min=1, max=64))
    wants_reward = fields.Boolean(load_default=True)


class ReportRequest(Schema):
    report_id = _id(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    channel = fields.String(required=True, validate=validate.OneOf(["phone", "online", "letter", "visit", "other"]))
    target = fields.String(required=True, validate=NAME)
    clues = fields.String(required=True, validate=TEXT)
    reporter = fields.Nested(ReporterIn)


class ReportClosure(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["substantiated", "unsubstantiated", "referred"]))
    outcome_summary = fields.String(required=True, validate=TEXT)
    facts_already_known = fields.Boolean(load_default=False)


class RewardRequest(Schema):
    reward_id = _id(required=True)
    loss_amount_fen = Fen(required=True)
    reward_amount_fen = Fen(required=True)
    approved_by = fields.String(required=True, validate=NAME)


class Collection(Schema):
    by_proxy = fields.Boolean(load_default=False)
    power_of_attorney = fields.Boolean(load_default=False)


class SupervisionReportRequest(Schema):
    report_id = _id(required=True)
    supervision_id = _id(required=True)
    supervised_unit = fields.String(required=True, validate=NAME)
    region_code = fields.String(required=True, validate=REGION_CODE)
    findings = fields.List(fields.Nested(SupervisionFinding), required=True, validate=validate.Length(min=1))
