"""The bureau's entrypoints for medical service items and prices (HO-38). Mixed into HealthcareSecurityService;
rules in service_pricing.py."""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.bus.fields import REGION_CODE, Fen
from shared.bus.runtime import handles, http
from shared.http import Conflict, NotFound, json_body

from . import schemas, service_pricing
from . import service_pricing_models as spm

ID = validate.Length(min=1, max=64)


class PriceRequest(Schema):
    """POST /service-prices: set or change an item's price; a new item names the commission's review."""

    price_id = fields.String(required=True, validate=ID)
    review_id = fields.String(validate=ID)
    item_code = fields.String(required=True, validate=ID)
    item_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    item_kind = fields.String(required=True, validate=validate.OneOf(service_pricing.ITEM_KINDS))
    price_fen = Fen(required=True)
    price_unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    region_code = fields.String(required=True, validate=REGION_CODE)
    effective_from = fields.Date(required=True)


class ServicePricingEntrypoints:
    @handles("fundlink.health_commission.service_item.reviewed.v1")
    def on_service_item_reviewed(self, event):
        """HO-38 in: the commission's review; an approved new item may now be priced."""
        d = event.data
        if self.db.session.get(spm.ReceivedItemReview, d["review_id"]) is None:
            self.db.session.add(spm.ReceivedItemReview(
                review_id=d["review_id"], item_code=d["item_code"], item_name=d["item_name"], decision=d["decision"],
                comments=d.get("comments"), reviewed_at=datetime.fromisoformat(d["reviewed_at"]),
                received_at=self.clock()))

    @http("POST", "/service-prices", request_schema=PriceRequest,
          expected_exceptions=(service_pricing.PricingError,))
    def set_service_price(self, request):
        """HO-38 out: the price, told to the health commission."""
        body, now = PriceRequest().load(json_body(request)), self.clock()
        if self.db.session.get(spm.ServicePrice, body["price_id"]) is not None:
            raise Conflict(f"price decision {body['price_id']} was already made")
        row = body.get("review_id") and self.db.session.get(spm.ReceivedItemReview, body["review_id"])
        review = row and service_pricing.ReceivedReview(row.review_id, row.item_code, row.decision)
        service_pricing.check_price(body["item_kind"], body["item_code"], body["price_fen"], review or None,
                                    body.get("review_id"))
        self.db.session.add(spm.ServicePrice(**body, set_at=now))
        self.db.publish(schemas.ServicePriceSet, {**body, "set_at": now}, subject=body["price_id"],
                        correlation_id=body.get("review_id") or body["price_id"], region=body["region_code"])
        return 202, {**schemas.ServicePriceSet().dump({**body, "set_at": now})}

    @http("GET", "/service-items/<item_code>")
    def get_service_item(self, request, item_code):
        reviews = list(self.db.session.scalars(select(spm.ReceivedItemReview).where(
            spm.ReceivedItemReview.item_code == item_code).order_by(spm.ReceivedItemReview.reviewed_at)))
        prices = list(self.db.session.scalars(select(spm.ServicePrice).where(
            spm.ServicePrice.item_code == item_code).order_by(spm.ServicePrice.set_at)))
        if not reviews and not prices:
            raise NotFound(f"the bureau knows no service item {item_code!r}")
        return {"item_code": item_code,
                "reviews": [{"review_id": r.review_id, "decision": r.decision, "comments": r.comments,
                             "reviewed_at": r.reviewed_at.isoformat()} for r in reviews],
                "prices": [schemas.ServicePriceSet().dump({
                    "price_id": p.price_id, "item_code": p.item_code, "item_name": p.item_name,
                    "item_kind": p.item_kind, "price_fen": p.price_fen, "price_unit": p.price_unit,
                    "region_code": p.region_code, "effective_from": p.effective_from, "set_at": p.set_at,
                    **({"review_id": p.review_id} if p.review_id else {})}) for p in prices]}
