"""The CloudEvents 1.0 envelope every hand-off travels in.

Attributes ride as AMQP headers with the ``ce-`` prefix of the CloudEvents RabbitMQ
binding; ``datacontenttype`` is the AMQP ``content_type`` property; the body is JSON.
Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.v1.event import CloudEvent

CE_PREFIX = "ce-"
CONTENT_TYPE = "application/json"
SPECVERSION = "1.0"
SCHEMA_URN = "urn:fundlink:contracts:schemas:"
# Attributes covered by the signature, in this order; `signature` itself is not.
SIGNED_ATTRIBUTES = (
    "id", "source", "specversion", "type", "time", "subject", "datacontenttype",
    "dataschema", "correlationid", "region", "signer", "signingkey",
)
REQUIRED_ATTRIBUTES = (
    "id", "source", "specversion", "type", "time", "subject", "dataschema", "correlationid",
    "region",
)


class EnvelopeError(ValueError):
    """A message that is not a well-formed fundlink CloudEvent."""


def canonical_json(data: Any) -> bytes:
    """The one JSON spelling used on the wire and for hashing."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def source_for(agency: str) -> str:
    return f"/fundlink/{agency}"


def agency_of_source(source: str) -> str | None:
    prefix = "/fundlink/"
    return source[len(prefix):] if source.startswith(prefix) else None


@dataclass(frozen=True)
class Envelope:
    """One hand-off: CloudEvents attributes plus the exact body bytes."""

    id: str
    source: str
    type: str
    time: str
    subject: str
    correlationid: str
    region: str
    body: bytes
    dataschema: str = ""
    datacontenttype: str = CONTENT_TYPE
    specversion: str = SPECVERSION
    signer: str = ""
    signingkey: str = ""
    signature: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Any:
        return json.loads(self.body)

    @property
    def timestamp(self) -> datetime:
        return datetime.fromisoformat(self.time.replace("Z", "+00:00"))

    def attributes(self) -> dict[str, str]:
        attrs = {name: getattr(self, name) for name in SIGNED_ATTRIBUTES}
        attrs["signature"] = self.signature
        return {k: v for k, v in attrs.items() if v}

    def signing_bytes(self) -> bytes:
        """What the producer signs: the attributes (minus the signature) and the body's hash."""
        attrs = {name: getattr(self, name) for name in SIGNED_ATTRIBUTES}
        digest = hashlib.sha256(self.body).hexdigest()
        return b"fundlink-sig-v1\n" + canonical_json(attrs) + b"\n" + digest.encode()

    def with_signature(self, signer: str, key_id: str, sign) -> Envelope:
        unsigned = replace(self, signer=signer, signingkey=key_id, signature="")
        return replace(unsigned, signature=sign(unsigned.signing_bytes()))

    def amqp_headers(self) -> dict[str, str]:
        headers = {CE_PREFIX + k: v for k, v in self.attributes().items() if k != "datacontenttype"}
        headers.update(self.extra)
        return headers

    @property
    def routing_key(self) -> str:
        name = self.type.removeprefix("fundlink.")
        return f"{name}.{self.region}"


def new_envelope(
    *, agency: str, event_type: str, data: Any, subject: str, correlation_id: str,
    region: str, now: datetime | None = None, event_id: str | None = None,
) -> Envelope:
    """Build an unsigned envelope; ``data`` must already be JSON-ready (fen as int)."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    env = Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source_for(agency),
        type=event_type,
        time=when.isoformat().replace("+00:00", "Z"),
        subject=subject,
        correlationid=correlation_id,
        region=region,
        dataschema=SCHEMA_URN + event_type,
        body=canonical_json(data),
    )
    _validate_cloudevent(env)
    return env


def from_amqp(headers: dict[str, Any] | None, content_type: str | None, body: bytes) -> Envelope:
    """Read an envelope off a delivery; raise EnvelopeError naming what is wrong."""
    headers = headers or {}
    attrs: dict[str, str] = {}
    for key, value in headers.items():
        if key.lower().startswith(CE_PREFIX):
            if not isinstance(value, str | bytes):
                raise EnvelopeError(f"header {key!r} must be a string, got {type(value).__name__}")
            attrs[key.lower()[len(CE_PREFIX):]] = value.decode() if isinstance(value, bytes) else value
    missing = [name for name in REQUIRED_ATTRIBUTES if not attrs.get(name)]
    if missing:
        raise EnvelopeError(
            "missing CloudEvents attribute(s) " + ", ".join("ce-" + m for m in missing)
            + "; every hand-off must carry them as AMQP headers"
        )
    if attrs["specversion"] != SPECVERSION:
        raise EnvelopeError(f"ce-specversion {attrs['specversion']!r} is not supported; use {SPECVERSION}")
    known = set(SIGNED_ATTRIBUTES) | {"signature"}
    env = Envelope(
        **{k: v for k, v in attrs.items() if k in known and k != "datacontenttype"},
        datacontenttype=content_type or "",
        body=bytes(body),
    )
    try:
        env.timestamp  # noqa: B018 - parse check
    except ValueError as exc:
        raise EnvelopeError(f"ce-time {env.time!r} is not an RFC 3339 timestamp") from exc
    _validate_cloudevent(env)
    return env


def _validate_cloudevent(env: Envelope) -> None:
    attrs: dict[str, Any] = {k: v for k, v in env.attributes().items()}
    attrs["time"] = env.timestamp
    try:
        CloudEvent(attrs, None)
    except BaseCloudEventException as exc:
        raise EnvelopeError(f"not a valid CloudEvent: {exc}") from exc
