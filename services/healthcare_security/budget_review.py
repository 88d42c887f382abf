"""The bureau's entrypoints for reviewing budget drafts and final accounts (HO-09, HO-14), the payload
schemas of the events they publish, and the few rules of that review. Mixed into HealthcareSecurityService.

The review rules are small and pure (``check_review``); the chain itself is tracked by finance.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared import chain_signing as cs
from shared.bus.fields import REGION_CODE, EventSchema, Fen
from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from . import budget_models as bm

ID = validate.Length(min=1, max=64)


class BudgetReviewError(Exception):
    """The bureau may not review the draft as asked; the message says why."""


# Hainan (46…) budgets carry tax's co-signature on revenue (004:22); Hengshui (1311…) has no tax step (001:237).
TAX_COSIGN_BY_REGION_PREFIX = {"46": True, "1311": False}


def tax_cosign_required(region_code: str) -> bool:
    prefixes = sorted((p for p in TAX_COSIGN_BY_REGION_PREFIX if region_code.startswith(p)), key=len)
    return bool(prefixes) and TAX_COSIGN_BY_REGION_PREFIX[prefixes[-1]]


def check_review(kind: str, status: str, decision: str, comments: str, tax_cosigned: bool, region_code: str) -> str:
    """Guard the bureau's review; returns the new status."""
    if status != "awaiting_review":
        raise BudgetReviewError(f"the {kind} draft is {status}; the bureau reviews only a draft awaiting review")
    if decision == "returned":
        if not comments.strip():
            raise BudgetReviewError("a draft returned for revision must say why (comments)")
        return "returned_to_center"
    if kind == "budget" and tax_cosign_required(region_code) and not tax_cosigned:
        raise BudgetReviewError(f"region {region_code} budgets need tax's co-signature on revenue; return the draft")
    return "forwarded_to_finance"


# --- event payloads ---------------------------------------------------------------------------------------


class BudgetDraftReviewed(EventSchema):
    """HO-09: the bureau forwards the reviewed, consolidated budget draft to finance, or returns it to the center."""

    event_type = "healthcare_security.budget_draft.reviewed.v1"

    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    region_code = fields.String(required=True, validate=REGION_CODE)
    decision = fields.String(required=True, validate=validate.OneOf(["forwarded", "returned"]))
    total_revenue_fen = Fen(required=True)
    total_expenditure_fen = Fen(required=True)
    comments = fields.String()
    reviewed_at = fields.AwareDateTime(required=True)


class FinalAccountsReviewed(EventSchema):
    """HO-14: the bureau's review of the center's final-accounts draft (001:242)."""

    event_type = "healthcare_security.final_accounts.reviewed.v1"

    draft_id = fields.String(required=True, validate=ID)
    year = fields.Integer(required=True, strict=True)
    decision = fields.String(required=True, validate=validate.OneOf(["forwarded", "returned"]))
    comments = fields.String()
    reviewed_at = fields.AwareDateTime(required=True)
    # Finance opens its side of the chain with these (optional in v1 for compatibility; the bureau sends them).
    region_code = fields.String(validate=REGION_CODE)
    total_revenue_fen = Fen()
    total_expenditure_fen = Fen()
    rolling_balance_fen = Fen(allow_negative=True)


class ChainStepSigned(cs.ChainStepSignedFields):
    """HO-10, HO-13, HO-14: the bureau signs its step of a chain finance tracks, or returns it with reasons."""

    event_type = "healthcare_security.chain_step.signed.v1"


EVENT_SCHEMAS = [BudgetDraftReviewed, FinalAccountsReviewed, ChainStepSigned]


class ReviewRequest(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["forwarded", "returned"]))
    comments = fields.String(load_default="")


def review_view(row: bm.BudgetReview) -> dict:
    return {"draft_id": row.draft_id, "kind": row.kind, "year": row.year, "region_code": row.region_code,
            "status": row.status, "tax_cosigned": row.tax_cosigned, "figures": row.figures, "history": row.history}


