"""HO-38 across both services, through the real bus and database: the health commission reviews a new medical
service item, the bureau records the review and prices the approved item (and a special-needs item with no
review), and the commission records the prices beside its review."""

from __future__ import annotations

from helpers import wait_for


def call(fleet, agency, method, path, body=None, role="officer", expect=(200, 201, 202)):
    r = fleet.call(method, agency, path, json=body, role=role)
    assert r.status_code in expect, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


def test_a_reviewed_new_item_is_priced_and_the_price_comes_back_to_the_commission(fleet):
    fleet.start("health_commission")
    fleet.start("healthcare_security")

    # A price for a new item before the commission's review reached the bureau is refused.
    early = fleet.post("healthcare_security", "/service-prices", json={
        "price_id": "P-2026-001", "review_id": "HC-REV-2026-07", "item_code": "330100099",
        "item_name": "机器人辅助手术",
        "item_kind": "new", "price_fen": 800_000, "price_unit": "per operation", "region_code": "460000",
        "effective_from": "2026-10-01"}, role="head")
    assert early.status_code == 409 and "has not reached the bureau" in early.json()["message"], early.text

    call(fleet, "health_commission", "POST", "/service-item-reviews", {
        "review_id": "HC-REV-2026-07", "item_code": "330100099", "item_name": "机器人辅助手术",
        "decision": "approved", "region_code": "460000"}, role="head")
    call(fleet, "health_commission", "POST", "/service-item-reviews", {
        "review_id": "HC-REV-2026-08", "item_code": "330100100", "item_name": "某试验性疗法",
        "decision": "rejected", "comments": "no clinical evidence yet", "region_code": "460000"}, role="head")
    item = wait_for(lambda: (r := fleet.get("healthcare_security", "/service-items/330100099", role="officer"))
                    .status_code == 200 and r, message="the bureau has the commission's review")
    assert [(r["review_id"], r["decision"]) for r in item.json()["reviews"]] == [("HC-REV-2026-07", "approved")]
    wait_for(lambda: fleet.get("healthcare_security", "/service-items/330100100", role="officer").status_code == 200,
             message="the rejected review at the bureau")

    # The rejected item cannot be priced; the approved one can, and the commission hears of it.
    rejected = fleet.post("healthcare_security", "/service-prices", json={
        "price_id": "P-2026-002", "review_id": "HC-REV-2026-08", "item_code": "330100100", "item_name": "某试验性疗法",
        "item_kind": "new", "price_fen": 100_000, "price_unit": "per course", "region_code": "460000",
        "effective_from": "2026-10-01"}, role="head")
    assert rejected.status_code == 409 and "rejected" in rejected.json()["message"], rejected.text
    price = call(fleet, "healthcare_security", "POST", "/service-prices", {
        "price_id": "P-2026-001", "review_id": "HC-REV-2026-07", "item_code": "330100099",
        "item_name": "机器人辅助手术",
        "item_kind": "new", "price_fen": 800_000, "price_unit": "per operation", "region_code": "460000",
        "effective_from": "2026-10-01"}, role="head")
    assert (price["price_fen"], price["item_kind"]) == (800_000, "new")
    # A special-needs item is the bureau's own review: priced without the commission.
    call(fleet, "healthcare_security", "POST", "/service-prices", {
        "price_id": "P-2026-003", "item_code": "TX-VIP-01", "item_name": "特需病房", "item_kind": "special_needs",
        "price_fen": 60_000, "price_unit": "per day", "region_code": "460100", "effective_from": "2026-10-01"},
        role="head")

    seen = wait_for(lambda: (r := fleet.get("health_commission", "/service-items/330100099", role="officer"))
                    .status_code == 200 and r.json()["reviews"][0]["price_id"] and r.json(),
                    message="the commission records the bureau's price beside its review")
    assert seen["reviews"][0]["price_id"] == "P-2026-001"
    assert [(p["price_id"], p["price_fen"], p["price_unit"], p["effective_from"]) for p in seen["prices"]] == [
        ("P-2026-001", 800_000, "per operation", "2026-10-01")]
    special = wait_for(lambda: (r := fleet.get("health_commission", "/service-items/TX-VIP-01", role="officer"))
                       .status_code == 200 and r.json(), message="the special-needs price at the commission")
    assert special["reviews"] == [] and special["prices"][0]["item_kind"] == "special_needs"
