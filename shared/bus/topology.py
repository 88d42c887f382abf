"""Exchanges and queues, declared the same way by every process that touches them.

One topic exchange carries every hand-off; routing keys are ``<event>.v<N>.<region>``.
Each consumer of an event type has its own quorum queue, so a poison message of one
type never blocks another, and queue depth is visible per hand-off.
"""

from __future__ import annotations

import zlib

from kombu import Connection, Exchange, Queue, binding

EVENTS_EXCHANGE = "fundlink.events"
DEAD_LETTER_EXCHANGE = "fundlink.dlx"
DEFAULT_DELIVERY_LIMIT = 5

events_exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)
dead_letter_exchange = Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)


def queue_name(agency: str, routing_key: str) -> str:
    """``fundlink.public_security.healthcare_security.case.transferred_to_police.v1``."""
    return f"fundlink.{agency}.{routing_key}"


def dead_letter_queue_name(agency: str) -> str:
    return f"fundlink.{agency}.dlq"


def service_queue_arguments(agency: str, delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
                            replicas: int | None = None) -> dict:
    # RabbitMQ 3.10 has no default delivery limit: set one, and dead-letter
    # at-least-once (needs reject-publish overflow) so nothing is dropped.
    args = {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": agency,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    if replicas:
        # Only when asked: the broker refuses to redeclare an existing queue with an argument it
        # was not declared with, and RabbitMQ's own default (quorum_cluster_size) is already 3.
        args["x-quorum-initial-group-size"] = replicas
    return args


def service_queue(agency: str, routing_key: str, delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
                  replicas: int | None = None) -> Queue:
    return Queue(
        queue_name(agency, routing_key),
        exchange=events_exchange,
        routing_key=f"{routing_key}.#",
        durable=True,
        queue_arguments=service_queue_arguments(agency, delivery_limit, replicas),
    )


# -- splitting a province by region ------------------------------------------------------------------
# Routing keys end with the region code (GB/T 2260, six digits: province, city, county). A consumer
# whose one queue per hand-off outgrows one Raft leader splits it into region groups: a city and
# its counties always land in the same group (so their order is kept), and each group queue has
# its own Raft leader. A quorum queue's leader starts on the node the declaring client is connected
# to; declare group k through node k (or run `rabbitmq-queues rebalance quorum`) to spread them.

def region_group(region_code: str, groups: int) -> int:
    """The group of a region: stable across processes and restarts (crc32 of the city prefix)."""
    return zlib.crc32(region_code[:4].encode()) % groups if groups > 1 else 0


def region_exchanges(agency: str, routing_key: str) -> tuple[Exchange, Exchange]:
    """The consumer's own topic exchange for one hand-off, fed from the events exchange with
    ``<event>.v<N>.#``, and its alternate exchange, which takes what no region binding matched."""
    unmatched = Exchange(f"{queue_name(agency, routing_key)}.unmatched", type="fanout", durable=True)
    regions = Exchange(f"{queue_name(agency, routing_key)}.regions", type="topic", durable=True,
                       arguments={"alternate-exchange": unmatched.name})
    return regions, unmatched


class RegionGroupQueue(Queue):
    """A region-group queue; declaring it also declares the exchanges in front of it, so a consumer
    that reconnects (to any node) finds the whole path from the events exchange in place."""

    attrs = Queue.attrs + (("fed_by", None), ("feed_key", None))  # kept when kombu copies a bound queue

    def declare(self, nowait=False, channel=None):
        channel = channel or self.channel
        regions, unmatched = self.fed_by
        events_exchange(channel).declare()
        unmatched(channel).declare()
        regions(channel).declare()
        regions(channel).bind_to(events_exchange, routing_key=self.feed_key)
        return super().declare(nowait=nowait, channel=channel)


def _group_queue(agency: str, routing_key: str, suffix: str, bindings, delivery_limit: int,
                 replicas: int | None) -> RegionGroupQueue:
    return RegionGroupQueue(f"{queue_name(agency, routing_key)}.{suffix}", bindings=bindings, durable=True,
                            queue_arguments=service_queue_arguments(agency, delivery_limit, replicas),
                            fed_by=region_exchanges(agency, routing_key), feed_key=f"{routing_key}.#")


def region_group_queue(agency: str, routing_key: str, group: int, regions, *,
                       delivery_limit: int = DEFAULT_DELIVERY_LIMIT, replicas: int | None = None) -> Queue:
    """``fundlink.<agency>.<event>.v<N>.g<k>``, bound to ``<event>.v<N>.<region>`` for each region of group k."""
    exchange, _ = region_exchanges(agency, routing_key)
    bindings = [binding(exchange, routing_key=f"{routing_key}.{region}") for region in sorted(regions)]
    return _group_queue(agency, routing_key, f"g{group}", bindings, delivery_limit, replicas)


def unmatched_region_queue(agency: str, routing_key: str, *, delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
                           replicas: int | None = None) -> Queue:
    """``….gx``: a region missing from the configured list still reaches the consumer, never nobody."""
    _, unmatched = region_exchanges(agency, routing_key)
    return _group_queue(agency, routing_key, "gx", [binding(unmatched, routing_key="")], delivery_limit, replicas)


def region_group_queues(agency: str, routing_key: str, regions, groups: int, *, unmatched: bool = False,
                        **kw) -> list[Queue]:
    by_group: dict[int, set[str]] = {}
    for region in regions:
        by_group.setdefault(region_group(region, groups), set()).add(region)
    queues = [region_group_queue(agency, routing_key, g, members, **kw) for g, members in sorted(by_group.items())]
    return queues + [unmatched_region_queue(agency, routing_key, **kw)] if unmatched else queues


def region_group_queue_name(agency: str, routing_key: str, region: str, regions, groups: int) -> str:
    """The queue a delivery with this region comes from (dead letters are replayed there)."""
    suffix = f"g{region_group(region, groups)}" if region in regions else "gx"
    return f"{queue_name(agency, routing_key)}.{suffix}"


# -- the nodes of a cluster -------------------------------------------------------------------------
def broker_uris(amqp_uri: str) -> list[str]:
    """``amqp://h1//;amqp://h2//`` names the nodes of one cluster; kombu fails over in that order."""
    return [u for u in amqp_uri.split(";") if u]


def broker_nodes(amqp_uri: str, timeout: float = 2.0) -> dict[str, str]:
    """Each node of ``amqp_uri`` (``host:port``) with ``ok`` or why it cannot be reached.

    A client that fails over stays healthy when one node dies; this shows which one is gone.
    """
    status = {}
    for uri in broker_uris(amqp_uri):
        conn = Connection(uri, connect_timeout=timeout)
        node = f"{conn.hostname}:{conn.port}"
        try:
            conn.ensure_connection(max_retries=0)
            status[node] = "ok"
        except Exception as exc:  # noqa: BLE001 - the reason is the answer
            status[node] = f"down: {type(exc).__name__}: {exc}"[:200]
        finally:
            conn.release()
    return status


def delete_agency_queues(amqp_uri: str, agencies) -> None:
    """Delete the agencies' consumer queues (with any region-group queues and their exchanges) and
    dead-letter queues: for tests and benchmarks that must start from empty queues. Never in production."""
    from shared.bus.catalogue import catalogue

    queues, exchanges = [], []
    for agency in agencies:
        for key in (e.routing_key for e in catalogue().consumed_by(agency)):
            name = queue_name(agency, key)
            queues += [name, *(f"{name}.g{g}" for g in [*range(8), "x"])]
            exchanges += [f"{name}.regions", f"{name}.unmatched"]
        queues.append(dead_letter_queue_name(agency))
    with Connection(amqp_uri) as conn:
        for kind, names in (("queue", queues), ("exchange", exchanges)):
            for name in names:
                channel = conn.channel()
                try:
                    channel.queue_delete(name) if kind == "queue" else channel.exchange_delete(name)
                finally:
                    channel.close()


def dead_letter_queue(agency: str) -> Queue:
    return Queue(
        dead_letter_queue_name(agency),
        exchange=dead_letter_exchange,
        routing_key=agency,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


def declare_agency(channel, agency: str, routing_keys, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> None:
    """Declare the exchanges, the agency's dead-letter queue and its service queues."""
    events_exchange(channel).declare()
    dead_letter_exchange(channel).declare()
    dead_letter_queue(agency)(channel).declare()
    for key in routing_keys:
        service_queue(agency, key, delivery_limit)(channel).declare()
