"""HO-39: agreement measures and settlement suspension. Mixed into HsCenterService, which provides ``clock`` and
``db``; rules in oversight.py.

The bureau's order to suspend settlement (002:100) is carried out when it arrives: the suspension is recorded
and the center tells the bureau it is in force (``hs_center.agreement.action_reported``, action
``suspend_settlement`` with the order id). The center's own measures (002:105-113; 003:15) are posted by an
officer and reported the same way. While a suspension is in force no claim of the institution is paid
(settlement_entrypoints.py asks :func:`check_payable`).

An order against an insured person (暂停联网结算) is recorded and shown; it is not an agreement measure against an
institution, so it is not reported as one.
"""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.bus.fields import REGION_CODE, Fen
from shared.bus.runtime import handles, http
from shared.deadlines import SHANGHAI
from shared.http import Conflict, NotFound, json_body

from . import oversight, schemas
from . import oversight_models as om

ERRORS = (oversight.OversightError,)
ID = validate.Length(min=1, max=64)


class ActionRequest(Schema):
    """POST /agreement-actions: a measure the center took against a designated institution (协议处理)."""

    action_id = fields.String(required=True, validate=ID)
    institution_id = fields.String(required=True, validate=ID)
    region_code = fields.String(required=True, validate=REGION_CODE)
    action = fields.String(required=True, validate=validate.OneOf(
        [a for a in oversight.ACTIONS if a != "suspend_settlement"]))
    amount_fen = Fen()
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    decided_by = fields.String(validate=validate.Length(min=1, max=200))
    effective_from = fields.Date(required=True)
    effective_until = fields.Date()


class LiftRequest(Schema):
    """POST /agreement-actions/<action_id>/lift: a suspension ends before its last day (e.g. the target is
    cleared, §4.5)."""

    lifted_by = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    lifted_on = fields.Date()


def measure_of(row: om.AgreementMeasure) -> oversight.Measure:
    return oversight.Measure(row.action_id, row.target_id, row.action, row.effective_from, row.effective_until,
                             row.lifted_on, row.order_id)


def measures_of(session: Session, target_id: str) -> list[oversight.Measure]:
    rows = session.scalars(select(om.AgreementMeasure).where(om.AgreementMeasure.target_id == target_id))
    return [measure_of(r) for r in rows]


def check_payable(session: Session, institution_id: str, now: datetime) -> None:
    """Refuse a payment to an institution whose settlement or agreement is suspended today (Asia/Shanghai)."""
    oversight.check_payable(institution_id, measures_of(session, institution_id),
                            now.astimezone(SHANGHAI).date())


def measure_view(row: om.AgreementMeasure, now: datetime) -> dict:
    today = now.astimezone(SHANGHAI).date()
    view = {"action_id": row.action_id, "target_kind": row.target_kind, "target_id": row.target_id,
            "action": row.action, "order_id": row.order_id, "case_id": row.case_id, "region_code": row.region_code,
            "amount_fen": row.amount_fen, "reason": row.reason, "decided_by": row.decided_by,
            "effective_from": row.effective_from.isoformat(),
            "effective_until": row.effective_until and row.effective_until.isoformat(),
            "in_force": measure_of(row).in_force(today),
            "blocks_payment": row.action in oversight.BLOCKS_PAYMENT and measure_of(row).in_force(today),
            "reported_at": row.reported_at and row.reported_at.isoformat()}
    if row.lifted_on is not None:
        view.update(lifted_on=row.lifted_on.isoformat(), lifted_by=row.lifted_by, lift_reason=row.lift_reason)
    return view


