"""Outside parties' payloads for the money flow (marshmallow): the people's government and the people's
congress approve budgets, adjustments and final accounts (HO-11, HO-13, HO-14) and the government decides
deficit sharing (HO-40). They sign with their own keys through `fundlink party send`."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import REGION_CODE, REGION_LEVEL, EventSchema, Fen

ID = validate.Length(min=1, max=64)


class GovernmentSubmissionDecision(EventSchema):
    """政府审批: the government's decision on a joint submission of a draft (a budget, HO-11, or final accounts,
    HO-14): approved, or returned. Each decision adds its own fields after these."""

    approval_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    submission_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "returned"]))


class GovernmentBudgetApproved(GovernmentSubmissionDecision):
    """HO-11: the government decides on the joint budget submission; Hainan then goes to the congress."""

    event_type = "people_government.budget.approved.v1"

    reasons = fields.String(validate=validate.Length(min=1, max=4000))  # why it was returned
    requires_congress = fields.Boolean(required=True)
    approving_body = fields.String(required=True, validate=validate.Length(min=1, max=200))
    approved_at = fields.AwareDateTime(required=True)


class CongressBudgetApproved(EventSchema):
    """HO-11: the people's congress (or its standing committee) approves the budget (004:22)."""

    event_type = "peoples_congress.budget.approved.v1"

    approval_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    approving_body = fields.String(required=True, validate=validate.OneOf(["congress", "standing_committee"]))
    approved_at = fields.AwareDateTime(required=True)


class GovernmentBudgetAdjustmentApproved(EventSchema):
    """HO-13: a government (local, then provincial) decides on a budget adjustment (004:25)."""

    event_type = "people_government.budget_adjustment.approved.v1"

    approval_id = fields.String(required=True, validate=ID)
    adjustment_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    government_level = fields.String(required=True, validate=REGION_LEVEL)
    decision = fields.String(required=True, validate=validate.OneOf(["agreed", "rejected"]))
    decided_at = fields.AwareDateTime(required=True)


class CongressBudgetAdjustmentApproved(EventSchema):
    """HO-13: the provincial NPC standing committee approves the adjustment (004:25)."""

    event_type = "peoples_congress.budget_adjustment.approved.v1"

    approval_id = fields.String(required=True, validate=ID)
    adjustment_id = fields.String(required=True, validate=ID)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    approved_at = fields.AwareDateTime(required=True)


class GovernmentFinalAccountsApproved(GovernmentSubmissionDecision):
    """HO-14: the government approves the final accounts (001:242, 004:26)."""

    event_type = "people_government.final_accounts.approved.v1"

    requires_congress = fields.Boolean(required=True)
    approved_at = fields.AwareDateTime(required=True)


class CongressFinalAccountsApproved(EventSchema):
    """HO-14: the standing committee approves the provincial final accounts (004:27)."""

    event_type = "peoples_congress.final_accounts.approved.v1"

    approval_id = fields.String(required=True, validate=ID)
    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    approved_at = fields.AwareDateTime(required=True)


class ApprovedShare(Schema):
    region_code = fields.String(required=True, validate=REGION_CODE)
    amount_fen = Fen(required=True)
    due_on = fields.Date()


class DeficitSharingApproved(EventSchema):
    """HO-40: the provincial government approves the sharing and tells each city its share (004:43)."""

    event_type = "people_government.deficit_sharing.approved.v1"

    proposal_id = fields.String(required=True, validate=ID)
    approval_id = fields.String(required=True, validate=ID)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "returned"]))
    region_shares = fields.List(fields.Nested(ApprovedShare), required=True)
    province_share_fen = Fen(required=True)
    approved_at = fields.AwareDateTime(required=True)


class DeficitSharePaid(EventSchema):
    """HO-40: a city or county government pays its share into the provincial special account."""

    event_type = "people_government.deficit_share.paid.v1"

    payment_id = fields.String(required=True, validate=ID)
    proposal_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    amount_fen = Fen(required=True)
    to_account = fields.String(required=True, validate=ID)
    paid_on = fields.Date(required=True)


EVENT_SCHEMAS: list = [
    GovernmentBudgetApproved, CongressBudgetApproved, GovernmentBudgetAdjustmentApproved,
    CongressBudgetAdjustmentApproved, GovernmentFinalAccountsApproved, CongressFinalAccountsApproved,
    DeficitSharingApproved, DeficitSharePaid,
]
