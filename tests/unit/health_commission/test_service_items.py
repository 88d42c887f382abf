"""HO-38 at the commission: a rejection says why."""

from __future__ import annotations

import pytest

from services.health_commission import service_items as si


def test_a_rejected_item_must_say_why():
    si.check_review("approved", None)
    si.check_review("rejected", "no clinical evidence yet")
    with pytest.raises(si.ServiceItemError, match="why"):
        si.check_review("rejected", "  ")
    with pytest.raises(si.ServiceItemError, match="decision"):
        si.check_review("deferred", None)
