"""HO-01's deadline: a region's feed not in by the 5th is overdue on the 6th (fixed clock)."""

from __future__ import annotations

from datetime import datetime

import requests
from helpers import feed_payload, metric_value, outbox_rows, wait_for

from services.hs_center.service import HsCenterService
from shared.deadlines import SHANGHAI

RECONCILED = "fundlink.hs_center.collection.reconciled.v1"


class ClockedCenter(HsCenterService):
    """The real service with its deadline watch reading a clock the test sets."""

    test_now = [datetime(2026, 11, 5, 23, 59, 59, tzinfo=SHANGHAI)]

    def watch_deadlines(self, now):
        super().watch_deadlines(self.test_now[0])


def gauges(fleet):
    """(open, overdue) feed deadlines as the center's /metrics shows them."""
    text = requests.get(fleet.url("hs_center", "/metrics"), timeout=5).text
    values = {line.split("{")[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("fundlink_deadlines_") and 'kind="collection_feed"' in line}
    return values.get("fundlink_deadlines_open"), values.get("fundlink_deadlines_overdue")


def overdue_answers(fleet):
    import json

    import sqlalchemy as sa

    with fleet.database("hs_center").engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT body FROM fundlink_outbox WHERE event_type = :t"), {"t": RECONCILED})
        return [a for a in (json.loads(bytes(b)) for (b,) in bodies) if a["status"] == "overdue"]


def test_a_feed_not_in_by_the_5th_is_overdue_on_the_6th_and_raised_once(fleet):
    fleet.start("hs_center", service_cls=ClockedCenter)
    fleet.start("tax")
    for region in ("460100", "460200"):
        r = requests.post(fleet.url("hs_center", "/feed-schedule"),
                          json={"region_code": region, "first_period": "2026-10"}, timeout=10)
        assert r.status_code == 200, r.text
    # 460200's October feed arrives in time; 460100's does not.
    feed = feed_payload(feed_id="F-460200-2026-10", period="2026-10")
    feed["region_code"] = "460200"
    assert requests.post(fleet.url("tax", "/feeds"), json=feed, timeout=10).status_code == 202
    wait_for(lambda: requests.get(fleet.url("hs_center", "/feeds/F-460200-2026-10")).status_code == 200,
             message="the in-time feed to be reconciled")

    # Last second of the 5th: still open, nothing raised (a fixed date: it does not roll).
    wait_for(lambda: gauges(fleet) == (1.0, 0.0), message="one open obligation on the 5th")
    assert overdue_answers(fleet) == []

    ClockedCenter.test_now[0] = datetime(2026, 11, 6, 0, 0, 1, tzinfo=SHANGHAI)
    wait_for(lambda: gauges(fleet) == (0.0, 1.0), message="the missing feed counted overdue on the 6th")
    (answer,) = wait_for(lambda: overdue_answers(fleet), message="the overdue notice")
    assert (answer["region_code"], answer["period"]) == ("460100", "2026-10")
    assert answer["due_at"].startswith("2026-11-05T23:59:59")
    wait_for(lambda: all(r["sent_at"] for r in outbox_rows(fleet.database("hs_center"), RECONCILED)),
             message="the notice to leave the outbox")
    # Several more watch ticks later it is still raised once.
    wait_for(lambda: metric_value(fleet, "tax", "fundlink_handoffs_consumed_total", event_type=RECONCILED) >= 2,
             message="tax to receive it")
    assert len(overdue_answers(fleet)) == 1
