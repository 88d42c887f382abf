"""The one place nameko meets the bus: entrypoints and dependency providers.

Everything durable (envelope, signing, outbox, inbox, dead letters, contracts) is plain
Python elsewhere; this module wires it into nameko 2.14. Two defaults of nameko are
fixed here at the root:

* nameko acks a delivery whose handler raised, and its QueueConsumer has no decode
  error hook, so a bad message is dropped or kills the consumer. ``BusHandler``
  retries up to the queue's delivery limit, then dead-letters with the reason; the
  decode hook dead-letters undecodable or wrongly typed bodies.
* nameko answers HTTP and acks messages *before* dependency providers commit. Here the
  unit of work commits first, so a 202 or an ack always means "stored".

Every HTTP route but /health and /metrics needs a token (``shared.auth``), checked here before a
worker starts; every event sent or received and every state-changing request is appended to the
service's hand-off record (``shared.audit``) in the same transaction as the change.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import eventlet
import structlog
from amqp.exceptions import RecoverableConnectionError
from eventlet.event import Event
from kombu import Connection
from marshmallow import Schema, ValidationError
from nameko.extensions import DependencyProvider, Entrypoint, SharedExtension
from nameko.messaging import QueueConsumer
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from shared import audit
from shared.auth import OPEN_ROUTES, acting_role, authorise, bearer_token, load_issuer_public_key, verify_token
from shared.bus import inbox, outbox
from shared.bus.catalogue import catalogue as load_catalogue
from shared.bus.consumer import DeliveryCheck, Rejected
from shared.bus.dead_letters import dead_letter_message
from shared.bus.envelope import CONTENT_TYPE, new_envelope
from shared.bus.signing import KeyRegistry, load_signer
from shared.bus.topology import (
    broker_nodes,
    broker_uris,
    dead_letter_exchange,
    dead_letter_queue,
    region_group_queue_name,
    region_group_queues,
    service_queue,
)
from shared.config import Settings
from shared.db import Database
from shared.http import Forbidden, Unauthorized, error_response
from shared.metrics import CONTENT_TYPE_LATEST, ServiceMetrics

log = logging.getLogger(__name__)


class Runtime(SharedExtension):
    """Per-container state: settings, database, keys, catalogue, metrics and the relay."""

    def setup(self):
        self.ensure_setup()

    def ensure_setup(self):
        """Idempotent: entrypoints may be set up before this shared extension."""
        if getattr(self, "_ready", False):
            return
        self._ready = True
        cls = self.container.service_cls
        self.settings: Settings = self.container.config["FUNDLINK"]
        self.agency = self.settings.agency
        if getattr(cls, "agency", None) != self.agency:
            raise RuntimeError(f"service {cls.__name__} is for {cls.agency!r}, settings are for {self.agency!r}")
        self.database = Database(self.settings.database_url)
        metadata = cls.metadata
        self.outbox = outbox.outbox_table(metadata)
        self.inbox = inbox.inbox_table(metadata)
        self.record = audit.AuditTables.on(metadata)
        self._token_key = None
        self.catalogue = load_catalogue()
        self.signer = load_signer(self.agency, self.settings.keys_dir)
        self.keys = KeyRegistry.from_directory(self.settings.public_keys_dir)
        self.metrics = ServiceMetrics(self.agency)
        # Zero series for every hand-off of this agency: "none yet" must read 0, not absent.
        for spec in self.catalogue.produced_by(self.agency):
            self.metrics.published.labels(self.agency, spec.type)
            self.metrics.unroutable.labels(self.agency, spec.type)
            self.metrics.nacked.labels(self.agency, spec.type)
        for spec in self.catalogue.consumed_by(self.agency):
            self.metrics.consumed.labels(self.agency, spec.type, "processed")
        self.check = DeliveryCheck(
            self.agency, self.catalogue, self.keys, max_body_bytes=self.settings.max_body_bytes,
            max_age=timedelta(days=self.settings.max_event_age_days),
            max_skew=timedelta(seconds=self.settings.max_clock_skew_seconds),
        )
        self.dlq_publisher = outbox.ConfirmingPublisher(self.settings.amqp_uri)
        # Consumers refuse messages concurrently; the publisher's confirm bookkeeping is not shared-safe.
        self._dlq_lock = threading.Lock()
        self.relay = outbox.Relay(
            self.database, self.outbox, outbox.ConfirmingPublisher(self.settings.amqp_uri),
            window=self.settings.relay_window, observe=self._observe_window,
        )
        self.units: dict[object, UnitOfWork] = {}
        self._wake = Event()
        self._running = False

    def start(self):
        self._running = True
        try:
            self.declare_dead_letter_queue()
        except Exception as exc:  # noqa: BLE001 - broker down at start: consumers declare it once it is back
            log.warning("could not declare %s's dead-letter queue yet: %s", self.agency, exc)
        self.container.spawn_managed_thread(self._relay_loop, identifier="fundlink.relay")

    def stop(self):
        self._running = False
        self.wake()
        self.relay.publisher.close()
        self.dlq_publisher.close()
        self.database.dispose()

    def kill(self):
        self.stop()

    # -- relay -------------------------------------------------------------------------
    def wake(self):
        if not self._wake.ready():
            self._wake.send(True)

    def _heartbeats(self) -> None:
        """Both publishers' connections stay open while idle (see ConfirmingPublisher.heartbeat)."""
        if time.monotonic() - self._last_heartbeat < 1.0:
            return
        self._last_heartbeat = time.monotonic()
        self.relay.publisher.heartbeat()
        with self._dlq_lock:
            self.dlq_publisher.heartbeat()

    def _relay_loop(self):
        backoff = 0.5
        self._last_heartbeat = 0.0
        while self._running:
            self._heartbeats()
            # Reset before claiming: a commit that lands while this window is out wakes the next one.
            self._wake = Event()
            try:
                result = self.relay.run_once()
                backoff = 0.5
                if result.claimed >= self.relay.window:
                    continue  # a full window: more may be waiting
            except Exception as exc:  # noqa: BLE001 - broker or DB down: rows wait, then go
                self.metrics.relay_errors.labels(self.agency).inc()
                log.warning("outbox relay of %s failed (%s: %s); retrying in %.1fs",
                            self.agency, type(exc).__name__, exc, backoff)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 15)
                continue
            with eventlet.Timeout(self.settings.relay_poll_seconds, False):
                self._wake.wait()

    def _observe_window(self, result: outbox.WindowResult, rows) -> None:
        types = {r.id: r.event_type for r in rows}
        for row_id in result.sent:
            self.metrics.published_ok(types[row_id])
        for row_id in result.nacked:
            self.metrics.nacked_event(types[row_id])
        for row_id, reason in result.unroutable.items():
            self.metrics.unroutable_event(types[row_id])
            log.error("outbox row %s of %s stays pending: %s", row_id, self.agency, reason)
        if result.sent:
            self.metrics.confirm_latency.labels(self.agency).observe(result.confirm_seconds)

    # -- dead letters ------------------------------------------------------------------
    def dead_letter(self, message, *, queue: str, kind: str, reason: str, attempts: int) -> None:
        """Copy to the DLQ with the reason (confirmed), then the caller acks. Raises if not confirmed."""
        headers = dict(message.headers or {})
        out = dead_letter_message(
            self.agency, queue=queue, routing_key=message.delivery_info.get("routing_key", ""),
            headers=headers, body=message.body, content_type=message.content_type,
            kind=kind, reason=reason, attempts=attempts, message_id=message.properties.get("message_id"),
        )
        with self._dlq_lock:
            result = self.dlq_publisher.publish([out])
        if not result.sent:
            raise RuntimeError(f"dead-letter publish not confirmed: {result}")
        self.append_record(audit.dead_letter_entry(self.agency, headers, kind, reason))
        self.metrics.dead_letter(str(headers.get("ce-type", "")), kind)
        log.error("dead-lettered %s from %s: %s: %s", headers.get("ce-id"), queue, kind, reason,
                  extra={"ce_id": str(headers.get("ce-id", "")), "event_type": str(headers.get("ce-type", "")),
                         "subject": str(headers.get("ce-subject", "")), "reason_kind": kind})

    def dead_letter_depth(self) -> int:
        """Messages in the agency's dead-letter queue (declaring it if it is missing)."""
        with Connection(self.settings.amqp_uri, connect_timeout=3) as conn:
            channel = conn.channel()
            dead_letter_exchange(channel).declare()
            _, depth, _ = dead_letter_queue(self.agency)(channel).queue_declare()
            channel.close()
        return int(depth)

    def consumers_state(self) -> dict | None:
        """Whether this container's ``@handles`` consumers are bound (None when it has none)."""
        handlers = [e for e in self.container.entrypoints if isinstance(e, BusHandler)]
        if not handlers:
            return None
        queues = sum(len(getattr(h, "queues", [h.queue])) for h in handlers)
        # nameko sets this event once every consumer has been declared and is consuming.
        return {"ready": handlers[0].queue_consumer._consumers_ready.ready(), "queues": queues}

    def declare_dead_letter_queue(self) -> None:
        with Connection(self.settings.amqp_uri, connect_timeout=5) as conn:
            channel = conn.channel()
            dead_letter_exchange(channel).declare()
            dead_letter_queue(self.agency)(channel).declare()
            channel.close()

    # -- who may call, and the record ----------------------------------------------------
    def authenticate(self, authorization: str | None) -> dict:
        """The caller's verified token claims, or Unauthorized with the reason."""
        if self._token_key is None:  # read on first use, so an operator can install it without a restart
            self._token_key = load_issuer_public_key(self.settings.public_keys_dir)
        return verify_token(bearer_token(authorization), self._token_key)

    def append_record(self, *entries: dict) -> None:
        """Append to the record in a transaction of its own: for what happened outside a unit of work
        (refusals, dead letters, failed requests). A record that cannot be written is logged, loudly."""
        try:
            with self.database.transaction() as session:
                audit.append(session, self.record, *entries)
        except Exception:  # noqa: BLE001 - the refusal itself must still be answered
            log.exception("could not append %s entr(ies) to %s's hand-off record", len(entries), self.agency)

    # -- units of work -----------------------------------------------------------------
    def unit_for(self, worker_ctx) -> UnitOfWork:
        unit = self.units.get(worker_ctx)
        if unit is None:
            unit = self.units[worker_ctx] = UnitOfWork(self)
        return unit

    def settle(self, worker_ctx, exc_info):
        """Commit (or roll back) the worker's unit of work; return the exc_info to report."""
        unit = self.units.get(worker_ctx)
        if unit is None:
            return exc_info
        if exc_info is not None:
            unit.rollback()
            return exc_info
        try:
            unit.commit()
        except Exception as exc:  # noqa: BLE001 - reported to the entrypoint as a failure
            unit.rollback()
            return (type(exc), exc, exc.__traceback__)
        return None

    def release(self, worker_ctx) -> None:
        unit = self.units.pop(worker_ctx, None)
        if unit is not None:
            unit.close()


