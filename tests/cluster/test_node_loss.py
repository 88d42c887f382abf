"""Losing a broker node loses nothing: fundlink on a 3-node RabbitMQ cluster.

tax and the center run as `fundlink serve` processes (the fault drills' harness) with
AMQP_URI naming all three nodes (kombu's ``a;b;c`` failover list). Mid-stream the node that
leads the busiest queues, and that every service is connected to, is killed with SIGKILL.
Then: nothing lost, nothing took effect twice, every deadline raised during the outage was
told, /health named the lost node, the same service processes carried on through the other
nodes, and the restarted node rejoined every queue.

Hand-offs, half and half: HO-01/HO-02 (tax posts a feed, the center answers with its
reconciliation) and HO-04 (the center registers an enrollment, tax acknowledges it); during
the outage HO-01-late deadlines fall due (feed_overdue, center → tax).

    FUNDLINK_CLUSTER_HANDOFFS (default 10,000) sets the size of the stream.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from cluster.drill import OVERDUE_REGIONS, VHOST, ClusterDrill, broker_ports
from cluster.local_cluster import NODES, wait_until
from harness import AGENCIES, HEADER

pytestmark = [pytest.mark.cluster, pytest.mark.integration]
HANDOFFS = int(os.environ.get("FUNDLINK_CLUSTER_HANDOFFS", "10000"))
NO_DEDUP_HANDOFFS = int(os.environ.get("FUNDLINK_CLUSTER_NO_DEDUP_HANDOFFS", "4000"))
RESULTS: list = []


@pytest.fixture(scope="module", autouse=True)
def table():
    yield
    print("\n\nnode loss on a 3-node cluster\n" + HEADER)
    for f in RESULTS:
        print(f.row() + (f"   ({'; '.join(f.notes)})" if f.notes else ""))


def lose_a_node(d: ClusterDrill, count: int) -> dict:
    """Run the stream, kill the busiest leader mid-way, bring it back; return what was seen."""
    cluster, seen = d.cluster, {}
    d.start("hs_center")
    d.start("tax")
    d.load_registry()
    pids = {a: d.procs[a].pid for a in AGENCIES}
    stop_health = threading.Event()

    def fault() -> None:
        try:
            lose(seen)
        except Exception as exc:  # a daemon thread: hand the failure to the test
            seen["error"] = exc
            raise

    def lose(seen: dict) -> None:
        queues = [q for q in cluster.queues(VHOST, via="c2") if q["name"].startswith("fundlink.")]
        busiest = sorted(queues, key=lambda q: -q["messages"])[:4]
        leaders = [q["leader"] for q in busiest]
        victim = max(set(leaders), key=leaders.count)
        seen.update(victim=victim, busiest=busiest, before={a: broker_ports(p) for a, p in pids.items()})
        cluster.kill(victim)
        d.figures.notes.append(f"killed {victim}")
        threading.Thread(target=d.watch_health, args=(stop_health,), daemon=True).start()
        d.schedule_overdue_feeds()  # deadlines fall due while the node is down
        time.sleep(20)
        seen["during"] = {a: broker_ports(p) for a, p in pids.items()}
        seen["survivors_running"] = cluster.running_nodes(via=next(n for n in NODES if n != victim))

    d.send_mixed(count, fault)
    wait_until(lambda: "during" in seen or "error" in seen, 120, "the fault to finish")
    if "error" in seen:
        raise seen["error"]
    d.settle_mixed()
    stop_health.set()
    seen["same_processes"] = all(d.procs[a].poll() is None and d.procs[a].pid == pids[a] for a in AGENCIES)
    # Heal: the node comes back and rejoins every queue.
    cluster.start_node(seen["victim"])
    seen["healed"] = wait_until(
        lambda: cluster.running_nodes(via="c2" if seen["victim"] != "c2" else "c1") == set(NODES)
        and all(q["online"] == set(NODES) for q in cluster.queues(VHOST, via=seen["victim"])
                if q["type"] == "quorum"), 180, "the cluster to heal")
    RESULTS.append(d.figures)
    return seen


def test_losing_the_busiest_node_loses_nothing_and_duplicates_nothing(drill):
    d = drill("node_loss")
    seen = lose_a_node(d, HANDOFFS)
    f, victim, port = d.figures, seen["victim"], d.cluster.port(seen["victim"])
    assert (f.lost, f.duplicated, f.dead_lettered) == (0, 0, 0), "\n".join([f.row(), *f.notes])
    assert d.overdue_told == len(OVERDUE_REGIONS), f.row()
    # The killed node led the busiest queues, every one replicated on the three nodes.
    assert all(q["leader"] == victim and q["online"] == set(NODES) for q in seen["busiest"]), seen["busiest"]
    # Every service was connected to the killed node, then through the others, in the same process.
    assert all(port in ports for ports in seen["before"].values()), seen["before"]
    assert all(ports and port not in ports for ports in seen["during"].values()), seen["during"]
    assert seen["same_processes"]
    assert seen["survivors_running"] == set(NODES) - {victim}
    # /health kept answering and named the lost node while it was down.
    node = f"127.0.0.1:{port}"
    down = [h for h in d.health if h["body"].get("checks", {}).get("broker_nodes", {}).get(node, "").startswith(
        "down")]
    assert {h["agency"] for h in down} == set(AGENCIES), d.health[:4]
    assert all(h["status"] == 200 for h in down), down[:2]
    # …and so did the gauge the FundlinkComponentDown alert reads (deploy/prometheus/alerts.yml).
    gauge = f'component="broker node {node}"'
    assert all(any(gauge in g and g.endswith(" 0.0") for g in h["gauges"]) for h in down), down[0]["gauges"]
    assert seen["healed"]


def test_the_node_loss_drill_catches_duplicates_when_the_inbox_is_switched_off(drill):
    """The same loss with both inboxes off: the redelivered and republished in-flight work must
    show up as duplicated effects, or the drill above proves nothing."""
    d = drill("no_dedup_node_loss", env_extra={a: {"FUNDLINK_INBOX_DEDUP": "off"} for a in AGENCIES})
    lose_a_node(d, NO_DEDUP_HANDOFFS)
    assert d.figures.duplicated > 0, d.figures.row()
    assert d.figures.lost == 0, d.figures.row()
