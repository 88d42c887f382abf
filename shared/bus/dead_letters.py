"""Dead letters: how a refused or failing delivery is parked with its reason, and how
an operator lists, inspects, replays or purges it.

A delivery is copied to the agency's dead-letter queue (with confirm) before the
original is acked, so a crash in between duplicates it rather than losing it.
Replay republishes to the original queue only; the inbox makes repeats harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from kombu import Connection

from shared.bus.outbox import ConfirmingPublisher, OutMessage
from shared.bus.topology import DEAD_LETTER_EXCHANGE, dead_letter_queue, dead_letter_queue_name

H = "x-fundlink-"
REASON_KIND, REASON, QUEUE, ROUTING_KEY, AT, ATTEMPTS, REPLAYS = (
    H + "reason-kind", H + "reason", H + "queue", H + "routing-key", H + "dead-lettered-at",
    H + "attempts", H + "replays",
)
# Headers the broker or we add on the way to the DLQ; stripped on replay.
_TRANSIENT = ("x-death", "x-delivery-count", "x-first-death-exchange", "x-first-death-queue",
              "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason")


def dead_letter_message(agency: str, *, queue: str, routing_key: str, headers: dict, body: bytes,
                        content_type: str | None, kind: str, reason: str, attempts: int,
                        message_id: str | None = None) -> OutMessage:
    h = {k: v for k, v in (headers or {}).items() if not k.startswith(H)}
    h.update({
        REASON_KIND: kind, REASON: reason[:4000], QUEUE: queue, ROUTING_KEY: routing_key,
        AT: datetime.now(UTC).isoformat(), ATTEMPTS: attempts,
        REPLAYS: int((headers or {}).get(REPLAYS, 0)),
    })
    return OutMessage(
        key=0, message_id=message_id or str(h.get("ce-id") or uuid.uuid4()), exchange=DEAD_LETTER_EXCHANGE,
        routing_key=agency, headers=h, body=bytes(body), content_type=content_type or "application/octet-stream",
    )


@dataclass(frozen=True)
class DeadLetter:
    position: int
    event_id: str
    event_type: str
    source: str
    kind: str
    reason: str
    queue: str
    routing_key: str
    at: str
    attempts: int
    replays: int
    content_type: str
    headers: dict
    body: bytes

    @classmethod
    def from_message(cls, position: int, message) -> DeadLetter:
        headers = dict(message.headers or {})
        death = (headers.get("x-death") or [{}])[0]
        kind = headers.get(REASON_KIND) or ("broker:" + str(death.get("reason", "unknown")))
        reason = headers.get(REASON) or (
            f"dead-lettered by the broker ({death.get('reason')}) from {death.get('queue')} "
            f"after {death.get('count')} time(s): the consumer crashed or exceeded the delivery limit"
        )
        keys = death.get("routing-keys") or [""]
        return cls(
            position=position, event_id=str(headers.get("ce-id") or message.properties.get("message_id", "")),
            event_type=str(headers.get("ce-type", "")), source=str(headers.get("ce-source", "")),
            kind=str(kind), reason=str(reason),
            queue=str(headers.get(QUEUE) or death.get("queue", "")),
            routing_key=str(headers.get(ROUTING_KEY) or keys[0]), at=str(headers.get(AT, "")),
            attempts=int(headers.get(ATTEMPTS) or death.get("count") or 0),
            replays=int(headers.get(REPLAYS, 0)), content_type=str(message.content_type or ""),
            headers=headers, body=bytes(message.body),
        )


class DeadLetterQueue:
    """Operator's view of one agency's dead-letter queue."""

    def __init__(self, amqp_uri: str, agency: str):
        self.amqp_uri = amqp_uri
        self.agency = agency
        self.queue = dead_letter_queue_name(agency)

    @contextmanager
    def _channel(self) -> Iterator:
        with Connection(self.amqp_uri, connect_timeout=5) as conn:
            channel = conn.channel()
            dead_letter_queue(self.agency)(channel).declare()
            try:
                yield channel
            finally:
                channel.close()

    def depth(self) -> int:
        with self._channel() as channel:
            return int(channel.queue_declare(self.queue, passive=True).message_count)

    def _walk(self, act: Callable[[object, DeadLetter], str], limit: int | None = None) -> list[DeadLetter]:
        """Visit up to the current depth, deciding per message: 'ack' or 'keep'.
        Returns the letters that were acked (or all seen, when nothing acks)."""
        seen: list[DeadLetter] = []
        acked: list[DeadLetter] = []
        with self._channel() as channel:
            depth = int(channel.queue_declare(self.queue, passive=True).message_count)
            for position in range(1, min(depth, limit or depth) + 1):
                message = channel.basic_get(self.queue, no_ack=False)
                if message is None:
                    break
                letter = DeadLetter.from_message(position, message)
                seen.append(letter)
                if act(message, letter) == "ack":
                    channel.basic_ack(message.delivery_tag)
                    acked.append(letter)
            # Closing the channel returns every unacked message to the queue.
        return acked if acked else seen

    def list(self, limit: int = 100) -> list[DeadLetter]:
        return self._walk(lambda _m, _l: "keep", limit)

    def show(self, event_id: str) -> DeadLetter | None:
        found = [letter for letter in self.list(limit=100000) if letter.event_id == event_id]
        return found[0] if found else None

    def replay(self, event_id: str | None = None, *,
               progress: Callable[[DeadLetter], None] | None = None) -> list[DeadLetter]:
        """Send matching dead letters back to their original queue, then ack them here."""
        publisher = ConfirmingPublisher(self.amqp_uri)

        def act(_message, letter: DeadLetter) -> str:
            if event_id and letter.event_id != event_id:
                return "keep"
            if not letter.queue:
                return "keep"
            headers = {k: v for k, v in letter.headers.items() if not k.startswith(H) and k not in _TRANSIENT}
            headers[REPLAYS] = letter.replays + 1
            out = OutMessage(0, letter.event_id or str(uuid.uuid4()), "", letter.queue, headers, letter.body,
                             letter.content_type or "application/json")
            result = publisher.publish([out])
            if result.sent:
                if progress:
                    progress(letter)
                return "ack"
            return "keep"

        replayed: list[DeadLetter] = []

        def track(message, letter: DeadLetter) -> str:
            verdict = act(message, letter)
            if verdict == "ack":
                replayed.append(letter)
            return verdict

        try:
            self._walk(track)
        finally:
            publisher.close()
        return replayed

    def purge(self, event_id: str | None = None) -> int:
        if event_id is None:
            with self._channel() as channel:
                return int(channel.queue_purge(self.queue) or 0)
        purged: list[DeadLetter] = []

        def act(_message, letter: DeadLetter) -> str:
            if letter.event_id != event_id:
                return "keep"
            purged.append(letter)
            return "ack"

        self._walk(act)
        return len(purged)
