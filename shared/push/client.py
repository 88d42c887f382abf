"""Push a collection feed file to the center: signed chunks, publisher confirms, resume.

Plain pika, no nameko. The file is streamed twice at most (once to send, once more
only for chunks the center asks for again), in constant memory. Each chunk is a
``tax.collection.feed_chunk_published`` event signed with tax's key, so the center checks
it like any hand-off (and only the center receives it); the manifest follows the chunks as
``tax.collection.feed_published``, and the center answers on HO-02.

A small state file next to the feed records the contiguous run of chunks the broker
has confirmed; a second run after an interruption starts after it. The center keys
chunks by (feed, sequence number), so anything sent twice is stored once.
"""

from __future__ import annotations

import csv
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pika
from pika.spec import Basic

from shared.bus.catalogue import catalogue
from shared.bus.consumer import DeliveryCheck, Rejected
from shared.bus.envelope import CONTENT_TYPE
from shared.bus.publish import signed_envelope
from shared.bus.signing import KeyRegistry, load_signer
from shared.bus.topology import EVENTS_EXCHANGE
from shared.push.feedfile import BadLine, Chunk, FeedScan, count_lines, read_chunks, totals_payload

FEED_TYPE = "fundlink.tax.collection.feed_published.v1"
CHUNK_TYPE = "fundlink.tax.collection.feed_chunk_published.v1"
ANSWER_ROUTING_KEY = "hs_center.collection.reconciled.v1"
FINAL = ("matched", "discrepancies", "refused")



def pika_parameters(amqp_uri: str) -> pika.URLParameters:
    """The first node of ``amqp_uri``. pika reads kombu's ``//`` (the default vhost ``/``) as an
    empty vhost; spell it ``%2F``."""
    return pika_parameter_list(amqp_uri)[0]


def pika_parameter_list(amqp_uri: str) -> list[pika.URLParameters]:
    """Every node of ``amqp://h1//;amqp://h2//`` (kombu's failover list), in order."""
    params = []
    for uri in (u for u in amqp_uri.split(";") if u):
        params.append(pika.URLParameters(uri[:-1] + "%2F" if uri.endswith("//") else uri))
    return params


# A push that loses its node, or is nacked while a quorum queue elects a new leader, starts again
# (on the next live node) this many times; the state file makes each start resume after the last
# confirmed chunk, and the center keeps a chunk sent twice once.
FAILOVER_ATTEMPTS = 6
# How long a push waits without any confirm before it gives the node up (retryable).
CONFIRM_TIMEOUT_SECONDS = 60.0


