"""The outbox: a state change and its events commit together, and wait out a broker outage."""

import subprocess
from datetime import UTC, datetime

from helpers import FEED_TYPE, count, delete_agency_queues, feed_payload, metric_value, outbox_rows, registry, wait_for
from kombu import Connection, Queue

from services.tax import models, schemas
from shared.bus.runtime import AgencyService, http
from shared.bus.topology import events_exchange


class TaxThatFailsAfterPublishing(AgencyService):
    """Production plumbing (UnitOfWork, Http entrypoint) with a handler that fails late."""

    name = "tax"
    agency = "tax"
    metadata = models.Base.metadata

    @http("POST", "/feeds")
    def publish_then_fail(self, request):
        feed = feed_payload()
        self.db.session.add(models.CollectionFeed(
            feed_id=feed["feed_id"], region_code="460100", region_level="city", period="2026-10",
            lines=feed["lines"], status="published", due_at=datetime.now(UTC),
            published_at=datetime.now(UTC)))
        self.db.publish(schemas.CollectionFeedPublished, feed, subject=feed["feed_id"],
                        correlation_id=feed["feed_id"], region="460100")
        raise RuntimeError("fails after staging the event")


def test_rolled_back_transaction_never_publishes(fleet):
    fleet.start("hs_center")
    fleet.start("tax", TaxThatFailsAfterPublishing)
    r = fleet.post("tax", "/feeds", json={}, timeout=10)
    assert r.status_code == 500
    assert outbox_rows(fleet.database("tax")) == []
    assert count(fleet.database("tax"), "collection_feed") == 0
    # Nothing reaches the center: a later, real feed is the only one it ever sees.
    fleet.stop("tax")
    fleet.start("tax")
    fleet.post("tax", "/feeds", json=feed_payload(), timeout=10).raise_for_status()
    wait_for(lambda: count(fleet.database("hs_center"), "received_feed") == 1, message="the real feed")
    assert count(fleet.database("hs_center"), "fundlink_inbox") == 1


def test_unroutable_event_stays_in_the_outbox_and_is_counted(fleet, amqp_uri):
    for consumer in ("hs_center", "healthcare_security", "finance"):
        delete_agency_queues(amqp_uri, consumer)  # no queue is bound for the feed
    fleet.start("tax")
    feed = feed_payload()
    fleet.post("tax", "/feeds", json=feed, timeout=10).raise_for_status()
    rows = wait_for(lambda: [r for r in outbox_rows(fleet.database("tax")) if r["attempts"] > 0],
                    message="a relay attempt")
    assert rows[0]["sent_at"] is None
    assert "unroutable" in rows[0]["last_error"]
    assert metric_value(fleet, "tax", "fundlink_outbox_unroutable_total", event_type=FEED_TYPE) >= 1
    assert metric_value(fleet, "tax", "fundlink_handoffs_published_total", event_type=FEED_TYPE) == 0


def test_a_nacked_event_stays_in_the_outbox_is_counted_and_goes_once_the_broker_takes_it(fleet, amqp_uri):
    """A queue that cannot take the feed (full, reject-publish) makes the broker nack it."""
    fleet.start("hs_center")
    fleet.start("tax")
    fleet.post("hs_center", "/registry", json=registry(), timeout=10).raise_for_status()
    blocker = Queue("fundlink.test.full", exchange=events_exchange, routing_key="tax.collection.feed_published.v1.#",
                    queue_arguments={"x-max-length": 0, "x-overflow": "reject-publish"})
    with Connection(amqp_uri) as conn:
        blocker(conn.channel()).declare()
    try:
        feed = feed_payload()
        fleet.post("tax", "/feeds", json=feed, timeout=10).raise_for_status()
        rows = wait_for(lambda: [r for r in outbox_rows(fleet.database("tax"), FEED_TYPE) if r["attempts"] > 1],
                        message="the feed nacked twice")
        assert rows[0]["sent_at"] is None and rows[0]["last_error"] == "nacked by the broker", rows
        assert metric_value(fleet, "tax", "fundlink_outbox_nacked_total", event_type=FEED_TYPE) >= 2
    finally:
        with Connection(amqp_uri) as conn:
            blocker(conn.channel()).delete()
    # Retried, not dropped: the feed goes on its next attempt and is reconciled. The center's own queue
    # took every copy (a nack says only that some queue refused), and its inbox kept one.
    wait_for(lambda: outbox_rows(fleet.database("tax"), FEED_TYPE)[0]["sent_at"] is not None, timeout=90,
             message="the feed confirmed once the queue was gone")
    wait_for(lambda: fleet.get("tax", f"/feeds/{feed['feed_id']}").json()["status"] == "reconciled",
             timeout=90, message="the reconciliation")
    assert count(fleet.database("hs_center"), "received_feed") == 1


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def test_broker_down_at_commit_then_up_delivers_once(fleet, amqp_uri):
    fleet.start("hs_center")
    fleet.start("tax")
    fleet.post("hs_center", "/registry", json=registry(), timeout=10).raise_for_status()
    feed = feed_payload()
    rabbitmqctl("stop_app")
    try:
        r = fleet.post("tax", "/feeds", json=feed, timeout=10)
        assert r.status_code == 202, r.text
        assert [row["sent_at"] for row in outbox_rows(fleet.database("tax"))] == [None]
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
    wait_for(lambda: fleet.get("tax", f"/feeds/{feed['feed_id']}").json()["status"] == "reconciled",
             timeout=90, message="the reconciliation after the broker came back")
    assert count(fleet.database("hs_center"), "received_feed") == 1
    assert len(outbox_rows(fleet.database("hs_center"))) == 1
