"""Connections that go quiet (issue 10): an idle publisher keeps its connection by heartbeats, and
the push client gives up a node that stops confirming instead of waiting for ever."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import pytest
from kombu import Connection, Queue

from shared.bus.outbox import ConfirmingPublisher, OutMessage
from shared.bus.topology import events_exchange
from shared.push.client import PushError, WindowedPublisher


@pytest.fixture
def bound_queue(amqp_uri):
    """A throw-away queue bound to the events exchange under a routing key of its own."""
    key = f"test.links.{uuid.uuid4().hex[:8]}"
    queue = Queue(f"fundlink.test.{key}", exchange=events_exchange, routing_key=key, auto_delete=False)
    with Connection(amqp_uri) as conn:
        queue(conn.channel()).declare()
    yield key
    with Connection(amqp_uri) as conn:
        queue(conn.channel()).delete()


def _message(key, routing_key):
    return OutMessage(key, str(uuid.uuid4()), "fundlink.events", routing_key, {}, b"{}")


def test_idle_publisher_keeps_its_connection_only_with_heartbeats(amqp_uri, bound_queue):
    kept = ConfirmingPublisher(amqp_uri, heartbeat=2)
    left = ConfirmingPublisher(amqp_uri, heartbeat=2)
    try:
        for publisher in (kept, left):
            assert publisher.publish([_message(1, bound_queue)]).sent == [1]
        connection = kept._conn
        answers = []
        started = time.monotonic()
        while time.monotonic() - started < 8:  # four heartbeat intervals, idle
            answers.append(kept.heartbeat())
            time.sleep(0.5)
        assert all(answers), answers
        assert kept.publish([_message(2, bound_queue)]).sent == [2]
        assert kept._conn is connection, "the heartbeating publisher had to reconnect"
        # The same idle time without heartbeats: the broker closes the connection.
        assert left.heartbeat() is False
        assert left._conn is None
        assert left.publish([_message(3, bound_queue)]).sent == [3], "the next publish reconnects"
    finally:
        kept.close()
        left.close()


class QuietProxy:
    """A TCP proxy to the broker that can stop passing the broker's frames on: a node that keeps the
    connection open but never confirms again."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.quiet = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            broker = socket.create_connection(self.target)
            self.sockets += [client, broker]
            threading.Thread(target=self._pipe, args=(client, broker, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(broker, client, True), daemon=True).start()

    def _pipe(self, src, dst, from_broker):
        try:
            while data := src.recv(65536):
                if not (from_broker and self.quiet.is_set()):
                    dst.sendall(data)
        except OSError:
            pass

    def close(self):
        self.listener.close()
        for s in self.sockets:
            s.close()


def test_push_gives_up_a_node_that_stops_confirming(amqp_uri, bound_queue):
    conn = Connection(amqp_uri)
    proxy = QuietProxy(conn.hostname or "127.0.0.1", conn.port or 5672)
    vhost = conn.virtual_host or "/"
    conn.release()
    uri = f"amqp://guest:guest@127.0.0.1:{proxy.port}/{'' if vhost == '/' else vhost}"
    uri = uri if vhost != "/" else uri + "/"
    confirmed = []

    def on_confirmed(key):
        confirmed.append(key)
        proxy.quiet.set()  # after the first confirm the node goes quiet

    messages = ((n, bound_queue, {}, b"{}", str(uuid.uuid4())) for n in range(20))
    try:
        with pytest.raises(PushError) as raised:
            WindowedPublisher(uri, window=1, confirm_timeout=2).run(messages, on_confirmed)
    finally:
        proxy.close()
    assert raised.value.retryable, "a quiet node is retried elsewhere, not a bad feed"
    assert "no confirm from 127.0.0.1" in str(raised.value)
    assert confirmed == [0], "what was confirmed before the node went quiet is reported"
