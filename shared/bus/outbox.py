"""Transactional outbox and its relay.

A state change and the events it causes are written in one transaction; the relay
publishes pending rows in windows with publisher confirms and ``mandatory``, and marks
rows sent only once the broker has confirmed them. An unroutable event (returned by
the broker) stays pending with its reason and is counted, never silently confirmed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import amqp
from kombu import Connection
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from shared.bus.envelope import CONTENT_TYPE, Envelope
from shared.bus.topology import EVENTS_EXCHANGE, broker_uris, dead_letter_exchange, events_exchange

OUTBOX_TABLE = "fundlink_outbox"
log = logging.getLogger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    if OUTBOX_TABLE in metadata.tables:
        return metadata.tables[OUTBOX_TABLE]
    return Table(
        OUTBOX_TABLE,
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("routing_key", String(255), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("headers", Text, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True), nullable=True, index=True),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
    )


def add(session: Session, table: Table, envelope: Envelope) -> None:
    """Stage a signed envelope in the caller's transaction."""
    now = datetime.now(UTC)
    session.execute(
        insert(table).values(
            event_id=envelope.id, event_type=envelope.type, routing_key=envelope.routing_key,
            subject=envelope.subject, headers=json.dumps(envelope.amqp_headers(), sort_keys=True),
            body=envelope.body, created_at=now, next_attempt_at=now, attempts=0,
        )
    )


def backlog(session: Session, table: Table) -> tuple[int, float]:
    """Pending rows and the age in seconds of the oldest one."""
    count, oldest = session.execute(
        select(func.count(), func.min(table.c.created_at)).where(table.c.sent_at.is_(None))
    ).one()
    if not oldest:
        return int(count), 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), max(0.0, (datetime.now(UTC) - oldest).total_seconds())


@dataclass(frozen=True)
class OutMessage:
    key: object          # caller's handle (outbox row id)
    message_id: str
    exchange: str
    routing_key: str
    headers: dict
    body: bytes
    content_type: str = CONTENT_TYPE


@dataclass
class WindowResult:
    sent: list[int] = field(default_factory=list)
    unroutable: dict[int, str] = field(default_factory=dict)
    nacked: list[int] = field(default_factory=list)
    confirm_seconds: float = 0.0
    claimed: int = 0  # rows the relay took for this window (sent, nacked or unroutable)


