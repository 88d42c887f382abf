"""The checks every delivery passes before a handler sees it.

Pure apart from reading contract files: decode → envelope → signature → producer
authorisation → contract validation → clock window. Each failure is a ``Rejected``
with a reason an operator can act on; the adapter dead-letters it with that reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

from shared.bus.catalogue import Catalogue, UnknownEventType
from shared.bus.envelope import CONTENT_TYPE, Envelope, EnvelopeError, agency_of_source, from_amqp
from shared.bus.signing import KeyRegistry, SignatureError
from shared.config import REPO_ROOT

CONTRACT_SCHEMAS_DIR = REPO_ROOT / "contracts" / "schemas"


class Rejected(Exception):
    """A delivery that must go to the dead-letter queue without reaching a handler."""

    def __init__(self, kind: str, reason: str):
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason


@lru_cache(maxsize=512)
def _validator(path: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(Path(path).read_text()))


def contract_errors(event_type: str, data, schemas_dir: Path = CONTRACT_SCHEMAS_DIR) -> list[str]:
    """Violations of the published JSON Schema, each as 'field: rule'."""
    path = schemas_dir / f"{event_type}.json"
    if not path.exists():
        return [f"no published contract {path.name} for this event type"]
    errors = sorted(_validator(str(path)).iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}" for e in errors]


@dataclass
class DeliveryCheck:
    agency: str
    catalogue: Catalogue
    keys: KeyRegistry
    max_body_bytes: int = 8 * 1024 * 1024
    max_age: timedelta = timedelta(days=30)
    max_skew: timedelta = timedelta(minutes=5)
    schemas_dir: Path = CONTRACT_SCHEMAS_DIR

    def open(self, headers, content_type: str | None, body: bytes, now: datetime | None = None) -> Envelope:
        now = now or datetime.now(UTC)
        if content_type != CONTENT_TYPE:
            raise Rejected("content_type", f"content type {content_type!r} is not {CONTENT_TYPE}")
        if len(body) > self.max_body_bytes:
            raise Rejected("oversized", f"body of {len(body)} bytes exceeds {self.max_body_bytes}")
        try:
            env = from_amqp(headers, content_type, body)
        except EnvelopeError as exc:
            raise Rejected("envelope", str(exc)) from exc
        try:
            spec = self.catalogue.event(env.type)
        except UnknownEventType as exc:
            raise Rejected("unknown_type", str(exc)) from exc
        if self.agency not in spec.consumers:
            raise Rejected("not_addressed", f"{self.agency} is not a consumer of {env.type} in the boundary table")
        try:
            signer = self.keys.verify(env)
        except SignatureError as exc:
            raise Rejected("signature", str(exc)) from exc
        if signer != spec.producer or agency_of_source(env.source) != signer:
            raise Rejected(
                "not_producer",
                f"signed by {signer!r} (source {env.source}), but the boundary table names "
                f"{spec.producer!r} as the only producer of {env.type} ({spec.handoff})",
            )
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Rejected("undecodable", f"body is not valid JSON: {exc}") from exc
        errors = contract_errors(env.type, data, self.schemas_dir)
        if errors:
            raise Rejected("schema", "payload breaks the contract: " + "; ".join(errors[:10]))
        sent = env.timestamp
        if sent > now + self.max_skew:
            raise Rejected("clock", f"ce-time {env.time} is in the future (beyond {self.max_skew})")
        if sent < now - self.max_age:
            raise Rejected("clock", f"ce-time {env.time} is older than {self.max_age.days} days")
        return env
