"""The pure parts of running on a cluster: broker lists, region groups, replica arguments."""

import socket

from shared.bus.topology import (
    broker_nodes,
    broker_uris,
    region_group,
    region_group_queues,
    service_queue_arguments,
)
from shared.push.client import pika_parameter_list

CLUSTER = "amqp://guest:guest@10.0.0.1:5672//;amqp://guest:guest@10.0.0.2:5673/fl"


def test_every_client_reads_every_node_of_the_list_in_order():
    assert broker_uris(CLUSTER) == CLUSTER.split(";")
    params = pika_parameter_list(CLUSTER)
    assert [(p.host, p.port, p.virtual_host) for p in params] == [("10.0.0.1", 5672, "/"), ("10.0.0.2", 5673, "fl")]


def test_a_city_and_its_counties_share_a_region_group_and_100_regions_use_every_group():
    assert {region_group(code, 3) for code in ("460100", "460105", "460106")} == {region_group("460100", 3)}
    regions = [f"{11 + i % 31:02d}{i // 31 + 1:02d}00" for i in range(100)]
    queues = region_group_queues("tax", "hs_center.collection.reconciled.v1", regions, 3)
    assert [q.name for q in queues] == [f"fundlink.tax.hs_center.collection.reconciled.v1.g{k}" for k in range(3)]
    bound = sorted(b.routing_key.rsplit(".", 1)[1] for q in queues for b in q.bindings)
    assert bound == sorted(regions)


def test_the_replica_count_is_only_declared_when_asked():
    assert "x-quorum-initial-group-size" not in service_queue_arguments("tax")
    assert service_queue_arguments("tax", replicas=3)["x-quorum-initial-group-size"] == 3


def test_broker_nodes_names_the_node_that_does_not_answer():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    status = broker_nodes(f"amqp://guest:guest@127.0.0.1:{port}//", timeout=1)
    assert list(status) == [f"127.0.0.1:{port}"]
    assert status[f"127.0.0.1:{port}"].startswith("down:")