class ConfirmingPublisher:
    """Publishes a window of messages, then waits for all their confirms at once.

    nameko's dispatcher waits for each confirm in turn; one wait per window is what
    lets the relay keep up with the broker.
    """

    def __init__(self, amqp_uri: str, confirm_timeout: float = 30.0, io_timeout: float = 10.0,
                 heartbeat: int = 30):
        """``amqp_uri`` may name several nodes of one cluster, ``amqp://h1//;amqp://h2//``."""
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self.io_timeout = io_timeout
        self.heartbeat_seconds = heartbeat
        self._conn: Connection | None = None
        self._channel = None
        self._acked: dict[int, bool] = {}
        self._returned: dict[str, str] = {}

    def _ensure(self):
        if self._channel is not None:
            return self._channel
        conn = Connection(self.amqp_uri, heartbeat=self.heartbeat_seconds, connect_timeout=5)
        # ``a;b;c`` lists the nodes of a cluster: kombu moves to the next one on each failed
        # attempt, so one round over every node (plus one retry) finds a live one.
        conn.ensure_connection(max_retries=len(broker_uris(self.amqp_uri)))
        try:
            # py-amqp leaves the socket blocking for ever after the handshake. A cluster node that
            # stops reading (seen for minutes on 3.10 while a quorum queue changed leader) would
            # then hold the relay in send(); with a timeout the window fails, the connection is
            # dropped and the rows are published again through a fresh one.
            conn.connection.transport.sock.settimeout(self.io_timeout)
            channel = conn.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            events_exchange(channel).declare()
            dead_letter_exchange(channel).declare()
        except Exception:
            conn.release()
            raise
        self._conn, self._channel = conn, channel
        self._next_tag = 1
        return channel

    def _settle(self, tag: int, multiple: bool, ok: bool) -> None:
        tags = [t for t in self._acked if t <= tag and self._acked[t] is None] if multiple else [tag]
        for t in tags:
            self._acked[t] = ok

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, True)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, False)

    def _on_return(self, exc, exchange, routing_key, message):
        mid = message.properties.get("message_id") if hasattr(message, "properties") else None
        self._returned[str(mid)] = f"unroutable: no queue is bound for {routing_key!r} on {exchange!r} ({exc})"

    def heartbeat(self) -> bool:
        """Keep an idle connection alive; call it more often than every ``heartbeat / 2`` seconds.

        kombu negotiates heartbeats but sends them only when asked, and a publisher reads from its
        socket only while it waits for confirms: an idle relay would be closed by the broker for
        missed heartbeats (or not notice a dead node) and pay a reconnect on its next window.
        False, and the connection dropped, when the broker has gone: the next publish reconnects.
        """
        if self._conn is None:
            return True
        try:
            try:
                self._conn.drain_events(timeout=0.01)  # read the broker's heartbeats, and any late frames
            except (TimeoutError, OSError) as exc:
                if not isinstance(exc, TimeoutError) and "timed out" not in str(exc):
                    raise
            self._conn.heartbeat_check()
            return True
        except Exception as exc:  # noqa: BLE001 - a dead connection is replaced on the next publish
            log.warning("publisher connection lost while idle (%s: %s); reconnecting on the next publish",
                        type(exc).__name__, exc)
            self.close()
            return False

    def close(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:  # noqa: BLE001 - closing a broken connection
                log.debug("closing broken publisher connection", exc_info=True)

    def publish_window(self, rows: list, exchange: str = EVENTS_EXCHANGE) -> WindowResult:
        """Publish outbox rows (id, event_id, routing_key, headers json, body)."""
        messages = [
            OutMessage(row.id, row.event_id, exchange, row.routing_key, json.loads(row.headers), bytes(row.body))
            for row in rows
        ]
        return self.publish(messages)

    def publish(self, messages: list[OutMessage]) -> WindowResult:
        """Publish with ``mandatory`` and wait for every confirm. Raises on connection loss."""
        channel = self._ensure()
        self._acked.clear()
        self._returned.clear()
        tag_to_msg: dict[int, OutMessage] = {}
        started = time.monotonic()
        try:
            for m in messages:
                msg = amqp.Message(
                    body=m.body, content_type=m.content_type, delivery_mode=2,
                    message_id=m.message_id, application_headers=m.headers,
                )
                channel.basic_publish(msg, exchange=m.exchange, routing_key=m.routing_key, mandatory=True)
                tag_to_msg[self._next_tag] = m
                self._acked[self._next_tag] = None
                self._next_tag += 1
            deadline = time.monotonic() + self.confirm_timeout
            while any(v is None for v in self._acked.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no confirm within {self.confirm_timeout}s")
                try:
                    self._conn.drain_events(timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
        except Exception:
            self.close()
            raise
        result = WindowResult(confirm_seconds=time.monotonic() - started)
        for tag, m in tag_to_msg.items():
            if m.message_id in self._returned:
                result.unroutable[m.key] = self._returned[m.message_id]
            elif self._acked.get(tag):
                result.sent.append(m.key)
            else:
                result.nacked.append(m.key)
        if result.nacked:
            # A nack may come from this channel, not the queue: on RabbitMQ 3.10 a channel that first
            # publishes to a quorum queue while the queue's record still names a leader on a node just
            # lost asks that node for ever and nacks every publish to the queue, though the queue has
            # elected a new leader (tests/cluster/test_publisher_failover.py). A fresh channel reads
            # the current leader, so the next window goes through a new connection.
            log.warning("broker nacked %d of %d messages; the next window goes through a new channel",
                        len(result.nacked), len(tag_to_msg))
            self.close()
        return result


def _retry_delay(attempts: int, nacked: bool = False) -> timedelta:
    # A nack is the broker's "not now" (a queue electing a leader): retry within half a minute.
    # Unroutable is a missing binding, which waits for an operator: back off to five minutes.
    return timedelta(seconds=min(30 if nacked else 300, 2 ** min(attempts, 8)))


class Relay:
    """Moves pending outbox rows of one agency to the broker."""

    def __init__(self, database, table: Table, publisher: ConfirmingPublisher, *, window: int = 500,
                 observe: Callable[[WindowResult, list], None] | None = None):
        self.database = database
        self.table = table
        self.publisher = publisher
        self.window = window
        self.observe = observe

    def _claim(self, session: Session, now: datetime) -> list:
        t = self.table
        query = (
            select(t.c.id, t.c.event_id, t.c.event_type, t.c.routing_key, t.c.headers, t.c.body, t.c.attempts)
            .where(t.c.sent_at.is_(None), t.c.next_attempt_at <= now)
            .order_by(t.c.id)
            .limit(self.window)
        )
        if not self.database.is_sqlite:
            # Several relay replicas may run; each takes rows nobody else holds.
            query = query.with_for_update(skip_locked=True)
        return list(session.execute(query))

    def run_once(self) -> WindowResult:
        now = datetime.now(UTC)
        if self.database.is_sqlite:
            # One relay per SQLite file: no row locks needed, and the agency's only
            # write lock must not be held across the network round trip.
            with self.database.transaction() as session:
                rows = self._claim(session, now)
            if not rows:
                return WindowResult()
            result = self.publisher.publish_window(rows)
            with self.database.transaction() as session:
                self._record(session, rows, result)
        else:
            with self.database.transaction() as session:
                rows = self._claim(session, now)
                if not rows:
                    return WindowResult()
                result = self.publisher.publish_window(rows)
                self._record(session, rows, result)
        result.claimed = len(rows)
        if self.observe:
            self.observe(result, rows)
        return result

    def _record(self, session: Session, rows: list, result: WindowResult) -> None:
        t = self.table
        now = datetime.now(UTC)
        if result.sent:
            session.execute(update(t).where(t.c.id.in_(result.sent)).values(sent_at=now, last_error=None))
        attempts = {r.id: r.attempts for r in rows}
        failed = {**result.unroutable, **{rid: "nacked by the broker" for rid in result.nacked}}
        for row_id, reason in failed.items():
            n = attempts[row_id] + 1
            session.execute(
                update(t).where(t.c.id == row_id).values(
                    attempts=n, last_error=reason,
                    next_attempt_at=now + _retry_delay(n, nacked=row_id not in result.unroutable),
                )
            )

    def drain(self, max_windows: int = 1000) -> int:
        """Publish until nothing is due; returns how many rows were confirmed."""
        total = 0
        for _ in range(max_windows):
            result = self.run_once()
            total += len(result.sent)
            if not (result.sent or result.unroutable or result.nacked):
                break
        return total
