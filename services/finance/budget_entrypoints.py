"""Finance's desk on the budget chain (HO-09 in, HO-10 out, HO-11 in). Mixed into FinanceService.

Finance leads the joint submission (002:10) but speaks only for itself: after its review it asks the
co-signatories (``finance.budget_draft.reviewed`` and the progress notice ``finance.approval_chain.progressed``),
healthcare_security and, where the region's chain says so (Hainan, 004:22), tax sign or return the joint step
with their own keys (``<agency>.chain_step.signed``, handled in chain_entrypoints.py), and finance sends the joint
submission to the government only when every signature the chain requires has arrived.
"""

from __future__ import annotations

from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from . import domain, models, schemas

ERRORS = (domain.DomainError,)


def draft_view(row: models.ChainDraft) -> dict:
    """Where a draft stands and what it waits for."""
    draft = domain.draft_from_dict(row.data)
    step = draft.pending_step
    waiting = None
    if step is not None:
        waiting = {"step": step.state, "by": [a for a in step.actors if a not in draft.signatures],
                   "joint": step.joint}
    elif not draft.submitted:
        waiting = {"step": "resubmission" if draft.resume_at else "submission", "by": [draft.chain.compiler],
                   "joint": False}
    return {"draft_id": row.draft_id, "kind": row.kind, "chain": draft.chain.chain_id, "year": row.year,
            "region_code": row.region_code, "state": draft.state, "complete": draft.is_complete,
            "waiting_for": waiting, "resume_at": draft.resume_at, "submission_id": row.submission_id,
            "total_revenue_fen": draft.total_revenue_fen, "total_expenditure_fen": draft.total_expenditure_fen,
            "history": [{"at": r.at.isoformat(), "by": r.by, "action": r.action, "state": r.state, "note": r.note}
                        for r in draft.history]}