class UnitOfWork:
    """A worker's transaction: its state changes and its outgoing events commit together."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._session = None
        self._lock = None
        self.published = 0
        self.entries: list[dict] = []

    @property
    def session(self):
        if self._session is None:
            lock = self.runtime.database.write_lock()
            lock.__enter__()
            self._lock = lock
            self._session = self.runtime.database.sessions()
        return self._session

    @property
    def agency(self) -> str:
        return self.runtime.agency

    def publish(self, schema: type[Schema] | Schema, payload: dict, *, subject: str, correlation_id: str,
                region: str) -> str:
        """Validate against the producer's schema and stage the signed event in this transaction."""
        schema_obj = schema() if isinstance(schema, type) else schema
        event_type = type(schema_obj).event_type
        spec = self.runtime.catalogue.event(event_type)
        if spec.producer != self.agency:
            raise RuntimeError(f"{self.agency} may not publish {event_type}; its producer is {spec.producer}")
        data = schema_obj.dump(schema_obj.load(payload))
        env = new_envelope(agency=self.agency, event_type=spec.type, data=data, subject=subject,
                           correlation_id=correlation_id, region=region)
        signed = self.runtime.signer.sign_envelope(env)
        outbox.add(self.session, self.runtime.outbox, signed)
        self.note(audit.event_entry(audit.SENT, self.agency, signed, "staged in the outbox"))
        self.published += 1
        return env.id

    def note(self, entry: dict) -> None:
        """An entry for the hand-off record, appended when this unit commits."""
        self.entries.append(entry)

    def commit(self):
        if self.entries:
            # Last, so the chain's head stays locked only for the commit itself.
            audit.append(self.session, self.runtime.record, *self.entries)
            self.entries = []
        if self._session is not None:
            self._session.commit()
            if self.published:
                self.runtime.wake()
                self.published = 0

    def rollback(self):
        self.entries = []
        if self._session is not None:
            self._session.rollback()
            self.published = 0

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None


