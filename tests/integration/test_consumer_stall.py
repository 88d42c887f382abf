"""A subscription the broker stopped serving is found and renewed (shared/bus/runtime.py SafeQueueConsumer).

After a cluster node is lost, a quorum queue can keep messages ready while nothing reaches the
consumer, on a connection that is otherwise healthy. Here the center's subscription to tax's feed
queue is cancelled at the broker behind nameko's back, the same silent state: the consumer still
believes it is subscribed. The feed tax then sends must still be reconciled, and the renewal counted.
"""

import time

from helpers import FEED_TYPE, broker_queue_depth, broker_queue_state, feed_payload, metric_value, registry, wait_for

from shared.bus.runtime import BusHandler

FEED_QUEUE = "fundlink.hs_center.tax.collection.feed_published.v1"


def _feed_handler(fleet):
    container = fleet.runners["hs_center"].service_map["hs_center"]
    return next(e for e in container.entrypoints if isinstance(e, BusHandler) and e.event_type == FEED_TYPE)


def test_a_subscription_the_broker_stopped_serving_is_renewed_and_nothing_waits(fleet, amqp_uri):
    fleet.start("hs_center", consumer_stall_seconds=2.0)
    fleet.start("tax")
    fleet.post("hs_center", "/registry", json=registry(), timeout=10).raise_for_status()
    first = feed_payload()
    fleet.post("tax", "/feeds", json=first, timeout=10).raise_for_status()
    wait_for(lambda: fleet.get("tax", f"/feeds/{first['feed_id']}").json()["status"] == "reconciled",
             timeout=60, message="the first feed's reconciliation")
    # Quiet for longer than the stall time with nothing ready: every subscription is left alone.
    time.sleep(3)
    assert metric_value(fleet, "hs_center", "fundlink_consumer_resubscribed_total") == 0

    handler = _feed_handler(fleet)
    consumer = handler.queue_consumer._consumers[handler]
    tag = consumer._active_tags[FEED_QUEUE]
    consumer.channel.basic_cancel(tag, nowait=True)  # the broker forgets it; nameko does not know
    wait_for(lambda: _consumers_on(amqp_uri, FEED_QUEUE) == 0, timeout=10, message="the broker to drop it")

    second = feed_payload()
    fleet.post("tax", "/feeds", json=second, timeout=10).raise_for_status()
    wait_for(lambda: broker_queue_depth(amqp_uri, FEED_QUEUE) == 1, timeout=20,
             message="the feed to wait in the center's queue")
    wait_for(lambda: fleet.get("tax", f"/feeds/{second['feed_id']}").json()["status"] == "reconciled",
             timeout=60, message="the second feed's reconciliation after the renewal")
    # Once: the watch waits for the new subscription before it looks again.
    assert metric_value(fleet, "hs_center", "fundlink_consumer_resubscribed_total", queue=FEED_QUEUE) == 1
    assert _consumers_on(amqp_uri, FEED_QUEUE) == 1


def _consumers_on(amqp_uri, queue):
    return broker_queue_state(amqp_uri, queue).consumer_count
