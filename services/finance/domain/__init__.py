"""Finance (财政) side of the fund's money cycle: pure rules, no I/O (domain.md §4.9, §4.10, §8).

A package by sub-matter (``_base``, ``chains``, ``plans``, ``ledger``, ``deficit``, ``ltc``, ``rewards``),
re-exported here. Rules take values and return new values plus the events they cause; refusals raise a named
:class:`DomainError` whose message says what to do. Money is ``int`` fen throughout.

1. Approval chains (HO-08…HO-14): :class:`BudgetChain` configurations for the budget (Hainan, Hengshui),
   the budget adjustment and the final accounts; :class:`BudgetDraft` moves along one with
   :func:`submit`, :func:`advance` and :func:`return_for_revision`.
2. Joint review of the quarterly fund-use plan (HO-17): :func:`review_fund_use_plan`.
3. Ledger and monthly allocation (HO-18): :class:`Ledger`, :class:`AllocationBook`, :func:`allocate`.
4. Deficit responsibility sharing (HO-40): :func:`share_deficit`, :func:`split_by_weights`.
5. Long-term-care funding (HO-41, Hongze) and the resident matching subsidy (HO-07).
6. Deadlines: every one is a :class:`shared.deadlines.Deadline`; :class:`Obligation`,
   :func:`open_deadlines` and :func:`overdue` list what is still owed.

Return-for-revision rule (design, §4.9 is silent). A reviewer whose step is pending may return the
draft with reasons; it goes back to the opening state (``compiling`` / ``proposed``) with
``resume_at`` naming the returning step. On resubmission the chain resumes *at that step*: approvals
given before it stay recorded and are not asked for again, because the reviewer who asked for the
change sees it first and every later step runs again anyway. One exception keeps earlier approvals
honest: if the resubmitted figures differ from the returned ones and a joint step (co-signed
submission) lies before the returning step, that joint submission is affected (the signatories signed
other figures), so the chain resumes at the latest such joint step instead, and every signatory signs
the revised figures again. Tax co-signature is required again on every (re)submission where the chain
asks for it.
"""

from __future__ import annotations

from shared.deadlines import SHANGHAI, Deadline

from ._base import (
    DomainError,
    InvalidAmount,
    InvalidPeriod,
    Obligation,
    Scheme,
    open_deadlines,
    overdue,
    parse_month,
    parse_quarter,
    previous_month,
    prior_quarter,
    quarter_months,
)
from .chains import (
    CHAINS,
    FINAL_ACCOUNTS,
    HAINAN_ADJUSTMENT,
    HAINAN_BUDGET,
    HENGSHUI_BUDGET,
    PROVINCIAL_FINAL_ACCOUNTS,
    REGION_CHAINS,
    AlreadySigned,
    Approval,
    BudgetAdjustmentAgreedByGovernment,
    BudgetAdjustmentApprovedByProvincialGovernment,
    BudgetAdjustmentApprovedByStandingCommittee,
    BudgetAdjustmentCompiledByProvince,
    BudgetAdjustmentProposed,
    BudgetAdjustmentReviewed,
    BudgetApprovedByCongress,
    BudgetApprovedByGovernment,
    BudgetChain,
    BudgetDraft,
    BudgetDraftReviewedByFinance,
    BudgetDraftReviewedByHealthcareSecurity,
    BudgetDraftSubmitted,
    BudgetFiledWithProvince,
    BudgetJointSubmissionSent,
    BudgetLine,
    ChainComplete,
    ChainEvent,
    ChainNotConfigured,
    ChainRecord,
    ChainStep,
    DraftAlreadySubmitted,
    DraftNotSubmitted,
    DraftReturnedForRevision,
    FinalAccountsApproved,
    FinalAccountsApprovedByStandingCommittee,
    FinalAccountsJointSubmissionSent,
    FinalAccountsReviewedByFinance,
    FinalAccountsReviewedByHealthcareSecurity,
    FinalAccountsSubmitted,
    InvalidBudgetLines,
    JointSignatureRecorded,
    ReasonsRequired,
    SignsWithOwnKey,
    TaxCosign,
    TaxCosignatureMissing,
    WrongActor,
    adjusted_totals,
    advance,
    chain_for,
    draft_from_dict,
    draft_to_dict,
    joint_signatures,
    open_draft,
    receive_bureau_review,
    return_for_revision,
    review,
    sign_joint,
    submit,
)
from .deficit import (
    MONTHS_OF_COVER,
    PROVINCE,
    DeficitSharingProposed,
    FundPosition,
    InBudgetGapCovered,
    InvalidRatio,
    OutOfBudgetGapAssigned,
    RatioNotConfigured,
    SharingRatio,
    months_payable,
    share_deficit,
    split_by_weights,
)
from .ledger import (
    AllocationBook,
    AllocationExceedsPlan,
    DuplicateAllocation,
    FundAllocated,
    InsufficientFunds,
    Ledger,
    SameAccount,
    UnknownAccount,
    allocate,
    allocation_deadline,
    expenditure_account,
    fiscal_special_account,
    fund_account,
    open_allocation_book,
    provincial_expenditure_account,
    rebuild_allocation_book,
)
from .ltc import (
    LTC_PART_FEN,
    LTC_PER_PERSON_FEN,
    LTC_WAIVED_YEARS,
    LtcDue,
    LtcPart,
    LtcSubsidyRemitted,
    PartWaived,
    ResidentSubsidyRemitted,
    WrongAmount,
    ltc_deadline,
    ltc_dues,
    ltc_obligations,
    remit_ltc_subsidy,
    remit_resident_subsidy,
    resident_subsidy_deadline,
    resident_subsidy_obligations,
)
from .plans import (
    JOINT_PLAN_REVIEWERS,
    AdjustmentReasonRequired,
    ApprovedLine,
    ApprovedPlan,
    DuplicateLine,
    FundUsePlanReviewed,
    JointReviewIncomplete,
    MonthOutsideQuarter,
    PlanLine,
    SplitIncomplete,
    UnrequestedLine,
    plan_review_deadline,
    review_fund_use_plan,
)
from .rewards import (
    Reward,
    RewardAlreadyPaid,
    RewardPaid,
    RewardWaived,
    forfeit_reward,
    pay_reward,
    receive_reward,
    reward_collect_deadline,
    reward_status,
)

