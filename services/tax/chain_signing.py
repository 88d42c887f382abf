"""Tax's signature on the approval chains finance tracks (HO-13 provincial adjustment plan, 004:25; the Hainan
budget's joint submission, 004:22): tax signs with its own key, or returns the step with reasons. Mixed into
TaxService. Tax keeps finance's progress notices (``finance.approval_chain.progressed``) so it signs only a
step that waits for it, with the figures on the chain.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.bus.fields import REGION_CODE, EventSchema, Fen
from shared.bus.runtime import handles, http
from shared.http import NotFound, json_body

from .models import Base

ID = validate.Length(min=1, max=64)
CHAIN_KIND = validate.OneOf(["budget", "adjustment", "final_accounts"])


class ChainSigningError(Exception):
    """Tax may not sign the step as asked; the message says why."""


class ChainStepSigned(EventSchema):
    """HO-13 (and HO-10): tax signs its step of a chain finance tracks, or returns it with reasons."""

    event_type = "tax.chain_step.signed.v1"

    kind = fields.String(required=True, validate=CHAIN_KIND)
    draft_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    step = fields.String(required=True, validate=validate.Length(min=1, max=40))
    signer_region_code = fields.String(required=True, validate=REGION_CODE)
    decision = fields.String(required=True, validate=validate.OneOf(["signed", "returned"]))
    reasons = fields.String(validate=validate.Length(min=1, max=4000))
    total_revenue_fen = Fen(required=True, allow_negative=True)
    total_expenditure_fen = Fen(required=True, allow_negative=True)
    signed_at = fields.AwareDateTime(required=True)


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


class SignatureRequest(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["signed", "returned"]))
    reasons = fields.String(load_default="", validate=validate.Length(max=4000))
    signer_region_code = fields.String(validate=REGION_CODE)  # 460000 to sign as the provincial tax bureau


def check_signature(chain: dict, decision: str, reasons: str, signer_region_code: str) -> str:
    """Guard tax's signature; returns the step signed. The provincial step is signed from a provincial code."""
    awaiting = chain.get("awaiting") or []
    step = chain.get("pending_step")
    if not step:
        raise ChainSigningError(f"the chain waits for no step now ({chain.get('state')}); nothing to sign")
    provincial = "provincial_tax" in awaiting
    if not provincial and "tax" not in awaiting:
        raise ChainSigningError(f"step {step!r} waits for {', '.join(awaiting) or 'no one'}, not tax")
    if provincial and not signer_region_code.endswith("0000"):
        raise ChainSigningError(f"step {step!r} is the provincial tax bureau's; sign it with the provincial "
                                f"region code, not {signer_region_code}")
    if decision == "returned" and not reasons.strip():
        raise ChainSigningError("a step returned for revision must say why (reasons)")
    return step


class ChainSigningEntrypoints:
    def chain_clock(self) -> datetime:
        return datetime.now(UTC)

    @handles("fundlink.finance.approval_chain.progressed.v1")
    def on_chain_progressed(self, event):
        data, now = event.data, self.chain_clock()
        row = self.db.session.get(ChainStep, (data["kind"], data["draft_id"]))
        if row is None:
            row = ChainStep(kind=data["kind"], draft_id=data["draft_id"], region_code=data["region_code"], history=[])
            self.db.session.add(row)
        if row.chain and row.chain.get("sequence", 0) >= data["sequence"]:
            return  # an older notice overtaken by a newer one
        row.chain = {k: data.get(k) for k in ("state", "pending_step", "awaiting", "complete", "total_revenue_fen",
                                               "total_expenditure_fen", "sequence")}
        row.history = [*row.history, {"at": data["at"], "action": data["action"], "by": data["by"],
                                      "note": data.get("note", "")}]
        row.updated_at = now

    @http("POST", "/approval-chains/<kind>/<draft_id>/signature", request_schema=SignatureRequest,
          expected_exceptions=(ChainSigningError,))
    def sign_chain_step(self, request, kind, draft_id):
        body, now = SignatureRequest().load(json_body(request)), self.chain_clock()
        row = self.db.session.get(ChainStep, (kind, draft_id))
        if row is None:
            raise NotFound(f"tax has heard of no {kind} chain for {draft_id!r}")
        region = body.get("signer_region_code") or row.region_code
        step = check_signature(row.chain, body["decision"], body["reasons"], region)
        payload = {"kind": kind, "draft_id": draft_id, "region_code": row.region_code, "step": step,
                   "signer_region_code": region, "decision": body["decision"],
                   "total_revenue_fen": row.chain["total_revenue_fen"],
                   "total_expenditure_fen": row.chain["total_expenditure_fen"], "signed_at": now}
        if body["reasons"].strip():
            payload["reasons"] = body["reasons"].strip()
        self.db.publish(ChainStepSigned, payload, subject=draft_id, correlation_id=draft_id, region=row.region_code)
        return 202, {"kind": kind, "draft_id": draft_id, "step": step, "decision": body["decision"]}

    @http("GET", "/approval-chains/<kind>/<draft_id>")
    def get_chain_step(self, request, kind, draft_id):
        row = self.db.session.get(ChainStep, (kind, draft_id))
        if row is None:
            raise NotFound(f"tax has heard of no {kind} chain for {draft_id!r}")
        return {"kind": kind, "draft_id": draft_id, "region_code": row.region_code, **row.chain,
                "history": row.history}
