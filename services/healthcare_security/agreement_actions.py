"""HO-39 at the bureau: the center's report of an agreement measure is kept as a matter and recorded on the case
it concerns. Mixed into HealthcareSecurityService *before* MatterEntrypoints: :meth:`on_agreement_action`
replaces matters.py's handler of the same name (one handler per event type and service; the queue and the
inbox are keyed by it) and still keeps the matter as that one did.

Which case: the case whose settlement-suspension order the measure carries out (``order_id``); a measure of
the center's own on an institution is recorded on every case with a suspension order against that
institution. ``remember_settlement_order`` is called by the order's route so the order can be found.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shared.bus.runtime import handles
from shared.http import Conflict
from shared.records import load

from . import domain, models
from . import oversight_models as om
from .domain import oversight as rules


class AgreementActionEntrypoints:
    def remember_settlement_order(self, case_id: str, order: dict) -> None:
        """The order just sent to the center (POST /cases/<case_id>/settlement-suspension); an order id is used
        once (raising here undoes the step and the event with it)."""
        known = self.db.session.get(om.SettlementOrder, order["order_id"])
        if known is not None:
            raise Conflict(f"settlement suspension order {order['order_id']} was already given on case "
                           f"{known.case_id}; use a new order_id")
        self.db.session.add(om.SettlementOrder(order_id=order["order_id"], case_id=case_id,
                                               target_kind=order["target_kind"], target_id=order["target_id"],
                                               ordered_at=self.clock()))

    @handles("fundlink.hs_center.agreement.action_reported.v1")
    def on_agreement_action(self, event):
        """Keep the measure (matter ``agreement_action``) and add it to its case's timeline; once per measure."""
        d = event.data
        if self.db.session.get(models.Matter, ("agreement_action", d["action_id"])) is not None:
            return
        self._new_matter("agreement_action", d["action_id"], event.region, dict(d, state=d["action"]))
        for case_id in self._cases_of_action(d):
            record = self._record(case_id, "agreement action")
            case, _ = rules.record_agreement_action(
                load(domain.Case, record.doc), d["action_id"], d["action"], d.get("order_id"),
                date.fromisoformat(d["effective_from"]), self.clock())
            self._save(record, case)

    def _cases_of_action(self, d: dict) -> list[str]:
        if d.get("order_id"):
            order = self.db.session.get(om.SettlementOrder, d["order_id"])
            return [order.case_id] if order is not None else []
        orders = select(om.SettlementOrder.case_id).where(
            om.SettlementOrder.target_kind == "institution",
            om.SettlementOrder.target_id == d["institution_id"]).distinct().order_by(om.SettlementOrder.case_id)
        return list(self.db.session.scalars(orders))
