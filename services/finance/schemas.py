"""finance's payloads: HTTP requests and the events it publishes (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import PERIOD_MONTH, REGION_CODE, SCHEME, EventSchema, Fen, FundYear

QUARTER = validate.Regexp(r"^\d{4}-Q[1-4]$", error="must be a quarter as YYYY-Qn")
ID = validate.Length(min=1, max=64)


class Signatory(Schema):
    agency = fields.String(required=True, validate=validate.OneOf(["finance", "healthcare_security", "tax"]))
    signed_at = fields.AwareDateTime(required=True)


class PlanSignatory(Schema):
    agency = fields.String(required=True, validate=validate.OneOf(["finance", "healthcare_security"]))
    signed_at = fields.AwareDateTime(required=True)


class FinalAccountsSignatory(PlanSignatory):
    pass


# --- events -------------------------------------------------------------------------------------------


class BudgetDraftReviewed(EventSchema):
    """HO-10: finance's review of the budget draft the bureau forwarded (agreed or returned to the bureau)."""

    event_type = "finance.budget_draft.reviewed.v1"

    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    decision = fields.String(required=True, validate=validate.OneOf(["agreed", "returned"]))
    total_revenue_fen = Fen(required=True)
    total_expenditure_fen = Fen(required=True)
    comments = fields.String()
    reviewed_at = fields.AwareDateTime(required=True)


class BudgetJointSubmissionSent(EventSchema):
    """HO-10: finance, co-signed by healthcare_security (and tax in Hainan), submits the budget to the government."""

    event_type = "finance.budget.joint_submission_sent.v1"

    submission_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    signatories = fields.List(fields.Nested(Signatory), required=True, validate=validate.Length(min=2))
    total_revenue_fen = Fen(required=True)
    total_expenditure_fen = Fen(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class FinalAccountsJointSubmissionSent(EventSchema):
    """HO-14: finance and healthcare_security jointly submit the final accounts to the government (001:242)."""

    event_type = "finance.final_accounts.joint_submission_sent.v1"

    submission_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    signatories = fields.List(fields.Nested(FinalAccountsSignatory), required=True, validate=validate.Length(min=2))
    total_revenue_fen = Fen(required=True)
    total_expenditure_fen = Fen(required=True)
    rolling_balance_fen = Fen(required=True, allow_negative=True)
    submitted_at = fields.AwareDateTime(required=True)


class ApprovedPlanLine(Schema):
    region_code = fields.String(required=True, validate=REGION_CODE)
    month = fields.String(required=True, validate=PERIOD_MONTH)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)


class FundUsePlanReviewed(EventSchema):
    """HO-17: finance and healthcare_security's joint review of the consolidated plan; an adjusted split carries
    its reason (004:35)."""

    event_type = "finance.fund_use_plan.reviewed.v1"

    plan_id = fields.String(required=True, validate=ID)
    quarter = fields.String(required=True, validate=QUARTER)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "adjusted"]))
    approved_lines = fields.List(fields.Nested(ApprovedPlanLine), required=True)
    adjustment_reason = fields.String()
    signatories = fields.List(fields.Nested(PlanSignatory), required=True, validate=validate.Length(min=2))
    reviewed_at = fields.AwareDateTime(required=True)


class FundAllocated(EventSchema):
    """HO-18: finance moves a month's approved plan from the special account to the provincial expenditure
    account, by the end of the month before (004:34)."""

    event_type = "finance.fund.allocated.v1"

    allocation_id = fields.String(required=True, validate=ID)
    plan_id = fields.String(required=True, validate=ID)
    month = fields.String(required=True, validate=PERIOD_MONTH)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True, validate=validate.Range(min=1, error="must be > 0 fen"))
    from_account = fields.String(required=True, validate=ID)
    to_account = fields.String(required=True, validate=ID)
    value_date = fields.Date(required=True)


class RegionShare(Schema):
    region_code = fields.String(required=True, validate=REGION_CODE)
    amount_fen = Fen(required=True)


class ProposalSignatory(PlanSignatory):
    pass


class DeficitSharingProposed(EventSchema):
    """HO-40: finance and healthcare_security propose how the province and the cities share a shortfall."""

    event_type = "finance.deficit_sharing.proposed.v1"

    proposal_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    trigger = fields.String(required=True, validate=validate.OneOf(["balance_below_six_months",
                                                                     "out_of_budget_gap"]))
    rolling_balance_fen = Fen(required=True, allow_negative=True)
    avg_monthly_expenditure_fen = Fen(required=True)
    months_payable = fields.String(required=True, validate=validate.Regexp(r"^-?\d+(\.\d+)?$"))
    shortfall_fen = Fen(required=True)
    province_share_fen = Fen(required=True)
    region_shares = fields.List(fields.Nested(RegionShare), required=True)
    ratio_source = fields.String(required=True, validate=validate.Length(min=1))
    signatories = fields.List(fields.Nested(ProposalSignatory), required=True, validate=validate.Length(min=2))
    proposed_at = fields.AwareDateTime(required=True)


