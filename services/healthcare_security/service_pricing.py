"""Medical service prices (医疗服务价格, HO-38): the bureau's side. Pure: no I/O.

The bureau leads on basic service prices of public hospitals and reviews special-needs (特需) items itself; a new
item (新增医疗服务项目) is priced only after the health commission approved it (000:197-211).
"""

from __future__ import annotations

from dataclasses import dataclass

ITEM_KINDS = ("basic", "special_needs", "new")


class PricingError(Exception):
    """The price may not be set as asked; the message says why."""


@dataclass(frozen=True)
class ReceivedReview:
    """The health commission's review of a new item, as the bureau received it (HO-38)."""

    review_id: str
    item_code: str
    decision: str  # approved | rejected


def check_price(item_kind: str, item_code: str, price_fen: int, review: ReceivedReview | None,
                review_id: str | None) -> None:
    """A new item needs the commission's approving review of that item; basic and special-needs items need none,
    but a review named must exist and be of the same item."""
    if item_kind not in ITEM_KINDS:
        raise PricingError(f"item_kind must be one of {', '.join(ITEM_KINDS)}")
    if price_fen <= 0:
        raise PricingError("a price must be more than 0 fen")
    if review_id is not None and review is None:
        raise PricingError(f"the health commission's review {review_id} has not reached the bureau")
    if item_kind == "new":
        if review is None:
            raise PricingError(f"new item {item_code} is priced only after the health commission's review "
                               "(review_id); none was given")
        if review.decision != "approved":
            raise PricingError(f"the health commission rejected item {item_code} in review {review.review_id}; "
                               "it cannot be priced")
    if review is not None and review.item_code != item_code:
        raise PricingError(f"review {review.review_id} is of item {review.item_code}, not {item_code}")