class BudgetChainEntrypoints:
    # -- loading and storing -----------------------------------------------------------------------------
    def _chain_row(self, draft_id: str, kind: str = "budget") -> models.ChainDraft:
        # Locked: co-signatures of one draft arrive on several queues at once.
        row = self.db.session.get(models.ChainDraft, (kind, draft_id), with_for_update=True)
        if row is None:
            raise NotFound(f"finance has no {kind} draft {draft_id!r}; it arrives with the bureau's review (HO-09)")
        return row

    def _chain_row_or_open(self, data: dict, kind: str = "budget") -> models.ChainDraft:
        row = self.db.session.get(models.ChainDraft, (kind, data["draft_id"]), with_for_update=True)
        if row is None:
            chain = domain.chain_for(data["region_code"], kind, self.region_chains)
            draft = domain.open_draft(data["draft_id"], data["year"], data["region_code"], chain)
            row = models.ChainDraft(kind=kind, draft_id=draft.draft_id, region_code=draft.region_code,
                                    year=draft.year, state=draft.state, data=domain.draft_to_dict(draft),
                                    updated_at=self.clock())
            self.db.session.add(row)
        return row

    def _store_draft(self, row: models.ChainDraft, draft: domain.BudgetDraft) -> None:
        row.data, row.state, row.updated_at = domain.draft_to_dict(draft), draft.state, self.clock()

    # -- HO-09 in ------------------------------------------------------------------------------------------
    @handles("fundlink.healthcare_security.budget_draft.reviewed.v1")
    def on_bureau_budget_review(self, event):
        data = event.data
        row = self._chain_row_or_open(data)
        totals = domain.BudgetLine(None, data["total_revenue_fen"], data["total_expenditure_fen"])
        draft, moved = domain.receive_bureau_review(domain.draft_from_dict(row.data), data["decision"], totals,
                                                    data.get("comments", ""), self.clock())
        self._moved(row, draft, moved)

    # -- HO-10 out -----------------------------------------------------------------------------------------
    @http("POST", "/budget-drafts/<draft_id>/review", request_schema=schemas.ReviewRequest, expected_exceptions=ERRORS)
    def review_budget_draft(self, request, draft_id):
        """Finance agrees (the co-signatories then sign) or returns the draft to the bureau, with reasons."""
        body, row, now = schemas.ReviewRequest().load(json_body(request)), self._chain_row(draft_id), self.clock()
        agreed = body["decision"] == "agreed"
        draft, event = domain.review(domain.draft_from_dict(row.data), "finance", agreed, body["comments"], now)
        self._moved(row, draft, event)
        if isinstance(event, domain.BudgetDraftReviewedByFinance | domain.DraftReturnedForRevision):
            payload = {"draft_id": draft_id, "year": row.year, "region_code": row.region_code,
                       "decision": body["decision"], "total_revenue_fen": draft.total_revenue_fen,
                       "total_expenditure_fen": draft.total_expenditure_fen, "reviewed_at": now}
            if body["comments"]:
                payload["comments"] = body["comments"]
            self.db.publish(schemas.BudgetDraftReviewed, payload, subject=draft_id, correlation_id=draft_id,
                            region=row.region_code)
        return draft_view(row)

    @http("POST", "/budget-drafts/<draft_id>/signatures", request_schema=schemas.SignRequest,
          expected_exceptions=ERRORS)
    def sign_joint_submission(self, request, draft_id):
        """Finance's own signature on the joint submission. The bureau and tax sign with their own keys at their
        own services (``POST /approval-chains/budget/<draft_id>/signature``); finance never signs for them. The
        last signature sends the submission to the government."""
        body, row, now = schemas.SignRequest().load(json_body(request)), self._chain_row(draft_id), self.clock()
        draft = domain.draft_from_dict(row.data)
        if body["agency"] != "finance":
            raise domain.SignsWithOwnKey(
                f"{body['agency']} signs the joint submission of {draft_id} with its own key, at its own service "
                f"(POST /approval-chains/budget/{draft_id}/signature there); finance records only its own signature")
        draft, event = domain.sign_joint(draft, "finance", now)
        self._moved(row, draft, event)
        return draft_view(row)

    # -- HO-11 in ------------------------------------------------------------------------------------------
    @handles("fundlink.people_government.budget.approved.v1")
    def on_government_budget_decision(self, event):
        data = event.data
        row = self._chain_row(data["draft_id"])
        if data["submission_id"] != row.submission_id:
            raise domain.DomainError(f"decision {data['approval_id']} is on submission {data['submission_id']}, "
                                     f"but the submission in force is {row.submission_id}")
        reason = f"returned by {data['approving_body']} (decision {data['approval_id']})"
        self._moved(row, *domain.review(domain.draft_from_dict(row.data), "people_government",
                                        data["decision"] == "approved", reason, self.clock()))

    @handles("fundlink.peoples_congress.budget.approved.v1")
    def on_congress_budget_decision(self, event):
        data = event.data
        row = self._chain_row(data["draft_id"])
        reason = f"not approved by the {data['approving_body']} (decision {data['approval_id']})"
        self._moved(row, *domain.review(domain.draft_from_dict(row.data), "peoples_congress",
                                        data["decision"] == "approved", reason, self.clock()))

    # -- officers' view ----------------------------------------------------------------------------------
    def _adjustments_of(self, draft_id: str) -> list[domain.BudgetDraft]:
        """The adjustment chains (HO-13) proposed on budget ``draft_id``, as finance tracks them."""
        proposals = self.db.session.scalars(select(models.MoneyRecord).where(
            models.MoneyRecord.kind == "adjustment_proposal")).all()
        rows = [self.db.session.get(models.ChainDraft, ("adjustment", p.data["adjustment_id"])) for p in proposals
                if p.data.get("draft_id") == draft_id]
        return [domain.draft_from_dict(r.data) for r in rows if r is not None]

    @http("GET", "/budget-drafts/<draft_id>")
    def get_budget_draft(self, request, draft_id):
        """Where the draft stands, and under ``budget`` its totals as approved, the sum of its approved
        adjustments (HO-13) and the adjusted totals, in fen."""
        row = self._chain_row(draft_id)
        view = draft_view(row)
        view["budget"] = domain.adjusted_totals(domain.draft_from_dict(row.data), self._adjustments_of(draft_id))
        return view

    @http("GET", "/budget-drafts")
    def list_budget_drafts(self, request):
        rows = self.db.session.scalars(select(models.ChainDraft).order_by(models.ChainDraft.draft_id)).all()
        return {"drafts": [draft_view(r) for r in rows]}
