"""Issue 10: a consumer splits one hand-off's queue into region groups (docs/scaling.md, Topology).

The bureau reads the commission's HO-38 reviews from three region-group queues; a region missing
from its configured list still arrives, through the ``.gx`` queue. Producers do not change."""

from __future__ import annotations

import pytest
from helpers import broker_queue_depth, dead_letters, outbox_rows, publish_raw, wait_for
from kombu import Connection
from kombu.exceptions import ChannelError

from shared.bus.catalogue import catalogue
from shared.bus.topology import queue_name, region_group_queue_name
from shared.config import region_settings

REVIEWED = "fundlink.health_commission.service_item.reviewed.v1"
REGIONS = ("460100", "460105", "460200", "469001", "469002", "469003")
GROUPS = 3
SENT = {"460100": "330100801", "460200": "330100802", "469001": "330100803", "460400": "330100804"}


def _queue_exists(amqp_uri, name) -> bool:
    with Connection(amqp_uri) as conn:
        try:
            conn.channel().queue_declare(name, passive=True)
            return True
        except ChannelError:
            return False


def test_a_province_split_into_region_groups_loses_no_region(fleet, amqp_uri):
    key = catalogue().event(REVIEWED).routing_key
    fleet.start("health_commission")
    fleet.start("healthcare_security", region_groups=GROUPS, regions=REGIONS)
    fleet.stop("healthcare_security")  # its queues stay: what arrives now waits in them, visible

    for region, item_code in SENT.items():
        r = fleet.post("health_commission", "/service-item-reviews", role="head", json={
            "review_id": f"REV-{item_code}", "item_code": item_code, "item_name": f"item {item_code}",
            "decision": "approved", "region_code": region})
        assert r.status_code == 202, r.text
    commission = fleet.database("health_commission")
    wait_for(lambda: len(rows := outbox_rows(commission, REVIEWED)) == len(SENT) and all(r["sent_at"] for r in rows),
             message="reviews published")

    expected: dict[str, int] = {}
    for region in SENT:
        name = region_group_queue_name("healthcare_security", key, region, REGIONS, GROUPS)
        expected[name] = expected.get(name, 0) + 1
    assert f"{queue_name('healthcare_security', key)}.gx" in expected, "460400 is in no group"
    assert len(expected) >= 3, f"the listed regions should spread over several groups: {expected}"
    assert {name: broker_queue_depth(amqp_uri, name) for name in expected} == expected
    assert not _queue_exists(amqp_uri, queue_name("healthcare_security", key)), \
        "a split consumer must not also read the whole hand-off (every review twice)"

    fleet.start("healthcare_security")  # the same settings: three groups and the catch-all
    for item_code in SENT.values():
        item = wait_for(lambda c=item_code: _item(fleet, c), message=f"review of {item_code} at the bureau")
        assert len(item["reviews"]) == 1
    assert all(broker_queue_depth(amqp_uri, name) == 0 for name in expected)


def _item(fleet, item_code):
    r = fleet.get("healthcare_security", f"/service-items/{item_code}", role="officer")
    return r.json() if r.status_code == 200 else None


def test_a_refused_delivery_is_parked_with_its_group_queue_for_replay(fleet, amqp_uri):
    key = catalogue().event(REVIEWED).routing_key
    fleet.start("healthcare_security", region_groups=GROUPS, regions=REGIONS)
    for region in ("469002", "460400"):
        publish_raw(amqp_uri, f"{key}.{region}", {}, b"{}", message_id=f"unsigned-{region}")
    letters = wait_for(lambda: len(d := dead_letters(amqp_uri, "healthcare_security")) >= 2 and d,
                       message="both refusals dead-lettered")
    queues = {letter.routing_key.rsplit(".", 1)[-1]: letter.queue for letter in letters}
    assert queues == {"469002": region_group_queue_name("healthcare_security", key, "469002", REGIONS, GROUPS),
                      "460400": f"{queue_name('healthcare_security', key)}.gx"}


@pytest.mark.parametrize(("groups", "regions", "why"), [
    ("3", "", "needs FUNDLINK_REGIONS"),
    ("three", "460100", "not a whole number"),
    ("2", "460100,4601", "six-digit region codes"),
])
def test_a_region_split_that_cannot_work_is_refused_at_start(groups, regions, why):
    with pytest.raises(ValueError, match=why):
        region_settings(groups, regions)
