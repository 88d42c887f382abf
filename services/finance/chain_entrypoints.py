"""Finance's desk on the budget-adjustment chain (HO-13) and its side of the final accounts (HO-14), and the
signed co-signatures of healthcare_security and tax on any chain's steps. Mixed into FinanceService *before*
SupportEntrypoints: ``on_adjustment_proposed``, ``on_final_accounts_reviewed`` and
``on_congress_final_accounts_decision`` replace that desk's notice-only handlers of the same name (one queue per
consumer and type), and still keep the notice.

After every change finance publishes ``finance.approval_chain.progressed`` so the center learns of a return or
the approval and the co-signatories see which step waits for them. A completed joint step sends the joint
submission (HO-10 budget, HO-14 final accounts) to the government, signed by finance with every co-signatory
named; the co-signatures themselves arrived as the co-signatories' own signed events.
"""

from __future__ import annotations

from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from . import domain, models, schemas
from .budget_entrypoints import draft_view
from .domain import signatures

ERRORS = (domain.DomainError,)
KINDS = ("budget", "adjustment", "final_accounts")


class ChainEntrypoints:
    # -- the chain's moves and what they publish --------------------------------------------------------------
    def _kind_row(self, kind: str, draft_id: str) -> models.ChainDraft:
        if kind not in KINDS:
            raise NotFound(f"no chain kind {kind!r}; use one of {', '.join(KINDS)}")
        return self._chain_row(draft_id, kind)

    def _moved(self, row: models.ChainDraft, draft: domain.BudgetDraft, event: domain.ChainEvent | None) -> None:
        """Store the draft, send a completed joint submission on, and tell the parties where the draft stands
        whenever its history grew (a resubmission that resumes at a joint step asks the co-signatories again)."""
        now, before = self.clock(), len(row.data["history"])
        self._store_draft(row, draft)
        if isinstance(event, domain.BudgetJointSubmissionSent | domain.FinalAccountsJointSubmissionSent):
            self._send_joint_submission(row, draft, event)
        if len(draft.history) > before:
            self.db.publish(schemas.ApprovalChainProgressed, signatures.progress(draft, row.kind, now),
                            subject=row.draft_id, correlation_id=row.draft_id, region=row.region_code)

    def _send_joint_submission(self, row, draft, event) -> None:
        now = self.clock()
        row.submission_id = f"{row.draft_id}-JS{len(draft.approvals)}-{len(draft.history)}"
        signed = [{"agency": a.removeprefix(signatures.PROVINCIAL), "signed_at": at}
                  for a, at in domain.joint_signatures(draft, draft.state)]
        payload = {"submission_id": row.submission_id, "draft_id": row.draft_id, "year": row.year,
                   "region_code": row.region_code, "signatories": signed,
                   "total_revenue_fen": draft.total_revenue_fen,
                   "total_expenditure_fen": draft.total_expenditure_fen, "submitted_at": now}
        schema = schemas.BudgetJointSubmissionSent
        if row.kind == "final_accounts":
            schema = schemas.FinalAccountsJointSubmissionSent
            payload["rolling_balance_fen"] = sum(line.balance_fen for line in draft.lines)
        self.db.publish(schema, payload, subject=row.draft_id, correlation_id=row.draft_id, region=row.region_code)

    # -- HO-13 in: the center's proposal (and its resubmission after a return) -------------------------------
    @handles("fundlink.hs_center.budget_adjustment.proposed.v1")
    def on_adjustment_proposed(self, event):
        data = event.data
        self._record("adjustment_proposal", data["adjustment_id"], data)
        try:
            domain.chain_for(data["region_code"], "adjustment", self.region_chains)
        except domain.ChainNotConfigured:
            return  # no adjustment chain configured for the region (e.g. Hengshui): kept as a notice, not guessed
        row = self._chain_row_or_open({**data, "draft_id": data["adjustment_id"]}, "adjustment")
        deltas = domain.BudgetLine(None, data["delta_revenue_fen"], data["delta_expenditure_fen"])
        draft, submitted = domain.submit(domain.draft_from_dict(row.data), "hs_center", [deltas], self.clock(),
                                         tax_cosigned=data["tax_cosigned"])
        self._moved(row, draft, submitted)

    # -- HO-14 in: the bureau forwards (or returns) the final accounts -------------------------------------
    @handles("fundlink.healthcare_security.final_accounts.reviewed.v1")
    def on_final_accounts_reviewed(self, event):
        data = event.data
        self._record("final_accounts_review", data["draft_id"], data)
        missing = [k for k in ("region_code", "total_revenue_fen", "total_expenditure_fen") if k not in data]
        if missing:
            raise domain.DomainError(f"the bureau's review of {data['draft_id']} lacks {', '.join(missing)}; "
                                     f"finance opens the final-accounts chain only with the consolidated figures")
        row = self._chain_row_or_open(data, "final_accounts")
        totals = domain.BudgetLine(None, data["total_revenue_fen"], data["total_expenditure_fen"],
                                   data.get("rolling_balance_fen", 0))
        draft, moved = domain.receive_bureau_review(domain.draft_from_dict(row.data), data["decision"], totals,
                                                    data.get("comments", ""), self.clock())
        self._moved(row, draft, moved)

    # -- co-signatures and returns by healthcare_security and tax, with their own keys ----------------------
    def _signed_by(self, agency: str, data: dict) -> None:
        row = self._kind_row(data["kind"], data["draft_id"])
        draft, moved = signatures.sign_step(
            domain.draft_from_dict(row.data), agency, data["signer_region_code"], data["step"], data["decision"],
            data.get("reasons", ""), (data["total_revenue_fen"], data["total_expenditure_fen"]), self.clock())
        self._moved(row, draft, moved)

    @handles("fundlink.healthcare_security.chain_step.signed.v1")
    def on_bureau_signed(self, event):
        self._signed_by("healthcare_security", event.data)

    @handles("fundlink.tax.chain_step.signed.v1")
    def on_tax_signed(self, event):
        data = event.data
        if signatures.is_compilers_cosignature(data["kind"], data["region_code"], data["step"], self.region_chains):
            # Tax's co-signature of the center's proposal (HO-13): the center sends the proposal on with it.
            self._record("tax_cosignature", data["draft_id"], data)
            return
        self._signed_by("tax", data)

    # -- decisions of the governments and the standing committee (HO-13, HO-14) -----------------------------
    @handles("fundlink.people_government.budget_adjustment.approved.v1")
    def on_government_adjustment_decision(self, event):
        data = event.data
        row = self._chain_row(data["adjustment_id"], "adjustment")
        draft = domain.draft_from_dict(row.data)
        actor = signatures.government_actor(draft, data["government_level"])
        reason = f"rejected by the {data['government_level']} government {data['region_code']} ({data['approval_id']})"
        self._moved(row, *signatures.decide(draft, actor, data["decision"] == "agreed", reason, self.clock()))

    @handles("fundlink.peoples_congress.budget_adjustment.approved.v1")
    def on_standing_committee_adjustment_decision(self, event):
        data = event.data
        row = self._chain_row(data["adjustment_id"], "adjustment")
        reason = f"not approved by the provincial NPC standing committee ({data['approval_id']})"
        self._moved(row, *signatures.decide(domain.draft_from_dict(row.data), "provincial_npc_standing_committee",
                                            data["decision"] == "approved", reason, self.clock()))

    @handles("fundlink.people_government.final_accounts.approved.v1")
    def on_government_final_accounts_decision(self, event):
        data = event.data
        row = self._chain_row(data["draft_id"], "final_accounts")
        if data["submission_id"] != row.submission_id:
            raise domain.DomainError(f"decision {data['approval_id']} is on submission {data['submission_id']}, "
                                     f"but the submission in force is {row.submission_id}")
        reason = f"returned by the government ({data['approval_id']})"
        self._moved(row, *signatures.decide(domain.draft_from_dict(row.data), "people_government",
                                            data["decision"] == "approved", reason, self.clock()))

    @handles("fundlink.peoples_congress.final_accounts.approved.v1")
    def on_congress_final_accounts_decision(self, event):
        """HO-14: the provincial NPC standing committee decides the provincial final accounts after the
        government (004:27). It also keeps the notice."""
        data = event.data
        self._record("final_accounts_congress_decision", data["draft_id"], data)
        row = self._chain_row(data["draft_id"], "final_accounts")
        reason = f"not approved by the provincial NPC standing committee ({data['approval_id']})"
        self._moved(row, *signatures.decide(domain.draft_from_dict(row.data), "provincial_npc_standing_committee",
                                            data["decision"] == "approved", reason, self.clock()))

    # -- finance's own step ------------------------------------------------------------------------------------
    @http("POST", "/approval-chains/<kind>/<draft_id>/decision", request_schema=schemas.ChainDecisionRequest,
          expected_exceptions=ERRORS)
    def decide_chain_step(self, request, kind, draft_id):
        """Finance signs its pending step (a review, or its signature on a joint step) or returns the draft with
        reasons. ``signer_region_code`` (default: the draft's region) is 460000 for the provincial steps."""
        body, row = schemas.ChainDecisionRequest().load(json_body(request)), self._kind_row(kind, draft_id)
        draft = domain.draft_from_dict(row.data)
        region = body.get("signer_region_code") or row.region_code
        _, step = signatures.actor_for(draft, "finance", region)
        draft, moved = signatures.sign_step(draft, "finance", region, step.state, body["decision"], body["reasons"],
                                            (draft.total_revenue_fen, draft.total_expenditure_fen), self.clock())
        self._moved(row, draft, moved)
        return draft_view(row)

    @http("GET", "/approval-chains/<kind>/<draft_id>")
    def get_chain(self, request, kind, draft_id):
        return draft_view(self._kind_row(kind, draft_id))

    @http("GET", "/approval-chains")
    def list_chains(self, request):
        q = select(models.ChainDraft).order_by(models.ChainDraft.kind, models.ChainDraft.draft_id)
        if request.args.get("kind"):
            q = q.where(models.ChainDraft.kind == request.args["kind"])
        return {"drafts": [draft_view(r) for r in self.db.session.scalars(q)]}
