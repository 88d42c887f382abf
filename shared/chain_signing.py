"""A co-signatory's side of the approval chains finance tracks (HO-10, HO-13, HO-14): the payload of
``<agency>.chain_step.signed``, the officer's request, the guard and the copy of finance's progress notice.

healthcare_security and tax each sign (or return) their own steps with their own keys; this module holds what
the two have in common, so that the rule reads the same at both. Finance's progress notice
(``finance.approval_chain.progressed``) tells a co-signatory which step waits for whom; a co-signatory signs only
a step that waits for it, with the figures on the chain. A provincial step (``provincial_<agency>``, 004:25) is
signed from a provincial region code (``..0000``).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.bus.fields import REGION_CODE, EventSchema, Fen

ID = validate.Length(min=1, max=64)
KINDS = ("budget", "adjustment", "final_accounts")
CHAIN_KIND = validate.OneOf(KINDS)
CHAIN_KEYS = ("state", "pending_step", "awaiting", "complete", "total_revenue_fen", "total_expenditure_fen",
              "sequence")


class ChainSignatureRefused(Exception):
    """The co-signatory may not sign (or return) the step as asked; the message says why (409)."""


class ChainStepSignedFields(EventSchema):
    """The fields of ``<agency>.chain_step.signed``; each agency's schema sets its own ``event_type``."""

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


class SignatureRequest(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["signed", "returned"]))
    reasons = fields.String(load_default="", validate=validate.Length(max=4000))
    signer_region_code = fields.String(validate=REGION_CODE)  # 460000 to sign as the provincial department


def chain_copy(known: dict | None, notice: dict) -> dict | None:
    """The co-signatory's copy of the chain after finance's progress ``notice``; None when the notice is older
    than the copy (notices may arrive out of order: the highest ``sequence`` wins)."""
    if known and known.get("sequence", 0) >= notice["sequence"]:
        return None
    return {k: notice.get(k) for k in CHAIN_KEYS}


def check_signature(agency: str, chain: dict | None, decision: str, reasons: str, signer_region_code: str) -> str:
    """Guard ``agency``'s signature on the step its copy of the chain shows pending; returns that step."""
    step = (chain or {}).get("pending_step")
    if not step:
        state = (chain or {}).get("state") or "not yet told by finance"
        raise ChainSignatureRefused(f"finance's chain waits for no step now ({state}); nothing for {agency} to sign")
    awaiting = chain.get("awaiting") or []
    provincial = f"provincial_{agency}" in awaiting
    if not provincial and agency not in awaiting:
        raise ChainSignatureRefused(f"step {step!r} waits for {', '.join(awaiting) or 'no one'}, not {agency}")
    if provincial and not signer_region_code.endswith("0000"):
        raise ChainSignatureRefused(f"step {step!r} is the provincial {agency}'s; sign it with the provincial "
                                    f"region code, not {signer_region_code}")
    check_reasons(decision, reasons)
    return step


def check_reasons(decision: str, reasons: str) -> None:
    if decision == "returned" and not reasons.strip():
        raise ChainSignatureRefused("a step returned for revision must say why (reasons)")


def signature_payload(kind: str, draft_id: str, region_code: str, step: str, signer_region_code: str,
                      body: dict, figures: tuple[int, int], at) -> dict:
    """The ``<agency>.chain_step.signed`` payload for the officer's request ``body`` on ``step``."""
    payload = {"kind": kind, "draft_id": draft_id, "region_code": region_code, "step": step,
               "signer_region_code": signer_region_code, "decision": body["decision"],
               "total_revenue_fen": figures[0], "total_expenditure_fen": figures[1], "signed_at": at}
    if body.get("reasons", "").strip():
        payload["reasons"] = body["reasons"].strip()
    return payload
