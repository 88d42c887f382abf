"""Tax's signature on the approval chains finance tracks, with its own key (shared/chain_signing.py): the Hainan
budget's joint submission (HO-10, 004:22), the provincial adjustment plan (HO-13, 004:25), and the co-signature
of the center's adjustment proposal when revenue changes (HO-13: "医保经办机构会同税务部门", 004:25). Mixed into
TaxService. Tax keeps finance's progress notices (``finance.approval_chain.progressed``) so it signs only a
step that waits for it, with the figures on the chain.

The proposal's co-signature comes before finance's chain exists: tax signs the figures of the center's proposal
(step ``proposed``, the chain's opening state) and the center sends the proposal on only with it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import fields
from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from shared import chain_signing as cs
from shared.bus.fields import REGION_CODE, Fen
from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from .models import Base

ChainSigningError = cs.ChainSignatureRefused


class ChainStepSigned(cs.ChainStepSignedFields):
    """HO-10, HO-13: tax signs its step of a chain finance tracks, or returns it with reasons."""

    event_type = "tax.chain_step.signed.v1"


EVENT_SCHEMAS = [ChainStepSigned]


class ChainStep(Base):
    """Where a chain stands, as finance last told tax (migration 0401)."""

    __tablename__ = "tax_chain_step"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    chain: Mapped[dict] = mapped_column(JSON)
    history: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProposalCosignRequest(cs.SignatureRequest):
    """Tax's co-signature of the center's adjustment proposal: the figures tax stands behind."""

    region_code = fields.String(required=True, validate=REGION_CODE)
    delta_revenue_fen = Fen(required=True, allow_negative=True)
    delta_expenditure_fen = Fen(required=True, allow_negative=True)


def _history(row: ChainStep, at: str, action: str, by: str, note: str = "") -> None:
    row.history = [*(row.history or []), {"at": at, "action": action, "by": by, "note": note}]


class ChainSigningEntrypoints:
    def chain_clock(self) -> datetime:
        return datetime.now(UTC)

    def _chain_step_row(self, kind: str, draft_id: str, region_code: str) -> ChainStep:
        # Locked: concurrent notices must compare their sequence against the latest committed copy.
        row = self.db.session.get(ChainStep, (kind, draft_id), with_for_update=True)
        if row is None:
            row = ChainStep(kind=kind, draft_id=draft_id, region_code=region_code, history=[], chain={},
                            updated_at=self.chain_clock())
            self.db.session.add(row)
        return row

    @handles("fundlink.finance.approval_chain.progressed.v1")
    def on_chain_progressed(self, event):
        data = event.data
        row = self._chain_step_row(data["kind"], data["draft_id"], data["region_code"])
        chain = cs.chain_copy(row.chain, data)
        if chain is None:
            return  # an older notice overtaken by a newer one
        row.chain, row.updated_at = chain, self.chain_clock()
        _history(row, data["at"], data["action"], data["by"], data.get("note", ""))

    @http("POST", "/approval-chains/<kind>/<draft_id>/signature", request_schema=cs.SignatureRequest,
          expected_exceptions=(ChainSigningError,))
    def sign_chain_step(self, request, kind, draft_id):
        body, now = cs.SignatureRequest().load(json_body(request)), self.chain_clock()
        row = self.db.session.get(ChainStep, (kind, draft_id))
        if row is None or not row.chain:
            raise NotFound(f"tax has heard of no {kind} chain for {draft_id!r}")
        region = body.get("signer_region_code") or row.region_code
        step = cs.check_signature("tax", row.chain, body["decision"], body["reasons"], region)
        figures = (row.chain["total_revenue_fen"], row.chain["total_expenditure_fen"])
        payload = cs.signature_payload(kind, draft_id, row.region_code, step, region, body, figures, now)
        self.db.publish(ChainStepSigned, payload, subject=draft_id, correlation_id=draft_id, region=row.region_code)
        _history(row, now.isoformat(), body["decision"], "tax", f"{step} as {region}")
        return 202, {"kind": kind, "draft_id": draft_id, "step": step, "decision": body["decision"]}

    @http("POST", "/budget-adjustments/<adjustment_id>/cosignature", request_schema=ProposalCosignRequest,
          expected_exceptions=(ChainSigningError,))
    def cosign_adjustment_proposal(self, request, adjustment_id):
        """HO-13: tax co-signs (or refuses, with reasons) the revenue and spending changes of the center's
        adjustment proposal; the center proposes it to the bureau and finance only with this signature."""
        body, now = ProposalCosignRequest().load(json_body(request)), self.chain_clock()
        cs.check_reasons(body["decision"], body["reasons"])
        row = self._chain_step_row("adjustment", adjustment_id, body["region_code"])
        if row.chain.get("pending_step") or row.chain.get("complete"):  # a returned proposal is co-signed anew
            raise ChainSigningError(f"adjustment {adjustment_id} is already on finance's chain "
                                    f"({row.chain.get('state')}); tax signs the steps that wait for it there")
        region = body.get("signer_region_code") or body["region_code"]
        figures = (body["delta_revenue_fen"], body["delta_expenditure_fen"])
        payload = cs.signature_payload("adjustment", adjustment_id, body["region_code"], "proposed", region, body,
                                       figures, now)
        self.db.publish(ChainStepSigned, payload, subject=adjustment_id, correlation_id=adjustment_id,
                        region=body["region_code"])
        row.updated_at = now
        _history(row, now.isoformat(), body["decision"], "tax", f"proposal co-signed: revenue {figures[0]} fen, "
                 f"expenditure {figures[1]} fen")
        return 202, {"kind": "adjustment", "draft_id": adjustment_id, "step": "proposed",
                     "decision": body["decision"], "delta_revenue_fen": figures[0],
                     "delta_expenditure_fen": figures[1]}

    @http("GET", "/approval-chains/<kind>/<draft_id>")
    def get_chain_step(self, request, kind, draft_id):
        row = self.db.session.get(ChainStep, (kind, draft_id))
        if row is None:
            raise NotFound(f"tax has heard of no {kind} chain for {draft_id!r}")
        return {"kind": kind, "draft_id": draft_id, "region_code": row.region_code, **(row.chain or {}),
                "history": row.history}