class AgreementEntrypoints:
    """HO-39: the bureau's suspension order carried out; the center's measures reported to the bureau."""

    def _measure(self, action_id: str, *, lock: bool = False) -> om.AgreementMeasure:
        row = self.db.session.get(om.AgreementMeasure, action_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"the center has no agreement measure {action_id!r}")
        return row

    def _report_measure(self, row: om.AgreementMeasure, now: datetime) -> None:
        payload = {"action_id": row.action_id, "institution_id": row.target_id, "action": row.action,
                   "reason": row.reason, "effective_from": row.effective_from, "reported_at": now,
                   **{k: v for k, v in (("order_id", row.order_id), ("amount_fen", row.amount_fen),
                                        ("effective_until", row.effective_until)) if v is not None}}
        row.reported_at = now
        self.db.publish(schemas.AgreementActionReported, payload, subject=row.action_id,
                        correlation_id=row.case_id or row.action_id, region=row.region_code)

    @handles("fundlink.healthcare_security.settlement.suspension_ordered.v1")
    def on_settlement_suspension_ordered(self, event):
        """Carry out the bureau's order: settlement with the target is suspended from ``effective_from``. The
        same order delivered twice is carried out once."""
        d, now = event.data, self.clock()
        if self.db.session.scalars(select(om.AgreementMeasure).where(
                om.AgreementMeasure.order_id == d["order_id"])).first() is not None:
            return
        row = om.AgreementMeasure(
            action_id=f"ACT-{d['order_id']}", target_id=d["target_id"], target_kind=d["target_kind"],
            action="suspend_settlement", order_id=d["order_id"], case_id=d["case_id"],
            region_code=event.region or "", reason=d["reason"], decided_by=d["approved_by"],
            effective_from=date.fromisoformat(d["effective_from"]), recorded_at=now)
        self.db.session.add(row)
        self.db.session.flush()
        if row.target_kind == "institution":
            self._report_measure(row, now)

    @http("POST", "/agreement-actions", request_schema=ActionRequest, expected_exceptions=ERRORS)
    def take_agreement_action(self, request):
        """The center's own measure against an institution, recorded and reported to the bureau (003:15)."""
        body, now = ActionRequest().load(json_body(request)), self.clock()
        existing = self.db.session.get(om.AgreementMeasure, body["action_id"])
        if existing is not None:
            raise Conflict(f"agreement measure {body['action_id']} is already recorded ({existing.action} of "
                           f"{existing.target_id}); use a new action_id")
        oversight.check_measure(body["action"], amount_fen=body.get("amount_fen"), order_id=None,
                                effective_from=body["effective_from"], effective_until=body.get("effective_until"))
        row = om.AgreementMeasure(
            action_id=body["action_id"], target_id=body["institution_id"], target_kind="institution",
            action=body["action"], region_code=body["region_code"], amount_fen=body.get("amount_fen"),
            reason=body["reason"], decided_by=body.get("decided_by"), effective_from=body["effective_from"],
            effective_until=body.get("effective_until"), recorded_at=now)
        self.db.session.add(row)
        self.db.session.flush()
        self._report_measure(row, now)
        return 201, measure_view(row, now)

    @http("GET", "/agreement-actions")
    def list_agreement_actions(self, request):
        """``?target_id=`` (institution code) and ``?in_force=1`` filter."""
        now, q = self.clock(), select(om.AgreementMeasure).order_by(om.AgreementMeasure.recorded_at,
                                                                     om.AgreementMeasure.action_id)
        if request.args.get("target_id"):
            q = q.where(om.AgreementMeasure.target_id == request.args["target_id"])
        views = [measure_view(r, now) for r in self.db.session.scalars(q)]
        if request.args.get("in_force") in ("1", "true", "yes"):
            views = [v for v in views if v["in_force"]]
        return {"actions": views}

    @http("GET", "/agreement-actions/<action_id>")
    def get_agreement_action(self, request, action_id):
        return measure_view(self._measure(action_id), self.clock())

    @http("POST", "/agreement-actions/<action_id>/lift", request_schema=LiftRequest, expected_exceptions=ERRORS)
    def lift_agreement_suspension(self, request, action_id):
        """A suspension ends from ``lifted_on`` (default today); claims are paid again from that day."""
        body, now = LiftRequest().load(json_body(request)), self.clock()
        row = self._measure(action_id, lock=True)
        on = body.get("lifted_on") or now.astimezone(SHANGHAI).date()
        oversight.check_lift(measure_of(row), on)
        row.lifted_on, row.lifted_by, row.lift_reason = on, body["lifted_by"], body["reason"]
        return measure_view(row, now)