class BudgetReviewEntrypoints:
    def clock(self) -> datetime:
        """The one source of 'now' for the bureau's review; tests override it with fixed dates."""
        return datetime.now(UTC)

    def _review_row(self, kind: str, draft_id: str) -> bm.BudgetReview:
        row = self.db.session.get(bm.BudgetReview, (kind, draft_id))
        if row is None:
            raise NotFound(f"the bureau has no {kind} draft {draft_id!r}")
        return row

    def _note(self, row: bm.BudgetReview, status: str, note: str) -> None:
        now = self.clock()
        row.status, row.updated_at = status, now
        row.history = [*row.history, {"at": now.isoformat(), "status": status, "note": note}]

    def _received(self, kind: str, data: dict, tax_cosigned: bool, figures: dict) -> None:
        row = self.db.session.get(bm.BudgetReview, (kind, data["draft_id"]))
        if row is None:
            row = bm.BudgetReview(kind=kind, draft_id=data["draft_id"], year=data["year"],
                                  region_code=data["region_code"], history=[])
            self.db.session.add(row)
        row.tax_cosigned, row.figures = tax_cosigned, figures
        self._note(row, "awaiting_review", "submitted by the center")

    @handles("fundlink.hs_center.budget_draft.submitted.v1")
    def on_budget_draft_submitted(self, event):
        data = event.data
        figures = {"schemes": data["schemes"], "total_revenue_fen": sum(s["revenue_fen"] for s in data["schemes"]),
                   "total_expenditure_fen": sum(s["expenditure_fen"] for s in data["schemes"])}
        self._received("budget", data, data["tax_cosigned"], figures)

    @handles("fundlink.hs_center.final_accounts.submitted.v1")
    def on_final_accounts_submitted(self, event):
        self._received("final_accounts", event.data, False, {"schemes": event.data["schemes"]})

    @http("POST", "/budget-drafts/<draft_id>/review", request_schema=ReviewRequest,
          expected_exceptions=(BudgetReviewError,))
    def review_budget_draft(self, request, draft_id):
        """HO-09: forward to finance or return to the center with comments."""
        body, row, now = ReviewRequest().load(json_body(request)), self._review_row("budget", draft_id), self.clock()
        status = check_review("budget", row.status, body["decision"], body["comments"], row.tax_cosigned,
                              row.region_code)
        self._note(row, status, body["comments"])
        payload = {"draft_id": draft_id, "year": row.year, "region_code": row.region_code,
                   "decision": body["decision"], "total_revenue_fen": row.figures["total_revenue_fen"],
                   "total_expenditure_fen": row.figures["total_expenditure_fen"], "reviewed_at": now}
        if body["comments"]:
            payload["comments"] = body["comments"]
        self.db.publish(BudgetDraftReviewed, payload, subject=draft_id, correlation_id=draft_id,
                        region=row.region_code)
        return review_view(row)

    @http("POST", "/final-accounts/<draft_id>/review", request_schema=ReviewRequest,
          expected_exceptions=(BudgetReviewError,))
    def review_final_accounts(self, request, draft_id):
        """HO-14: the bureau reviews and consolidates the center's final-accounts draft (001:242)."""
        body, row = ReviewRequest().load(json_body(request)), self._review_row("final_accounts", draft_id)
        status = check_review("final_accounts", row.status, body["decision"], body["comments"], False,
                              row.region_code)
        self._note(row, status, body["comments"])
        schemes = row.figures["schemes"]
        payload = {"draft_id": draft_id, "year": row.year, "decision": body["decision"], "reviewed_at": self.clock(),
                   "region_code": row.region_code,
                   "total_revenue_fen": sum(s["revenue_fen"] for s in schemes),
                   "total_expenditure_fen": sum(s["expenditure_fen"] for s in schemes),
                   "rolling_balance_fen": sum(s["rolling_balance_fen"] for s in schemes)}
        if body["comments"]:
            payload["comments"] = body["comments"]
        self.db.publish(FinalAccountsReviewed, payload, subject=draft_id, correlation_id=draft_id,
                        region=row.region_code)
        return review_view(row)

    @handles("fundlink.finance.budget_draft.reviewed.v1")
    def on_finance_budget_review(self, event):
        data = event.data
        row = self._review_row("budget", data["draft_id"])
        if data["decision"] == "returned":  # back to the bureau, which may return it to the center
            self._note(row, "awaiting_review", f"returned by finance: {data.get('comments', '')}")
        else:
            self._note(row, "finance_agreed", "finance agreed; the joint submission awaits signatures")

    @handles("fundlink.people_government.budget.approved.v1")
    def on_government_budget_decision(self, event):
        data = event.data
        status = "government_approved" if data["decision"] == "approved" else "returned_by_government"
        self._note(self._review_row("budget", data["draft_id"]), status, data["approval_id"])

    @handles("fundlink.peoples_congress.budget.approved.v1")
    def on_congress_budget_decision(self, event):
        data = event.data
        status = "congress_approved" if data["decision"] == "approved" else "rejected_by_congress"
        self._note(self._review_row("budget", data["draft_id"]), status, data["approval_id"])

    @handles("fundlink.hs_center.budget_execution.reported.v1")
    def on_execution_reported(self, event):
        self._notice("execution_report", event.data["report_id"], event.data)

    @handles("fundlink.hs_center.budget_adjustment.proposed.v1")
    def on_adjustment_proposed(self, event):
        """HO-13: the proposal is on the bureau's desk; finance's progress notice says when its step is due."""
        data = event.data
        self._notice("adjustment_proposal", data["adjustment_id"], data)
        row = self.db.session.get(bm.BudgetReview, ("adjustment", data["adjustment_id"]))
        if row is None:
            row = bm.BudgetReview(kind="adjustment", draft_id=data["adjustment_id"], year=data["year"],
                                  region_code=data["region_code"], history=[], figures={})
            self.db.session.add(row)
        row.tax_cosigned = data["tax_cosigned"]
        row.figures = {**(row.figures or {}), "reason": data["reason"], "draft_id": data["draft_id"],
                       "total_revenue_fen": data["delta_revenue_fen"],
                       "total_expenditure_fen": data["delta_expenditure_fen"]}
        self._note(row, "proposed", f"proposed by the center: {data['reason']}")

    @handles("fundlink.finance.approval_chain.progressed.v1")
    def on_chain_progressed(self, event):
        """Where finance's chain stands: the bureau keeps it beside its own record, so it signs only the step
        that waits for it, with the figures on the chain."""
        data = event.data
        # Locked: two notices handled at once would each compare against the old copy, and the older one,
        # committing last, would overwrite the newer (seen in the walk as a joint step never reaching the bureau).
        row = self.db.session.get(bm.BudgetReview, (data["kind"], data["draft_id"]), with_for_update=True)
        if row is None:
            row = bm.BudgetReview(kind=data["kind"], draft_id=data["draft_id"], year=data["year"],
                                  region_code=data["region_code"], history=[], figures={}, status="tracking",
                                  updated_at=self.clock())
            self.db.session.add(row)
        chain = cs.chain_copy((row.figures or {}).get("chain"), data)
        if chain is None:
            return  # an older notice overtaken by a newer one
        row.figures = {**(row.figures or {}), "chain": chain}
        note = f"{data['action']} by {data['by']}" + (f": {data['note']}" if data.get("note") else "")
        if data["kind"] == "adjustment":
            self._note(row, data["state"], note)
        elif data["action"] == "returned" and data["by"] == "finance" and row.status == "forwarded_to_finance":
            self._note(row, "awaiting_review", f"returned by finance: {data.get('note', '')}")
        else:
            row.history = [*row.history, {"at": self.clock().isoformat(), "status": row.status, "note": note}]

    @http("POST", "/approval-chains/<kind>/<draft_id>/signature", request_schema=cs.SignatureRequest,
          expected_exceptions=(BudgetReviewError, cs.ChainSignatureRefused))
    def sign_chain_step(self, request, kind, draft_id):
        """The bureau signs (or returns with reasons) the step of finance's chain that waits for it: the
        adjustment's local or provincial review (004:25), the joint submission of a budget or final accounts."""
        body, row, now = cs.SignatureRequest().load(json_body(request)), self._review_row(kind, draft_id), self.clock()
        region = body.get("signer_region_code") or row.region_code
        chain = (row.figures or {}).get("chain")
        step = cs.check_signature("healthcare_security", chain, body["decision"], body["reasons"], region)
        figures = (chain["total_revenue_fen"], chain["total_expenditure_fen"])
        payload = cs.signature_payload(kind, draft_id, row.region_code, step, region, body, figures, now)
        self.db.publish(ChainStepSigned, payload, subject=draft_id, correlation_id=draft_id, region=row.region_code)
        row.history = [*row.history, {"at": now.isoformat(), "status": row.status,
                                      "note": f"{body['decision']} {step} as {region}"}]
        return 202, {**review_view(row), "sent": {k: v for k, v in payload.items() if k != "signed_at"}}

    @handles("fundlink.people_government.final_accounts.approved.v1")
    def on_government_final_accounts_decision(self, event):
        data = event.data
        status = "government_approved" if data["decision"] == "approved" else "returned_by_government"
        self._note(self._review_row("final_accounts", data["draft_id"]), status, data["approval_id"])

    @handles("fundlink.hs_center.fund_operation.quarterly_reported.v1")
    def on_fund_operation_reported(self, event):
        """HO-20: the provincial center's quarterly fund operation report, kept for supervision (004:37)."""
        self._notice("fund_operation_report", event.data["report_id"], event.data)

    @http("GET", "/fund-operation-reports")
    def list_fund_operation_reports(self, request):
        rows = self.db.session.scalars(select(bm.MoneyNotice).where(bm.MoneyNotice.kind == "fund_operation_report")
                                       .order_by(bm.MoneyNotice.notice_id))
        return {"reports": [r.data for r in rows]}

    # -- catalogued notices the bureau keeps for supervision (HO-01/03/08/13/14/16/17/40) ----------------
    @handles("fundlink.tax.budget_execution.reported.v1")
    def on_tax_execution_report(self, event):
        """HO-12: tax's collection against the revenue budget."""
        self._notice("tax_execution_report", event.data["report_id"], event.data)

    @handles("fundlink.tax.collection.feed_published.v1")
    def on_feed_published_notice(self, event):
        self._notice("collection_feed", event.data["feed_id"], event.data)

    @handles("fundlink.hs_center.collection.feed_overdue.v1")
    def on_feed_overdue_notice(self, event):
        self._notice("collection_feed_overdue", f"{event.data['region_code']}:{event.data['period']}", event.data)

    @handles("fundlink.tax.collection.feed_corrected.v1")
    def on_feed_corrected_notice(self, event):
        self._notice("collection_correction", event.data["correction_id"], event.data)

    @handles("fundlink.tax.budget_draft.revenue_confirmed.v1")
    def on_revenue_confirmed_notice(self, event):
        self._notice("budget_revenue_confirmation", event.data["draft_id"], event.data)

    @handles("fundlink.people_government.budget_adjustment.approved.v1")
    def on_government_adjustment_notice(self, event):
        self._notice("adjustment_government_decision", event.data["approval_id"], event.data)

    @handles("fundlink.peoples_congress.budget_adjustment.approved.v1")
    def on_congress_adjustment_notice(self, event):
        self._notice("adjustment_congress_decision", event.data["approval_id"], event.data)

    @handles("fundlink.finance.final_accounts.joint_submission_sent.v1")
    def on_final_accounts_joint_submission(self, event):
        self._notice("final_accounts_joint_submission", event.data["submission_id"], event.data)

    @handles("fundlink.peoples_congress.final_accounts.approved.v1")
    def on_congress_final_accounts_notice(self, event):
        self._notice("final_accounts_congress_decision", event.data["draft_id"], event.data)

    @handles("fundlink.hs_center.fund_use_plan.consolidated.v1")
    def on_fund_use_plan_consolidated(self, event):
        self._notice("fund_use_plan", event.data["plan_id"], event.data)

    @handles("fundlink.finance.fund_use_plan.reviewed.v1")
    def on_fund_use_plan_reviewed(self, event):
        self._notice("fund_use_plan_review", event.data["plan_id"], event.data)

    @handles("fundlink.finance.deficit_sharing.proposed.v1")
    def on_deficit_sharing_proposed(self, event):
        self._notice("deficit_sharing_proposal", event.data["proposal_id"], event.data)

    @handles("fundlink.people_government.deficit_sharing.approved.v1")
    def on_deficit_sharing_approved(self, event):
        self._notice("deficit_sharing_approval", event.data["approval_id"], event.data)

    @handles("fundlink.people_government.deficit_share.paid.v1")
    def on_deficit_share_paid(self, event):
        self._notice("deficit_share_payment", event.data["payment_id"], event.data)

    def _notice(self, kind: str, key: str, data: dict) -> None:
        self.db.session.merge(bm.MoneyNotice(notice_id=f"{kind}:{key}", kind=kind, data=data,
                                             received_at=self.clock()))

    @http("GET", "/approval-chains/<kind>/<draft_id>")
    def get_chain_copy(self, request, kind, draft_id):
        """The bureau's record of a draft, with where finance's chain stands (``figures.chain``)."""
        return review_view(self._review_row(kind, draft_id))

    @http("GET", "/final-accounts/<draft_id>")
    def get_final_accounts_review(self, request, draft_id):
        return review_view(self._review_row("final_accounts", draft_id))

    @http("GET", "/budget-drafts/<draft_id>")
    def get_budget_review(self, request, draft_id):
        return review_view(self._review_row("budget", draft_id))

    @http("GET", "/budget-drafts")
    def list_budget_reviews(self, request):
        rows = self.db.session.scalars(select(bm.BudgetReview).order_by(bm.BudgetReview.draft_id))
        return {"drafts": [review_view(r) for r in rows]}
