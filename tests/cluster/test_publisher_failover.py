"""A publisher whose channel met a quorum queue mid-election gets through once the queue has a leader.

Seen in CI (the node-loss drill with the inbox off): tax's outbox relay reconnected to c2 right
after c1 was killed, and every later window to two queues was nacked for ten minutes, though
both queues had long elected a leader on c2 and their consumers were served. RabbitMQ 3.10's
channel initialises its client of a quorum queue on the first publish from the queue's record;
while that record still names the lost node as leader, the channel asks that node, is told
"nodedown", nacks, and asks the same node again on every later publish.

Here the window is held open on purpose: the queues' members on c2 and c3 are suspended
(``sys:suspend``) before c1 is killed, so no leader can be elected while the relay's publisher
makes its first publish through c2. Then they resume, elect, and the same publisher must get
every message confirmed: it drops a channel that was nacked (shared/bus/outbox.py).
"""

from __future__ import annotations

import uuid

import pytest
from cluster.local_cluster import ctl, wait_until
from kombu import Connection

from shared.bus.outbox import ConfirmingPublisher, OutMessage
from shared.bus.topology import EVENTS_EXCHANGE, dead_letter_exchange, events_exchange, queue_name, service_queue

pytestmark = [pytest.mark.cluster, pytest.mark.integration]
VHOST = "fundlink_publisher_failover"
KEYS = [f"q{i}" for i in range(4)]  # routing keys of the probe agency's queues
QUEUES = [queue_name("probe", key) for key in KEYS]


def _ra_servers(node: str, action: str) -> str:
    """``sys:suspend`` or ``sys:resume`` the probe queues' Raft members on ``node``."""
    names = ", ".join(f'<<"{q}">>' for q in QUEUES)
    return ctl(node, "eval", (
        f"[begin {{ok, Q}} = rabbit_amqqueue:lookup(rabbit_misc:r(<<\"{VHOST}\">>, queue, N)), "
        f"{{Name, _}} = amqqueue:get_pid(Q), sys:{action}(whereis(Name)) end || N <- [{names}]]."))


def _window(publisher: ConfirmingPublisher):
    messages = [OutMessage(i, str(uuid.uuid4()), EVENTS_EXCHANGE, f"{KEYS[i % len(KEYS)]}.x", {}, b"{}")
                for i in range(2 * len(QUEUES))]
    return publisher.publish(messages)


def test_a_channel_nacked_while_no_leader_was_known_is_replaced(cluster):
    cluster.add_vhost(VHOST)
    c1, c2 = (f"amqp://guest:guest@127.0.0.1:{cluster.port(n)}/{VHOST}" for n in ("c1", "c2"))
    with Connection(c1) as conn:  # declared through c1, so c1 leads every probe queue
        channel = conn.channel()
        events_exchange(channel).declare()
        dead_letter_exchange(channel).declare()
        for key in KEYS:
            service_queue("probe", key)(channel).declare()
    led = {q["name"]: q["leader"] for q in cluster.queues(VHOST, via="c2")}
    assert all(led[q] == "c1" for q in QUEUES), led
    publisher = ConfirmingPublisher(c2, confirm_timeout=60)
    suspended = []
    try:
        for node in ("c2", "c3"):
            _ra_servers(node, "suspend")
            suspended.append(node)
        cluster.kill("c1")
        first = _window(publisher)
        # No leader could be elected: the broker refused what it could not store, nothing was lost.
        assert len(first.nacked) == 2 * len(QUEUES) and not first.sent, first
        for node in suspended:
            _ra_servers(node, "resume")
        suspended.clear()
        wait_until(lambda: all(q["leader"] in {"c2", "c3"} for q in cluster.queues(VHOST, via="c2")
                               if q["name"] in QUEUES), 120, "the probe queues to elect a leader")
        # The same publisher: its nacked channel is gone, and the next window is confirmed whole.
        windows = []

        def confirmed() -> bool:
            windows.append(_window(publisher))
            return len(windows[-1].sent) == 2 * len(QUEUES)

        wait_until(confirmed, 60, "a window confirmed whole after the election", interval=1.0)
        assert not windows[-1].nacked, windows[-1]
        with Connection(c2) as conn:  # the queue's own count (list_queues' figures lag by seconds)
            channel = conn.channel()
            depth = {q: channel.queue_declare(q, passive=True).message_count for q in QUEUES}
        assert all(depth[q] >= 2 for q in QUEUES), depth
    finally:
        for node in suspended:
            _ra_servers(node, "resume")
        publisher.close()
        cluster.start_node("c1")
        ctl("c2", "delete_vhost", VHOST)