class Storage(DependencyProvider):
    """Injects the worker's UnitOfWork. Timers and RPC commit here; bus and HTTP
    entrypoints commit earlier, before they ack or answer."""

    runtime = Runtime()

    def get_dependency(self, worker_ctx):
        return self.runtime.unit_for(worker_ctx)

    def worker_setup(self, worker_ctx):
        # Every log line of a handler carries the hand-off it is handling.
        structlog.contextvars.clear_contextvars()
        if isinstance(worker_ctx.entrypoint, BusHandler) and worker_ctx.args:
            env = worker_ctx.args[0]
            structlog.contextvars.bind_contextvars(
                ce_id=env.id, event_type=env.type, subject=env.subject, correlation_id=env.correlationid)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        exc = self.runtime.settle(worker_ctx, exc_info)
        if exc is not None and exc_info is None:
            log.error("commit failed for %s: %s", worker_ctx, exc[1])

    def worker_teardown(self, worker_ctx):
        self.runtime.release(worker_ctx)
        structlog.contextvars.clear_contextvars()


class StalledSubscription(RecoverableConnectionError):
    """Raised in the consumer loop so kombu drops the connection and subscribes every queue again."""


class SafeQueueConsumer(QueueConsumer):
    """nameko's QueueConsumer with kombu's decode-error hook wired to the dead-letter queue, and a
    watch for subscriptions the broker has stopped serving.

    After a cluster node is lost, a quorum queue can keep a consumer that it no longer delivers to
    while the connection itself stays healthy (heartbeats flow, nothing is logged): its messages
    would wait for ever. Every few seconds the watch asks the broker how many messages are ready
    for each handler that has had no delivery for ``consumer_stall_seconds`` while it had room for
    more; if any are, it reconnects and subscribes again. Deliveries in flight on the old
    connection are redelivered and the inbox drops them.
    """

    def __init__(self):
        super().__init__()
        self._in_flight: dict[object, int] = {}
        self._last_delivery: dict[object, float] = {}
        self._subscribed_at = time.monotonic()
        self._resubscribe: str | None = None
        self._renewing = False  # from the raise until the new subscriptions are ready
        self._watch = None

    @property
    def accept(self):
        return [CONTENT_TYPE]

    def start(self):
        super().start()
        if self._watch is None and self._providers:
            self._watch = self.container.spawn_managed_thread(self._watch_stalls,
                                                              identifier="fundlink.consumer_watch")

    def stop(self):
        self._stop_watch()
        super().stop()

    def kill(self):
        self._stop_watch()
        super().kill()

    def _stop_watch(self):
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.kill()

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self._subscribed_at = time.monotonic()
        self._renewing = False
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def on_iteration(self):
        if self._resubscribe:
            reason, self._resubscribe = self._resubscribe, None
            self._renewing = True
            raise StalledSubscription(reason)
        super().on_iteration()

    def handle_message(self, provider, body, message):
        message.__dict__["_fundlink_provider"] = provider
        self._in_flight[provider] = self._in_flight.get(provider, 0) + 1
        self._last_delivery[provider] = time.monotonic()
        super().handle_message(provider, body, message)

    def _settled(self, message) -> None:
        provider = message.__dict__.pop("_fundlink_provider", None)
        if provider is not None:
            self._in_flight[provider] = max(0, self._in_flight.get(provider, 0) - 1)

    def ack_message(self, message):
        self._settled(message)
        # nameko catches only amqp's ConnectionError; a broker node killed outright resets the
        # socket (OSError) and the worker's error would kill the container. The broker has already
        # taken the delivery back: it comes again through another node and the inbox drops it.
        try:
            super().ack_message(message)
        except OSError as exc:
            log.warning("ack lost with the connection (%s); the broker redelivers the message", exc)

    def requeue_message(self, message):
        self._settled(message)
        try:
            super().requeue_message(message)
        except OSError as exc:
            log.warning("requeue lost with the connection (%s); the broker redelivers the message", exc)

    # -- the watch ---------------------------------------------------------------------
    def _watch_stalls(self) -> None:
        runtime = next(iter(self._providers)).runtime
        quiet_for = runtime.settings.consumer_stall_seconds
        while True:
            eventlet.sleep(max(quiet_for / 4, 0.2))
            if not self._consumers_ready.ready() or self._resubscribe or self._renewing:
                continue
            try:
                stalled = self._stalled(quiet_for)
            except Exception as exc:  # noqa: BLE001 - broker unreachable: the consumer reconnects by itself
                log.debug("consumer watch could not ask the broker: %s", exc)
                continue
            if stalled:
                queue, ready, quiet = stalled
                runtime.metrics.resubscribed.labels(runtime.agency, queue).inc()
                log.warning("%s: %s ready messages in %s and no delivery for %.0fs; subscribing again",
                            runtime.agency, ready, queue, quiet)
                self._resubscribe = f"{queue}: {ready} ready, no delivery for {quiet:.0f}s"

    def _stalled(self, quiet_for: float) -> tuple[str, int, float] | None:
        """The first queue with ready messages whose handler has been quiet with room for more."""
        now = time.monotonic()
        quiet = [(p, now - max(self._last_delivery.get(p, 0.0), self._subscribed_at)) for p in list(self._providers)]
        quiet = [(p, q) for p, q in quiet if q >= quiet_for and self._in_flight.get(p, 0) < self.prefetch_count]
        if not quiet:
            return None
        with Connection(self.amqp_uri, connect_timeout=3) as conn:
            # ``a;b;c``: one round over the nodes, so a lost first node does not blind the watch.
            conn.ensure_connection(max_retries=len(broker_uris(self.amqp_uri)))
            channel = conn.channel()
            try:
                for provider, seconds in quiet:
                    for queue in getattr(provider, "queues", [provider.queue]):
                        _, ready, _ = channel.queue_declare(queue=queue.name, passive=True)
                        if ready:
                            return queue.name, int(ready), seconds
            finally:
                channel.close()
        return None

    def get_consumers(self, consumer_cls, channel):
        # nameko's own, except that a provider may read several queues (its region groups) and
        # undecodable bodies go to the provider's dead-letter path.
        for provider in self._providers:
            consumer = consumer_cls(queues=list(getattr(provider, "queues", [provider.queue])),
                                    callbacks=[partial(self.handle_message, provider)], accept=self.accept)
            consumer.qos(prefetch_count=self.prefetch_count)
            consumer.on_decode_error = partial(provider.handle_undecodable, self)
            self._consumers[provider] = consumer
        return self._consumers.values()