__all__ = [
    'DomainError', 'InvalidAmount', 'InvalidPeriod', 'Scheme',
    'parse_month', 'parse_quarter', 'quarter_months', 'prior_quarter', 'previous_month',
    'Obligation', 'open_deadlines', 'overdue', 'JointReviewIncomplete', 'MonthOutsideQuarter', 'DuplicateLine',
    'UnrequestedLine', 'SplitIncomplete', 'AdjustmentReasonRequired', 'JOINT_PLAN_REVIEWERS', 'PlanLine',
    'ApprovedLine', 'plan_review_deadline', 'ApprovedPlan', 'FundUsePlanReviewed',
    'review_fund_use_plan', 'UnknownAccount', 'SameAccount', 'InsufficientFunds', 'AllocationExceedsPlan',
    'DuplicateAllocation', 'fiscal_special_account', 'provincial_expenditure_account', 'expenditure_account',
    'Ledger', 'allocation_deadline', 'FundAllocated', 'AllocationBook', 'open_allocation_book', 'allocate',
    'rebuild_allocation_book', 'fund_account', 'WrongActor', 'DraftNotSubmitted', 'DraftAlreadySubmitted',
    'ChainComplete', 'AlreadySigned', 'ReasonsRequired', 'TaxCosignatureMissing', 'InvalidBudgetLines',
    'BudgetLine', 'ChainEvent', 'BudgetDraftSubmitted', 'BudgetAdjustmentProposed',
    'FinalAccountsSubmitted', 'BudgetDraftReviewedByHealthcareSecurity', 'BudgetDraftReviewedByFinance',
    'BudgetJointSubmissionSent', 'BudgetApprovedByGovernment', 'BudgetApprovedByCongress',
    'BudgetFiledWithProvince', 'BudgetAdjustmentReviewed', 'BudgetAdjustmentAgreedByGovernment',
    'BudgetAdjustmentCompiledByProvince', 'BudgetAdjustmentApprovedByProvincialGovernment',
    'BudgetAdjustmentApprovedByStandingCommittee', 'FinalAccountsReviewedByHealthcareSecurity',
    'FinalAccountsReviewedByFinance', 'FinalAccountsJointSubmissionSent', 'FinalAccountsApproved',
    'FinalAccountsApprovedByStandingCommittee', 'PROVINCIAL_FINAL_ACCOUNTS', 'SignsWithOwnKey', 'adjusted_totals',
    'JointSignatureRecorded', 'DraftReturnedForRevision', 'TaxCosign', 'ChainStep', 'BudgetChain',
    'HAINAN_BUDGET', 'HENGSHUI_BUDGET', 'HAINAN_ADJUSTMENT', 'FINAL_ACCOUNTS', 'ChainRecord', 'Approval',
    'BudgetDraft', 'open_draft', 'submit', 'advance', 'return_for_revision',
    'ChainNotConfigured', 'CHAINS', 'REGION_CHAINS', 'chain_for', 'receive_bureau_review', 'review',
    'sign_joint', 'joint_signatures', 'draft_to_dict', 'draft_from_dict', 'RatioNotConfigured', 'InvalidRatio',
    'PROVINCE', 'MONTHS_OF_COVER', 'SharingRatio', 'FundPosition', 'InBudgetGapCovered',
    'OutOfBudgetGapAssigned', 'DeficitSharingProposed', 'split_by_weights', 'months_payable',
    'share_deficit', 'PartWaived', 'WrongAmount', 'LtcPart', 'LTC_PER_PERSON_FEN', 'LTC_PART_FEN',
    'LTC_WAIVED_YEARS', 'LtcDue', 'ltc_deadline', 'ltc_dues',
    'ltc_obligations', 'LtcSubsidyRemitted', 'remit_ltc_subsidy', 'resident_subsidy_deadline',
    'ResidentSubsidyRemitted', 'remit_resident_subsidy', 'resident_subsidy_obligations', 'RewardAlreadyPaid',
    'RewardWaived', 'Reward', 'RewardPaid', 'reward_collect_deadline', 'receive_reward', 'pay_reward',
    'forfeit_reward', 'reward_status',
    'SHANGHAI', 'Deadline',
]
