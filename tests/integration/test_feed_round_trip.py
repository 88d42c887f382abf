"""HO-01 → HO-02 through the real services, broker and PostgreSQL."""

from helpers import (
    FEED_TYPE,
    RECONCILED_TYPE,
    count,
    feed_payload,
    metric_value,
    outbox_rows,
    registry,
    wait_for,
)


def start_pair(fleet):
    fleet.start("hs_center")
    fleet.start("tax")
    fleet.post("hs_center", "/registry", json=registry(), timeout=10).raise_for_status()


def test_feed_is_reconciled_and_tax_sees_the_answer(fleet):
    start_pair(fleet)
    feed = feed_payload(employee_fen=1_000_000, resident_fen=40_000)  # resident short by 10,000 fen
    r = fleet.post("tax", "/feeds", json=feed, timeout=10)
    assert r.status_code == 202, r.text
    assert r.json()["deadline"]["due_at"].startswith("2026-11-05T23:59:59")

    state = wait_for(lambda: (s := fleet.get("tax", f"/feeds/{feed['feed_id']}").json())
                     ["status"] != "published" and s, message="tax to receive the reconciliation")
    assert state["status"] == "discrepancies_reported"
    (d,) = state["reconciliation"]["discrepancies"]
    assert (d["scheme"], d["kind"], d["expected_fen"], d["collected_fen"]) == ("resident", "amount_mismatch",
                                                                                50_000, 40_000)
    center = fleet.get("hs_center", f"/feeds/{feed['feed_id']}").json()
    assert center["status"] == "discrepancies"
    # Both outboxes drained, each event once.
    assert [r["sent_at"] is not None for r in outbox_rows(fleet.database("tax"), FEED_TYPE)] == [True]
    assert [r["sent_at"] is not None for r in outbox_rows(fleet.database("hs_center"), RECONCILED_TYPE)] == [True]
    assert metric_value(fleet, "tax", "fundlink_handoffs_published_total", event_type=FEED_TYPE) == 1
    assert metric_value(fleet, "hs_center", "fundlink_handoffs_consumed_total", event_type=FEED_TYPE,
                        outcome="processed") == 1
    assert metric_value(fleet, "tax", "fundlink_handoffs_consumed_total", event_type=RECONCILED_TYPE) == 1


def test_bad_http_input_gets_422_naming_the_field_and_changes_nothing(fleet):
    fleet.start("tax")
    feed = feed_payload()
    feed["lines"][0]["amount_collected_fen"] = "12.50"
    r = fleet.post("tax", "/feeds", json=feed, timeout=10)
    assert r.status_code == 422
    body = r.json()
    assert "amount_collected_fen" in body["message"] and "integer" in body["message"].lower()
    assert count(fleet.database("tax"), "collection_feed") == 0
    assert outbox_rows(fleet.database("tax")) == []
    r = fleet.post("tax", "/feeds", data=b"{oops", timeout=10)
    assert r.status_code == 422 and "not valid JSON" in r.json()["message"]