class BusHandler(Entrypoint):
    """``@handles(event_type)``: verified, contract-checked, deduplicated delivery."""

    queue_consumer = SafeQueueConsumer()
    runtime = Runtime()

    def __init__(self, event_type: str, **kwargs):
        self.event_type = event_type
        super().__init__(**kwargs)

    def setup(self):
        self.runtime.ensure_setup()
        spec = self.runtime.catalogue.event(self.event_type)
        if self.runtime.agency not in spec.consumers:
            raise RuntimeError(f"{self.runtime.agency} is not a consumer of {spec.type} in the catalogue")
        twins = [e.method_name for e in self.container.entrypoints
                 if isinstance(e, BusHandler) and e is not self and e.event_type == self.event_type]
        if twins:
            # Both would read one queue and each would get a share of the deliveries: neither sees them all.
            raise RuntimeError(f"{self.container.service_name}: {self.method_name} and {', '.join(twins)} both "
                               f"handle {self.event_type}; one handler per event type and service")
        self.spec = spec
        self.limit = self.runtime.settings.delivery_limit
        agency, settings = self.runtime.agency, self.runtime.settings
        self.queue = service_queue(agency, spec.routing_key, self.limit)
        # The inbox key stays the hand-off's queue name, so splitting into region groups (or
        # merging back) never lets a delivery through twice.
        self.consumer_name = self.queue.name
        if settings.region_groups > 1:
            self.queues = region_group_queues(agency, spec.routing_key, settings.regions, settings.region_groups,
                                              unmatched=True, delivery_limit=self.limit)
            self.queue = self.queues[0]
        self.queue_consumer.register_provider(self)

    def start(self):
        self.runtime.declare_dead_letter_queue()

    def stop(self):
        self.queue_consumer.unregister_provider(self)
        super().stop()

    # -- refusals before any handler runs ------------------------------------------------
    def handle_undecodable(self, queue_consumer, message, exc):
        reason = f"cannot decode body ({type(exc).__name__}: {exc})"
        kind = "content_type" if "ContentDisallowed" in type(exc).__name__ else "undecodable"
        self._refuse(message, kind, reason)

    def _refuse(self, message, kind: str, reason: str, attempts: int = 1):
        try:
            self.runtime.dead_letter(message, queue=self.queue_of(message), kind=kind, reason=reason,
                                     attempts=attempts)
        except Exception:  # noqa: BLE001 - could not park it: give it back, never drop it
            log.exception("could not dead-letter; requeueing")
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)

    def queue_of(self, message) -> str:
        """The queue the delivery came from: a dead letter is replayed there."""
        settings = self.runtime.settings
        if settings.region_groups <= 1:
            return self.queue.name
        region = str(message.delivery_info.get("routing_key", "")).rsplit(".", 1)[-1]
        return region_group_queue_name(self.runtime.agency, self.spec.routing_key, region, settings.regions,
                                       settings.region_groups)

    def handle_message(self, body, message):
        try:
            env = self.runtime.check.open(message.headers, message.content_type, message.body)
        except Rejected as rejected:
            self._refuse(message, rejected.kind, rejected.reason)
            return
        if not self.runtime.settings.inbox_dedup:
            seen = False
        else:
            seen = self._check_inbox(message, env)
            if seen is None:
                return
        if seen:
            self.runtime.metrics.consumed_ok(env.type, "duplicate")
            self.queue_consumer.ack_message(message)
            return
        started = time.monotonic()
        self.container.spawn_worker(
            self, (env,), {}, context_data={"correlation_id": env.correlationid},
            handle_result=partial(self.handle_result, message, env, started),
        )

    def _check_inbox(self, message, env) -> bool | None:
        """True if already processed; None if the database is down (message requeued)."""
        try:
            with self.runtime.database.transaction() as session:
                return inbox.already_processed(session, self.runtime.inbox, self.consumer_name, env.id)
        except Exception:  # noqa: BLE001 - database down: try again later
            log.exception("inbox check failed; requeueing")
            eventlet.sleep(1)
            self.queue_consumer.requeue_message(message)
            return None

    def handle_result(self, message, env, started, worker_ctx, result=None, exc_info=None):
        runtime = self.runtime
        if exc_info is None:
            unit = runtime.unit_for(worker_ctx)
            unit.note(audit.event_entry(audit.RECEIVED, runtime.agency, env, f"processed by {self.consumer_name}"))
            if runtime.settings.inbox_dedup:
                try:
                    inbox.record(unit.session, runtime.inbox, self.consumer_name, env)
                except Exception as exc:  # noqa: BLE001
                    exc_info = (type(exc), exc, exc.__traceback__)
        exc_info = runtime.settle(worker_ctx, exc_info)
        runtime.release(worker_ctx)
        runtime.metrics.handling.labels(runtime.agency, env.type).observe(time.monotonic() - started)
        if exc_info is None:
            runtime.metrics.consumed_ok(env.type)
            self.queue_consumer.ack_message(message)
            return result, exc_info
        if isinstance(exc_info[1], IntegrityError) and self._seen(env):
            runtime.metrics.consumed_ok(env.type, "duplicate")
            self.queue_consumer.ack_message(message)
            return result, None
        attempt = int((message.headers or {}).get("x-delivery-count", 0)) + 1
        error = f"{exc_info[0].__name__}: {exc_info[1]}"
        runtime.metrics.last_failure.labels(runtime.agency, env.type, "in").set(time.time())
        if attempt >= self.limit:
            self._refuse(message, "handler_failed", f"{error} (after {attempt} attempts)", attempt)
        else:
            log.warning("handler for %s failed (attempt %s of %s): %s", env.id, attempt, self.limit, error)
            eventlet.sleep(min(0.2 * 2 ** (attempt - 1), 5))
            self.queue_consumer.requeue_message(message)
        return result, exc_info

    def _seen(self, env) -> bool:
        with self.runtime.database.transaction() as session:
            return inbox.already_processed(session, self.runtime.inbox, self.consumer_name, env.id)


