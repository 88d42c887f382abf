"""The commission's entrypoints for new medical service items (HO-38). Mixed into HealthCommissionService;
rules in service_items.py."""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.runtime import handles, http
from shared.http import Conflict, NotFound, json_body

from . import schemas, service_items
from . import service_item_models as sim

ID = validate.Length(min=1, max=64)


class ReviewRequest(Schema):
    """POST /service-item-reviews: the commission's review of a new medical service item."""

    review_id = fields.String(required=True, validate=ID)
    item_code = fields.String(required=True, validate=ID)
    item_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    decision = fields.String(required=True, validate=validate.OneOf(service_items.DECISIONS))
    comments = fields.String(validate=validate.Length(min=1, max=4000))
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="must be 6 digits"),
                                metadata={"description": "The commission's region; the review is routed with it."})


def _price_view(p: sim.KnownServicePrice) -> dict:
    return {"price_id": p.price_id, "review_id": p.review_id, "item_kind": p.item_kind, "price_fen": p.price_fen,
            "price_unit": p.price_unit, "region_code": p.region_code, "effective_from": p.effective_from.isoformat(),
            "set_at": p.set_at.isoformat()}


class ServiceItemEntrypoints:
    @http("POST", "/service-item-reviews", request_schema=ReviewRequest,
          expected_exceptions=(service_items.ServiceItemError,))
    def review_service_item(self, request):
        """HO-38: the review goes to the bureau, which prices an approved item."""
        body, now = ReviewRequest().load(json_body(request)), self.clock()
        service_items.check_review(body["decision"], body.get("comments"))
        if self.db.session.get(sim.ServiceItemReview, body["review_id"]) is not None:
            raise Conflict(f"review {body['review_id']} was already sent")
        self.db.session.add(sim.ServiceItemReview(**body, reviewed_at=now))
        event = {k: v for k, v in body.items() if k != "region_code"}
        self.db.publish(schemas.ServiceItemReviewed, {**event, "reviewed_at": now}, subject=body["review_id"],
                        correlation_id=body["review_id"], region=body["region_code"])
        return 202, {**body, "reviewed_at": now.isoformat()}

    @handles("fundlink.healthcare_security.service_price.set.v1")
    def on_service_price_set(self, event):
        """HO-38 back: the bureau's price, kept beside the commission's review of the item."""
        d = event.data
        if self.db.session.get(sim.KnownServicePrice, d["price_id"]) is not None:
            return
        self.db.session.add(sim.KnownServicePrice(
            price_id=d["price_id"], review_id=d.get("review_id"), item_code=d["item_code"], item_name=d["item_name"],
            item_kind=d["item_kind"], price_fen=d["price_fen"], price_unit=d["price_unit"],
            region_code=d["region_code"], effective_from=date.fromisoformat(d["effective_from"]),
            set_at=datetime.fromisoformat(d["set_at"]), received_at=self.clock()))
        review = d.get("review_id") and self.db.session.get(sim.ServiceItemReview, d["review_id"])
        if review:
            review.price_id = d["price_id"]

    @http("GET", "/service-items/<item_code>")
    def get_service_item(self, request, item_code):
        reviews = list(self.db.session.scalars(select(sim.ServiceItemReview).where(
            sim.ServiceItemReview.item_code == item_code).order_by(sim.ServiceItemReview.reviewed_at)))
        prices = list(self.db.session.scalars(select(sim.KnownServicePrice).where(
            sim.KnownServicePrice.item_code == item_code).order_by(sim.KnownServicePrice.set_at)))
        if not reviews and not prices:
            raise NotFound(f"health_commission knows no service item {item_code!r}")
        return {"item_code": item_code,
                "reviews": [{"review_id": r.review_id, "item_name": r.item_name, "decision": r.decision,
                             "comments": r.comments, "reviewed_at": r.reviewed_at.isoformat(),
                             "price_id": r.price_id} for r in reviews],
                "prices": [_price_view(p) for p in prices]}
