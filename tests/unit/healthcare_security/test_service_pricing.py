"""HO-38 at the bureau: a new item is priced only after the commission approved it; special-needs and basic
items are the bureau's own."""

from __future__ import annotations

import pytest

from services.healthcare_security import service_pricing as sp

APPROVED = sp.ReceivedReview("HC-1", "330100099", "approved")
REJECTED = sp.ReceivedReview("HC-2", "330100100", "rejected")


def test_a_new_item_needs_an_approving_review_of_the_same_item():
    sp.check_price("new", "330100099", 800_000, APPROVED, "HC-1")
    with pytest.raises(sp.PricingError, match="only after the health commission's review"):
        sp.check_price("new", "330100099", 800_000, None, None)
    with pytest.raises(sp.PricingError, match="has not reached the bureau"):
        sp.check_price("new", "330100099", 800_000, None, "HC-9")
    with pytest.raises(sp.PricingError, match="rejected"):
        sp.check_price("new", "330100100", 1, REJECTED, "HC-2")
    with pytest.raises(sp.PricingError, match="not 330100101"):
        sp.check_price("new", "330100101", 1, APPROVED, "HC-1")


def test_basic_and_special_needs_items_need_no_review():
    sp.check_price("special_needs", "TX-VIP-01", 60_000, None, None)
    sp.check_price("basic", "110100001", 1_500, None, None)
    with pytest.raises(sp.PricingError, match="more than 0"):
        sp.check_price("basic", "110100001", 0, None, None)
    with pytest.raises(sp.PricingError, match="item_kind"):
        sp.check_price("premium", "110100001", 1, None, None)