class PushError(RuntimeError):
    """The push could not finish; what was confirmed stays recorded for the next run."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable  # the node went away or could not store a message: try again


@dataclass(frozen=True)
class FeedHeader:
    feed_id: str
    region_code: str
    region_level: str
    treasury_code: str
    period: str | None = None  # default: the first good line's period


@dataclass
class PushReport:
    feed_id: str
    line_count: int = 0
    chunk_count: int = 0
    sent_chunks: int = 0
    resumed_after: int = 0
    resent_chunks: int = 0
    bad_count: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    rejected_file: Path | None = None
    verdict: dict | None = None


@dataclass
class _State:
    """What survives an interruption: the confirmed prefix of chunks, per file and chunk size."""

    path: Path
    feed_id: str
    file_size: int
    file_mtime_ns: int
    chunk_size: int
    generated_at: str
    confirmed: int = 0

    @classmethod
    def load_or_new(cls, path: Path, feed: Path, feed_id: str, chunk_size: int) -> _State:
        st = feed.stat()
        fresh = cls(path, feed_id, st.st_size, st.st_mtime_ns, chunk_size, datetime.now(UTC).isoformat())
        if not path.exists():
            return fresh
        saved = json.loads(path.read_text())
        same = (saved.get("feed_id"), saved.get("file_size"), saved.get("file_mtime_ns"), saved.get("chunk_size")) \
            == (feed_id, st.st_size, st.st_mtime_ns, chunk_size)
        return cls(path, **{k: saved[k] for k in ("feed_id", "file_size", "file_mtime_ns", "chunk_size",
                                                   "generated_at", "confirmed")}) if same else fresh

    def save(self) -> None:
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps({k: v for k, v in vars(self).items() if k != "path"}))
        os.replace(tmp, self.path)


class WindowedPublisher:
    """Publishes a stream of messages with at most ``window`` unconfirmed (persistent, mandatory).

    ``on_confirmed(key)`` runs for each message the broker confirmed; a nack, an unroutable
    message or a lost connection stops the stream with PushError.
    """

    def __init__(self, amqp_uri: str, window: int = 16, confirm_timeout: float = CONFIRM_TIMEOUT_SECONDS):
        self.nodes = pika_parameter_list(amqp_uri)
        self.params = self.nodes[0]
        self.window = window
        self.confirm_timeout = confirm_timeout

    def run(self, messages: Iterator[tuple[object, str, dict, bytes, str]], on_confirmed: Callable) -> None:
        """Connects to the first node that answers. A connection lost mid-stream, or a nack (a
        cluster's quorum queue refuses messages while it elects a new leader), raises a
        ``retryable`` PushError: what was confirmed has been reported, the rest may be resent."""
        self._messages, self._on_confirmed = messages, on_confirmed
        self._pending: dict[int, tuple[object, str]] = {}
        self._returned: dict[str, str] = {}
        self._tag, self._done, self._error, self._lost = 0, False, None, False
        self._progress_at = time.monotonic()
        for params in self.nodes:
            # A node that refused us is forgotten once the next one answers.
            self.params, self._open_failed, self._error, self._lost = params, False, None, False
            self._conn = pika.SelectConnection(params, on_open_callback=self._opened,
                                               on_open_error_callback=self._failed, on_close_callback=self._closed)
            self._conn.ioloop.start()
            if not self._open_failed:
                break
        if self._error:
            raise PushError(self._error, retryable=self._lost)

    def _opened(self, conn):
        conn.channel(on_open_callback=self._channel_opened)

    def _channel_opened(self, channel):
        self._channel = channel
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _frame: self._fill())
        self._progress_at = time.monotonic()
        self._conn.ioloop.call_later(min(self.confirm_timeout, 1.0), self._watch_confirms)

    def _watch_confirms(self):
        # A node can keep the socket open and stop confirming (a blocked connection under a memory
        # alarm, a half-dead network path): give up on it after ``confirm_timeout`` without progress,
        # as a retryable error, so the push moves on and resumes after the last confirmed chunk.
        if self._error is not None or not self._conn.is_open:
            return
        if self._pending and time.monotonic() - self._progress_at > self.confirm_timeout:
            self._lost = True
            self._error = (f"no confirm from {self.params.host}:{self.params.port} for {self.confirm_timeout:g} s "
                           f"({len(self._pending)} message(s) waiting)")
            # Abort, not close: a graceful close waits for the quiet node's Close-Ok, i.e. for the
            # heartbeat timeout (minutes). pika has no public abort; this is how its heartbeat checker
            # drops a dead peer.
            return self._conn._terminate_stream(pika.exceptions.StreamLostError(self._error))
        self._conn.ioloop.call_later(min(self.confirm_timeout, 1.0), self._watch_confirms)

    def _fill(self):
        try:
            while len(self._pending) < self.window and not self._done:
                try:
                    key, routing_key, headers, body, message_id = next(self._messages)
                except StopIteration:
                    self._done = True
                    break
                self._tag += 1
                self._pending[self._tag] = (key, message_id)
                self._channel.basic_publish(EVENTS_EXCHANGE, routing_key, body, mandatory=True,
                                            properties=pika.BasicProperties(
                                                content_type=CONTENT_TYPE, delivery_mode=2, headers=headers,
                                                message_id=message_id))
        except Exception as exc:  # noqa: BLE001 - a bad file or key: stop, keep what was confirmed
            return self._stop(f"{type(exc).__name__}: {exc}")
        if self._done and not self._pending:
            self._stop(None)

    def _on_return(self, _channel, method, properties, _body):
        self._returned[properties.message_id] = f"unroutable ({method.reply_text}): is the center's queue declared?"

    def _on_confirm(self, frame):
        method = frame.method
        self._progress_at = time.monotonic()
        tags = [t for t in self._pending if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        for tag in sorted(tags):
            key, message_id = self._pending.pop(tag)
            if isinstance(method, Basic.Nack):
                self._lost = True
                return self._stop(f"the broker refused message {key} (nack)")
            if message_id in self._returned:
                return self._stop(f"message {key}: {self._returned.pop(message_id)}")
            self._on_confirmed(key)
        self._fill()

    def _stop(self, error):
        if self._error is None:
            self._error = error
        if self._conn.is_open:
            self._conn.close()

    def _failed(self, _conn, exc):
        self._open_failed, self._lost = True, True
        self._error = f"cannot connect to the broker at {self.params.host}:{self.params.port}: {exc}"
        self._conn.ioloop.stop()

    def _closed(self, _conn, reason):
        if not self._done or self._pending:
            if self._error is None:
                self._lost = True
            self._error = self._error or f"connection closed before every confirm arrived: {reason}"
        self._conn.ioloop.stop()


class FeedPusher:
    """Streams one feed file to the center and waits for its answer (HO-02)."""

    def __init__(self, path: Path, header: FeedHeader, *, amqp_uri: str, keys_dir: Path,
                 public_keys_dir: Path | None = None, chunk_size: int = 5000, window: int = 16,
                 state_path: Path | None = None, progress: Callable[[int, int], None] | None = None,
                 drop: frozenset[int] = frozenset(), manifest: dict | None = None):
        self.path, self.header, self.amqp_uri = Path(path), header, amqp_uri
        self.signer = load_signer("tax", keys_dir)
        self.keys = KeyRegistry.from_directory(public_keys_dir or keys_dir)
        self.chunk_size, self.window, self.progress = chunk_size, window, progress
        self.state_path = state_path or self.path.with_name(self.path.name + ".push-state.json")
        self.rejected_path = self.path.with_name(self.path.name + ".rejected.csv")
        self.drop, self.manifest_override = drop, manifest  # drop: drills that lose chunks on purpose

    # -- the steps -----------------------------------------------------------------------------
    def push(self, wait_seconds: float = 120.0, grace_seconds: float = 3.0) -> PushReport:
        state = _State.load_or_new(self.state_path, self.path, self.header.feed_id, self.chunk_size)
        report = PushReport(self.header.feed_id, resumed_after=state.confirmed, rejected_file=self.rejected_path)
        answers = self._answer_queue()
        scan = self._send_chunks(state, report)
        report.line_count, report.chunk_count = scan.line_count, scan.chunk_count
        report.bad_count, report.bad = scan.bad_count, scan.bad
        manifest = self._manifest(scan, state)
        self._publish([self._wire("manifest", manifest, FEED_TYPE)])
        if wait_seconds > 0:
            report.verdict = self._await_verdict(answers, manifest, report, wait_seconds, grace_seconds)
        return report

    def _send_chunks(self, state: _State, report: PushReport) -> FeedScan:
        scan, total = FeedScan(), count_lines(self.path)
        rejects: _Rejects
        confirmed: set[int] = set()

        def on_confirmed(seq):
            confirmed.add(seq)
            advanced = False
            while state.confirmed + 1 in confirmed:
                state.confirmed += 1
                confirmed.discard(state.confirmed)
                advanced = True
            if advanced:
                state.save()

        def messages():
            for chunk in read_chunks(self.path, self.chunk_size, scan, period=self.header.period,
                                     on_bad=rejects.writerow_for):
                if self.progress:
                    self.progress(chunk.last_line_no - 1, total)
                if chunk.seq <= state.confirmed:
                    continue
                if chunk.seq in self.drop:
                    on_confirmed(chunk.seq)  # lost after the broker took it: the center must notice
                    continue
                report.sent_chunks += 1
                yield self._message(chunk, state, scan)

        for attempt in range(FAILOVER_ATTEMPTS):
            scan = FeedScan()  # each start reads the whole file again, skipping confirmed chunks
            try:
                with _Rejects(self.rejected_path) as rejects:
                    WindowedPublisher(self.amqp_uri, self.window).run(messages(), on_confirmed)
                break
            except PushError as exc:
                if not exc.retryable or attempt == FAILOVER_ATTEMPTS - 1:
                    raise
                time.sleep(min(2 * (attempt + 1), 5))  # a new leader is elected in seconds
        if self.progress:
            self.progress(total, total)
        return scan

    def _resend(self, missing: set[int], state: _State, report: PushReport) -> None:
        scan = FeedScan()

        def messages():
            for chunk in read_chunks(self.path, self.chunk_size, scan, period=self.header.period):
                if chunk.seq in missing:
                    report.resent_chunks += 1
                    yield self._message(chunk, state, scan)

        _with_failover(lambda: WindowedPublisher(self.amqp_uri, self.window).run(messages(), lambda seq: None))

    def _message(self, chunk: Chunk, state: _State, scan: FeedScan):
        data = {**self._head(state, scan), "lines": totals_payload(chunk.totals), "chunk": {
            "seq": chunk.seq, "line_count": chunk.line_count, "first_line_no": chunk.first_line_no,
            "last_line_no": chunk.last_line_no, "sha256": chunk.sha256, "lines": chunk.text}}
        return self._wire(chunk.seq, data, CHUNK_TYPE)

    def _manifest(self, scan: FeedScan, state: _State):
        given = self.manifest_override or {}
        data = {**self._head(state, scan), "lines": given.get("lines") or totals_payload(scan.totals),
                "manifest": {"line_count": given.get("line_count", scan.line_count), "chunk_count": scan.chunk_count,
                             "lines_sha256": given.get("lines_sha256", scan.lines_sha256),
                             "rejected_line_count": scan.bad_count}}
        if not data["lines"]:
            raise PushError(f"{self.path}: no good line to send; see {self.rejected_path}")
        return data

    def _head(self, state: _State, scan: FeedScan) -> dict:
        h = self.header
        return {"feed_id": h.feed_id, "region_code": h.region_code, "region_level": h.region_level,
                "period": h.period or scan.period, "treasury_code": h.treasury_code,
                "generated_at": state.generated_at}

    def _wire(self, key, data, event_type):
        env = signed_envelope(self.signer, event_type, data, subject=self.header.feed_id,
                              correlation_id=self.header.feed_id, region=self.header.region_code)
        return key, env.routing_key, env.amqp_headers(), env.body, env.id

    def _publish(self, messages) -> None:
        _with_failover(lambda: WindowedPublisher(self.amqp_uri, self.window).run(iter(messages), lambda key: None))

    # -- the center's answer ---------------------------------------------------------------------
    def _answer_queue(self) -> str:
        """A private queue for HO-02 answers in this region, bound before anything is sent."""
        name = f"fundlink.tax.push.{self.header.feed_id}.{uuid.uuid4().hex[:8]}"
        with pika.BlockingConnection(pika_parameter_list(self.amqp_uri)) as conn:
            channel = conn.channel()
            channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="topic", durable=True)
            # Quorum, so the answer outlives the loss of the node it was declared on.
            channel.queue_declare(name, durable=True, arguments={"x-queue-type": "quorum", "x-expires": 600_000})
            channel.queue_bind(name, EVENTS_EXCHANGE, f"{ANSWER_ROUTING_KEY}.{self.header.region_code}")
        return name

    def _await_verdict(self, queue, manifest, report, wait_seconds, grace_seconds) -> dict | None:
        check = DeliveryCheck("tax", catalogue(), self.keys)
        state = _State.load_or_new(self.state_path, self.path, self.header.feed_id, self.chunk_size)
        end, nudge = time.monotonic() + wait_seconds, time.monotonic() + max(grace_seconds * 10, 30)
        gaps_since, previous = None, None
        channel = None
        try:
            while time.monotonic() < end:
                if channel is None or not channel.is_open:
                    channel = _answer_channel(self.amqp_uri)
                try:
                    answer = self._next_answer(channel, queue, check, timeout=1)
                except (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError):
                    channel = None  # the node went away: the quorum queue is still there on the others
                    time.sleep(0.5)
                    continue
                now = time.monotonic()
                if answer and answer["status"] in FINAL:
                    return answer
                if answer and answer["status"] == "incomplete":
                    # Chunks and the manifest travel on different queues, so a chunk the center lacks may
                    # still wait in its queue: what two answers a grace period apart both miss is lost, once
                    # the center has stopped taking chunks in between (a backlog still draining would
                    # otherwise be sent again, read from the file again, and skipped by the center).
                    seen = set(answer.get("missing_chunks", []))
                    settled = previous and now - previous[1] >= grace_seconds and seen == previous[0]
                    lost = seen if settled else set()
                    if lost:
                        self._resend(lost, state, report)
                    gaps_since, previous = now, None if lost else (seen, now)
                if gaps_since and now - gaps_since >= grace_seconds:
                    self._ask_again(manifest)
                    gaps_since, nudge = None, now + max(grace_seconds * 10, 30)
                elif now > nudge:  # the manifest itself may have been lost
                    self._ask_again(manifest)
                    nudge = now + max(grace_seconds * 10, 30)
        finally:
            _delete_answer_queue(self.amqp_uri, queue, channel)
        return None

    def _ask_again(self, manifest: dict) -> None:
        """The manifest once more, as a new event: the center's inbox drops a repeat of the same one unanswered."""
        self._publish([self._wire("manifest", manifest, FEED_TYPE)])

    def _next_answer(self, channel, queue, check, timeout) -> dict | None:
        method, props, body = next(channel.consume(queue, inactivity_timeout=timeout), (None, None, None))
        channel.cancel()
        if method is None:
            return None
        channel.basic_ack(method.delivery_tag)
        try:
            env = check.open(props.headers, props.content_type, body)
        except Rejected:
            return None  # not a genuine answer of the center: ignore it
        return env.data if env.subject == self.header.feed_id and "feed_id" in env.data else None


class _Rejects:
    """Bad lines, kept with their line number, reason and original fields so nothing is lost."""

    def __init__(self, path: Path):
        self.path, self.count = path, 0

    def __enter__(self):
        self.fh = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
        self.writer = csv.writer(self.fh)
        self.writer.writerow(["line_no", "reason", "original"])
        return self

    def writerow_for(self, line_no: int, reason: str, row: list[str]) -> None:
        self.count += 1
        self.writer.writerow([line_no, reason, ",".join(row)])

    def __exit__(self, *exc):
        self.fh.close()
        if self.count == 0:
            self.path.unlink(missing_ok=True)


def _with_failover(publish: Callable[[], None]) -> None:
    """Run one short publish; if its node is lost, run it again (on the next live node)."""
    for attempt in range(FAILOVER_ATTEMPTS):
        try:
            return publish()
        except PushError as exc:
            if not exc.retryable or attempt == FAILOVER_ATTEMPTS - 1:
                raise
            time.sleep(min(2 * (attempt + 1), 5))  # a new leader is elected in seconds


def _answer_channel(amqp_uri: str):
    """A channel on the first live node (pika tries each in turn)."""
    return pika.BlockingConnection(pika_parameter_list(amqp_uri)).channel()


def _delete_answer_queue(amqp_uri: str, queue: str, channel) -> None:
    try:
        channel = channel if channel is not None and channel.is_open else _answer_channel(amqp_uri)
        channel.queue_delete(queue)
        channel.connection.close()
    except pika.exceptions.AMQPError:
        pass  # x-expires removes it after ten idle minutes


def push_feed(path: Path, header: FeedHeader, **kwargs) -> PushReport:
    """Library entry point: ``push_feed(Path('feed.csv'), FeedHeader(...), amqp_uri=..., keys_dir=...)``."""
    wait = kwargs.pop("wait_seconds", 120.0)
    return FeedPusher(path, header, **kwargs).push(wait_seconds=wait)


__all__ = ["BadLine", "FeedHeader", "FeedPusher", "PushError", "PushReport", "WindowedPublisher", "push_feed"]
