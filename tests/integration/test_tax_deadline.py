"""HO-01's deadline: a region's feed not in by the 5th is overdue on the 6th (fixed clock)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from helpers import feed_payload, metric_value, outbox_rows, wait_for

from services.hs_center.service import HsCenterService
from shared.deadlines import SHANGHAI

RECONCILED = "fundlink.hs_center.collection.reconciled.v1"
OVERDUE = "fundlink.hs_center.collection.feed_overdue.v1"


class ClockedCenter(HsCenterService):
    """The real service with its deadline watch reading a clock the test sets."""

    test_now = [datetime(2026, 11, 5, 23, 59, 59, tzinfo=SHANGHAI)]
    ticks = [0]

    def watch_deadlines(self, now):
        super().watch_deadlines(self.test_now[0])
        self.ticks[0] += 1


def gauges(fleet):
    """(open, overdue) feed deadlines as the center's /metrics shows them."""
    text = fleet.get("hs_center", "/metrics", timeout=5).text
    values = {line.split("{")[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("fundlink_deadlines_") and 'kind="collection_feed"' in line}
    return values.get("fundlink_deadlines_open"), values.get("fundlink_deadlines_overdue")


def published(fleet, event_type):
    with fleet.database("hs_center").engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT body FROM fundlink_outbox WHERE event_type = :t"), {"t": event_type})
        return [json.loads(bytes(b)) for (b,) in bodies]


def overdue_notices(fleet):
    return published(fleet, OVERDUE)


def tax_overdue_notices(fleet):
    with fleet.database("tax").engine.connect() as conn:
        return conn.execute(sa.text("SELECT region_code, period FROM overdue_notice")).all()


def test_a_feed_not_in_by_the_5th_is_overdue_on_the_6th_and_raised_once(fleet):
    fleet.start("hs_center", service_cls=ClockedCenter)
    fleet.start("tax")
    for region in ("460100", "460200"):
        r = fleet.post("hs_center", "/feed-schedule",
                          json={"region_code": region, "first_period": "2026-10"}, timeout=10)
        assert r.status_code == 200, r.text
    # 460200's October feed arrives in time; 460100's does not.
    feed = feed_payload(feed_id="F-460200-2026-10", period="2026-10")
    feed["region_code"] = "460200"
    assert fleet.post("tax", "/feeds", json=feed, timeout=10).status_code == 202
    wait_for(lambda: fleet.get("hs_center", "/feeds/F-460200-2026-10").status_code == 200,
             message="the in-time feed to be reconciled")

    # Last second of the 5th: still open, nothing raised (a fixed date: it does not roll).
    wait_for(lambda: gauges(fleet) == (1.0, 0.0), message="one open obligation on the 5th")
    assert overdue_notices(fleet) == []

    ClockedCenter.test_now[0] = datetime(2026, 11, 6, 0, 0, 1, tzinfo=SHANGHAI)
    wait_for(lambda: gauges(fleet) == (0.0, 1.0), message="the missing feed counted overdue on the 6th")
    (notice,) = wait_for(lambda: overdue_notices(fleet), message="the overdue notice")
    assert (notice["region_code"], notice["period"]) == ("460100", "2026-10")
    assert notice["due_at"].startswith("2026-11-05T23:59:59")
    assert datetime.fromisoformat(notice["raised_at"]) == ClockedCenter.test_now[0]
    assert "460100" in notice["reason"] and "2026-10" in notice["reason"]
    # It is its own hand-off now: no HO-02 answer says "overdue" any more.
    assert [a["feed_id"] for a in published(fleet, RECONCILED)] == ["F-460200-2026-10"]
    wait_for(lambda: all(r["sent_at"] for r in outbox_rows(fleet.database("hs_center"), OVERDUE)),
             message="the notice to leave the outbox")
    wait_for(lambda: tax_overdue_notices(fleet) == [("460100", "2026-10")], message="tax to record the notice")
    assert metric_value(fleet, "tax", "fundlink_handoffs_consumed_total", event_type=OVERDUE) == 1
    # Several more watch ticks later it is still raised once.
    later = ClockedCenter.ticks[0] + 2
    wait_for(lambda: ClockedCenter.ticks[0] >= later, message="two more watch ticks")
    assert len(overdue_notices(fleet)) == 1