class LtcSubsidyRemitted(EventSchema):
    """HO-41: district finance's long-term-care subsidy (10 yuan a person) to the city special account by end of
    March (003:86)."""

    event_type = "finance.ltc_subsidy.remitted.v1"

    remittance_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    per_person_fen = Fen(required=True)
    amount_fen = Fen(required=True)
    waived = fields.Boolean(required=True)
    to_account = fields.String(required=True, validate=ID)
    remitted_on = fields.Date(required=True)


class RewardPaid(EventSchema):
    """HO-32: finance funded a whistle-blower reward the bureau approved."""

    event_type = "finance.reward.paid.v1"

    reward_id = fields.String(required=True, validate=ID)
    amount_fen = Fen(required=True)
    payment_ref = fields.String(required=True, validate=ID)
    paid_at = fields.AwareDateTime(required=True)


# --- contracts whose flows come later (issue 11) -----------------------------------------------------

DEKAD = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])-D[1-3]$", error="must be a ten-day period as YYYY-MM-Dn, n 1..3")


class PremiumTransferVoucherIssued(EventSchema):
    """HO-06: finance's voucher telling the treasury to move a dekad's (旬) contributions to the provincial
    special account (004:31, 93)."""

    event_type = "finance.premium_transfer.voucher_issued.v1"

    voucher_id = fields.String(required=True, validate=ID)
    dekad = fields.String(required=True, validate=DEKAD)
    treasury_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    region_code = fields.String(required=True, validate=REGION_CODE)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)
    to_account = fields.String(required=True, validate=ID)
    issued_at = fields.AwareDateTime(required=True)


class ResidentSubsidyRemitted(EventSchema):
    """HO-07: a city or county's yearly resident-insurance subsidy to the provincial special account, by
    31 August (004:32, 94)."""

    event_type = "finance.resident_subsidy.remitted.v1"

    remittance_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    region_code = fields.String(required=True, validate=REGION_CODE)
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    amount_fen = Fen(required=True)
    to_account = fields.String(required=True, validate=ID)
    remitted_on = fields.Date(required=True)


class ResidentSubsidyReceived(EventSchema):
    """HO-07 reply: provincial finance confirms the subsidy reached the special account."""

    event_type = "finance.resident_subsidy.received.v1"

    remittance_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    amount_fen = Fen(required=True)
    received_on = fields.Date(required=True)


class JointInspectionAccepted(EventSchema):
    """HO-33 reply: finance takes part in the bureau's joint inspection, or declines with a reason."""

    event_type = "finance.joint_inspection.accepted.v1"

    inspection_id = fields.String(required=True, validate=ID)
    decision = fields.String(required=True, validate=validate.OneOf(["accepted", "declined"]))
    staff_count = fields.Integer(strict=True, validate=validate.Range(min=1))
    contact_unit = fields.String(validate=validate.Length(min=1, max=200))
    reason = fields.String(validate=validate.Length(min=1, max=4000))
    responded_at = fields.AwareDateTime(required=True)


class InspectionFinding(Schema):
    finding_id = fields.String(required=True, validate=ID)
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    amount_fen = Fen()
    follow_up = fields.String(required=True, validate=validate.OneOf(
        ["none", "own_enforcement", "referral", "transfer_to_police"]))


class JointInspectionFindingsReported(EventSchema):
    """HO-33 reply: what finance found within its own remit (empty when nothing)."""

    event_type = "finance.joint_inspection.findings_reported.v1"

    inspection_id = fields.String(required=True, validate=ID)
    findings = fields.List(fields.Nested(InspectionFinding), required=True)
    reported_at = fields.AwareDateTime(required=True)


CHAIN_KIND = validate.OneOf(["budget", "adjustment", "final_accounts"])