handles = BusHandler.decorator


def handles_alike(name: str, event_types, action: Callable, doc: str) -> type:
    """A mixin with one ``@handles`` method per event type, each calling ``action(self, event)``: for a
    consumer that treats several hand-offs the same way (a copy kept as a notice, a reply recorded on a
    matter). Each method is its own function: nameko keys entrypoints by the function they decorate."""

    def method_for(event_type: str):
        def method(self, event):
            return action(self, event)

        method.__doc__ = f"{event_type}: {doc}"
        return handles(event_type)(method)

    methods = {"on_" + t.removeprefix("fundlink.").replace(".", "_"): method_for(t) for t in event_types}
    return type(name, (), methods)


class JsonWsgiApp(WsgiApp):
    """nameko's WSGI app, but a URL that matches no route (404/405) answers JSON with a reason, not HTML."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
        except HTTPException as exc:
            body = {"error": "not_found" if exc.code == 404 else "method_not_allowed",
                    "message": f"no route for {request.method} {request.path}: {exc.description}"}
            response = Response(json.dumps(body), status=exc.code, mimetype="application/json")
            return response(environ, start_response)
        request.path_values = values
        return provider.handle_request(request)(environ, start_response)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Http(HttpRequestHandler):
    """nameko's HTTP entrypoint that checks the caller's token, commits before answering, records
    state-changing requests and maps errors to reasons.

    ``request_schema`` / ``response_schema`` (marshmallow classes) document the route
    for the generated OpenAPI; they do not validate by themselves.
    """

    runtime = Runtime()
    server = JsonWebServer()

    def __init__(self, method, url, request_schema=None, response_schema=None, **kwargs):
        self.request_schema = request_schema
        self.response_schema = response_schema
        super().__init__(method, url, **kwargs)

    def setup(self):
        self.runtime.ensure_setup()
        super().setup()

    @property
    def open(self) -> bool:
        return self.url in OPEN_ROUTES

    def handle_request(self, request):
        request.shallow = False  # the record keeps the body's hash, refused or not
        request.claims = claims = None
        if not self.open:
            try:
                claims = self.runtime.authenticate(request.headers.get("Authorization"))
                authorise(claims, self.runtime.agency, request.method, self.url)
            except (Unauthorized, Forbidden) as exc:
                response = self.response_from_exception(exc)
                self.runtime.append_record(self._entry(request, claims, response.status_code, exc, audit.REFUSED))
                return response
            request.claims = claims
        return super().handle_request(request)

    def _entry(self, request, claims, status: int, outcome, kind: str = audit.REQUEST) -> dict:
        message = outcome if isinstance(outcome, str) else error_response(outcome, self.expected_exceptions or ())[1][
            "message"]
        if claims is None and kind == audit.REFUSED:
            claims = self._unverified_claims(request)
        role = acting_role(claims, self.runtime.agency, request.method, self.url) if claims and kind == audit.REQUEST \
            else ""
        return audit.request_entry(self.runtime.agency, method=request.method, route=self.url,
                                   path_values=getattr(request, "path_values", {}) or {}, claims=claims, role=role,
                                   status=status, message=message, body=request.get_data(cache=True), kind=kind)

    @staticmethod
    def _unverified_claims(request) -> dict | None:
        """Who a refused token says it is, for the record only (it proved nothing)."""
        import jwt

        header = request.headers.get("Authorization") or ""
        try:
            claims = jwt.decode(header.partition(" ")[2], options={"verify_signature": False})
        except Exception:  # noqa: BLE001 - no readable token: the record says so
            return None
        return {"agency": str(claims.get("agency") or "")[:64], "sub": f"unverified:{str(claims.get('sub'))[:180]}",
                "roles": [str(r)[:30] for r in (claims.get("roles") or [])][:5] if isinstance(
                    claims.get("roles"), list) else []}

    def handle_result(self, event, worker_ctx, result, exc_info):
        request = worker_ctx.args[0] if worker_ctx.args else None
        record = request is not None and request.method in STATE_CHANGING and not self.open
        if record and exc_info is None:
            status = result.status_code if isinstance(result, Response) else (
                result[0] if isinstance(result, tuple) else 200)
            self.runtime.unit_for(worker_ctx).note(self._entry(request, request.claims, status, "done"))
        outcome = self.runtime.settle(worker_ctx, exc_info)
        self.runtime.release(worker_ctx)
        if record and outcome is not None:  # rolled back: the record still says it was tried, and why
            status, _ = error_response(outcome[1], self.expected_exceptions or ())
            self.runtime.append_record(self._entry(request, request.claims, status, outcome[1]))
        event.send(result, outcome)
        return result, outcome

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, payload = (result if isinstance(result, tuple) else (200, result))
        return Response(json.dumps(payload, ensure_ascii=False, default=str), status=status,
                        mimetype="application/json")

    def response_from_exception(self, exc):
        status, body = error_response(exc, self.expected_exceptions or ())
        if status >= 500:
            log.error("unhandled error in %s", self.method_name, exc_info=exc)
        return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                        mimetype="application/json")


http = Http.decorator


class AgencyService:
    """Base for every agency's nameko service: storage, health, metrics and the watch timer.

    Subclasses set ``name``, ``agency`` and ``metadata`` (their own models' metadata).
    """

    name = "agency"
    agency = ""
    metadata = None
    db = Storage()

    @http("GET", "/health")
    def health(self, request):
        runtime = self.db.runtime
        checks, down = {}, []
        try:
            runtime.database.ping()
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["database"] = f"down: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            down.append("database")
        try:
            checks["dead_letters"] = runtime.dead_letter_depth()
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"down: {type(exc).__name__}: {exc}"
            down.append("broker")
        consumers = runtime.consumers_state()
        if consumers is not None:
            checks["consumers"] = consumers
            if not consumers["ready"]:
                # Started but not yet consuming: an event published now could find no queue bound.
                down.append("consumers")
        for name in ("database", "broker"):
            runtime.metrics.up.labels(runtime.agency, name).set(0 if name in down else 1)
        if len(broker_uris(runtime.settings.amqp_uri)) > 1:
            # A cluster: the service fails over and stays up, but an operator must see the lost node.
            checks["broker_nodes"] = broker_nodes(runtime.settings.amqp_uri)
            for node, state in checks["broker_nodes"].items():
                runtime.metrics.up.labels(runtime.agency, f"broker node {node}").set(1 if state == "ok" else 0)
        body = {"agency": runtime.agency, "status": "down" if down else "ok", "checks": checks}
        if down:
            body["message"] = "; ".join("consumers not yet bound to their queues" if d == "consumers"
                                        else f"{d} unreachable" for d in down)
            return 503, body
        return 200, body

    @http("GET", "/metrics")
    def metrics(self, request):
        return Response(self.db.runtime.metrics.exposition(), mimetype=CONTENT_TYPE_LATEST)

    @http("GET", "/audit")
    def search_record(self, request):
        """The hand-off record, filtered as `fundlink audit search` does (auditors only)."""
        from dataclasses import fields

        names = {f.name for f in fields(audit.Filters)} - {"limit"}
        unknown = sorted(set(request.args) - names - {"limit"})
        if unknown:
            raise ValidationError({k: [f"unknown filter; use {', '.join(sorted(names))} or limit"] for k in unknown})
        try:
            limit = int(request.args.get("limit", 200))
            filters = audit.Filters(**{k: request.args[k] for k in names if request.args.get(k)}, limit=limit)
            query = audit.search_query(self.db.runtime.record.entries, filters)
        except ValueError as exc:
            raise ValidationError({"_query": [f"bad filter value: {exc}"]}) from exc
        entries = [audit.summary(dict(r._mapping)) for r in self.db.session.execute(query)]
        return 200, {"agency": self.agency, "count": len(entries), "entries": entries}

    @Timer.decorator(interval=5)
    def watch(self):
        """Refresh gauges an operator alerts on: outbox backlog and dead-letter depth."""
        runtime = self.db.runtime
        with runtime.database.transaction() as session:
            count, age = outbox.backlog(session, runtime.outbox)
        runtime.metrics.outbox_backlog.labels(runtime.agency).set(count)
        runtime.metrics.outbox_oldest_age.labels(runtime.agency).set(age)
        try:
            runtime.metrics.dlq_depth.labels(runtime.agency).set(runtime.dead_letter_depth())
        except Exception:  # noqa: BLE001 - health reports the broker; keep the last value
            log.debug("dead-letter depth unavailable", exc_info=True)
        self.watch_deadlines(datetime.now(UTC))

    def watch_deadlines(self, now: datetime) -> None:
        """Agencies with statutory clocks override this to flag overdue items."""