class ApprovalChainProgressed(EventSchema):
    """HO-10/13/14: where a draft stands on the chain finance tracks, after each step, return or approval."""

    event_type = "finance.approval_chain.progressed.v1"

    kind = fields.String(required=True, validate=CHAIN_KIND)
    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    state = fields.String(required=True, validate=validate.Length(min=1, max=40))
    action = fields.String(required=True, validate=validate.OneOf(["submitted", "signed", "approved", "returned"]))
    by = fields.String(required=True, validate=validate.Length(min=1, max=64))
    note = fields.String(validate=validate.Length(max=4000))
    pending_step = fields.String(validate=validate.Length(min=1, max=40))
    awaiting = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    complete = fields.Boolean(required=True)
    total_revenue_fen = Fen(required=True, allow_negative=True)
    total_expenditure_fen = Fen(required=True, allow_negative=True)
    at = fields.AwareDateTime(required=True)
    sequence = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


EVENT_SCHEMAS = [ApprovalChainProgressed, BudgetDraftReviewed, BudgetJointSubmissionSent,
                 FinalAccountsJointSubmissionSent, FundUsePlanReviewed, FundAllocated, DeficitSharingProposed,
                 LtcSubsidyRemitted, RewardPaid,
                 PremiumTransferVoucherIssued, ResidentSubsidyRemitted, ResidentSubsidyReceived,
                 JointInspectionAccepted, JointInspectionFindingsReported]


# --- HTTP requests ------------------------------------------------------------------------------------


class ReviewRequest(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["agreed", "returned"]))
    comments = fields.String(load_default="")


class SignRequest(Schema):
    """A co-signatory's signature on the joint submission, recorded at finance (see the report on HO-10)."""

    agency = fields.String(required=True, validate=validate.OneOf(["finance", "healthcare_security", "tax"]))


class ApprovedLineIn(ApprovedPlanLine):
    reason = fields.String(load_default="")


class PlanReviewRequest(Schema):
    reviewed_by = fields.List(fields.String(validate=validate.OneOf(["finance", "healthcare_security"])),
                              required=True)
    approved_lines = fields.List(fields.Nested(ApprovedLineIn), required=True)
    adjustment_reason = fields.String(load_default="")


class AccountFunding(Schema):
    """Opening or topping up an account of the ledger (e.g. contributions reaching the special account)."""

    account = fields.String(required=True, validate=ID)
    amount_fen = Fen(required=True)


class AllocationRequest(Schema):
    allocation_id = fields.String(required=True, validate=ID)
    plan_id = fields.String(required=True, validate=ID)
    month = fields.String(required=True, validate=PERIOD_MONTH)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)


class RatioRequest(Schema):
    weights = fields.Dict(keys=fields.String(), values=fields.Decimal(as_string=True), required=True,
                          validate=validate.Length(min=1))
    source = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DeficitRequest(Schema):
    proposal_id = fields.String(required=True, validate=ID)
    year = FundYear(required=True)
    rolling_balance_fen = Fen(required=True, allow_negative=True)
    avg_monthly_expenditure_fen = Fen(required=True)
    in_budget_gap_fen = Fen(load_default=0)
    out_of_budget_gaps = fields.Dict(keys=fields.String(validate=REGION_CODE), values=Fen(), load_default=dict)


class LtcRemitRequest(Schema):
    remittance_id = fields.String(required=True, validate=ID)
    year = FundYear(required=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    amount_fen = Fen(required=True)
    to_account = fields.String(required=True, validate=ID)


class RewardPayRequest(Schema):
    payment_ref = fields.String(required=True, validate=ID)


# --- HO-10/13/14 chain decisions, HO-06 treasury transfers, HO-07 resident subsidy (requests) ------------


class ChainDecisionRequest(Schema):
    """Finance's own step on a chain: sign (approve, or co-sign a joint step) or return with reasons."""

    decision = fields.String(required=True, validate=validate.OneOf(["signed", "returned"]))
    reasons = fields.String(load_default="", validate=validate.Length(max=4000))
    signer_region_code = fields.String(validate=REGION_CODE)  # 460000 for the provincial steps


class TreasuryScheduleRequest(Schema):
    treasury_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    region_code = fields.String(required=True, validate=REGION_CODE)
    first_dekad = fields.String(required=True, validate=DEKAD)


class VoucherRequest(Schema):
    voucher_id = fields.String(required=True, validate=ID)
    dekad = fields.String(required=True, validate=DEKAD)
    treasury_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    region_code = fields.String(required=True, validate=REGION_CODE)
    scheme = fields.String(required=True, validate=SCHEME)
    amount_fen = Fen(required=True)


class SubsidyRoundRequest(Schema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    regions = fields.List(fields.String(validate=REGION_CODE), required=True, validate=validate.Length(min=1))


class SubsidyRemitRequest(Schema):
    remittance_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    region_code = fields.String(required=True, validate=REGION_CODE)
    # China's population is ~1.4 billion; the column is a 32-bit integer.
    insured_person_count = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2_000_000_000))
    amount_fen = Fen(required=True)
