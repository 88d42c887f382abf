"""deploy/rabbitmq/definitions.json: the broker's users, permissions and topology, from the catalogue.

Every party gets its own user ``fundlink_<party>``. Ordinary permissions limit it to
its own queues and the two exchanges; topic permissions on ``fundlink.events`` let it
publish only the routing keys of the events it produces and bind only the keys it
consumes. So the broker refuses, on its own, a tax process that tries to publish a
police event, whatever the code does.

No password is committed: users carry an empty password hash (no login) until
``fundlink broker apply`` sets one from ``FUNDLINK_BROKER_PASSWORD_<PARTY>`` or a
generated secret.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from pathlib import Path

from shared.bus.catalogue import Catalogue
from shared.bus.topology import (
    DEAD_LETTER_EXCHANGE,
    DEFAULT_DELIVERY_LIMIT,
    EVENTS_EXCHANGE,
    dead_letter_queue_name,
    queue_name,
    service_queue_arguments,
)

HASHING_ALGORITHM = "rabbit_password_hashing_sha256"
MANAGEMENT_URL_ENV = "FUNDLINK_RABBITMQ_MANAGEMENT_URL"
MANAGEMENT_USER_ENV = "FUNDLINK_RABBITMQ_MANAGEMENT_USER"
MANAGEMENT_PASSWORD_ENV = "FUNDLINK_RABBITMQ_MANAGEMENT_PASSWORD"  # noqa: S105 - the variable's name
DEFAULT_MANAGEMENT_URL = "http://127.0.0.1:15672"
NOTHING = "^$"


def user_name(party: str) -> str:
    return f"fundlink_{party}"


def password_env(party: str) -> str:
    return f"FUNDLINK_BROKER_PASSWORD_{party.upper()}"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password)), 4-byte salt."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _alternatives(items) -> str:
    return "|".join(re.escape(i) for i in sorted(items))


def publish_pattern(keys) -> str:
    """Routing keys ``<name>.v<N>.<region>`` of the given ``<name>.v<N>`` keys, nothing else."""
    return rf"^({_alternatives(keys)})\.[^.]+$" if keys else NOTHING


def bind_pattern(keys) -> str:
    """Binding keys ``<name>.v<N>.#`` (or any region) of the given keys."""
    return rf"^({_alternatives(keys)})\.(#|[^.]+)$" if keys else NOTHING


def own_resources(party: str) -> str:
    """The party's queues (``fundlink.<party>.…``) and the two exchanges."""
    return rf"^(fundlink\.{re.escape(party)}\..+|{_alternatives([EVENTS_EXCHANGE, DEAD_LETTER_EXCHANGE])})$"


def parties(cat: Catalogue) -> list[str]:
    """Every party that sends or receives at least one event, in catalogue order."""
    active = {e.producer for e in cat.events.values()} | {c for e in cat.events.values() for c in e.consumers}
    return [a for a in cat.agencies if a in active]


def definitions(cat: Catalogue, vhost: str = "/", passwords: dict[str, str] | None = None,
                delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> dict:
    """The definitions document; ``passwords`` (party → clear text) are hashed, never written as given."""
    passwords = passwords or {}
    users, permissions, topic_permissions, queues, bindings = [], [], [], [], []
    for party in parties(cat):
        user = user_name(party)
        hashed = password_hash(passwords[party]) if party in passwords else ""
        users.append({"name": user, "password_hash": hashed, "hashing_algorithm": HASHING_ALGORITHM, "tags": []})
        own = own_resources(party)
        permissions.append({"user": user, "vhost": vhost, "configure": own, "write": own, "read": own})
        produced = [e.routing_key for e in cat.produced_by(party)]
        consumed = [e.routing_key for e in cat.consumed_by(party)]
        topic_permissions.append({"user": user, "vhost": vhost, "exchange": EVENTS_EXCHANGE,
                                  "write": publish_pattern(produced), "read": bind_pattern(consumed)})
        for event in cat.consumed_by(party):
            name = queue_name(party, event.routing_key)
            queues.append({"name": name, "vhost": vhost, "durable": True, "auto_delete": False,
                           "arguments": service_queue_arguments(party, delivery_limit)})
            bindings.append({"source": EVENTS_EXCHANGE, "vhost": vhost, "destination": name,
                             "destination_type": "queue", "routing_key": event.binding_key, "arguments": {}})
        if consumed:
            dlq = dead_letter_queue_name(party)
            queues.append({"name": dlq, "vhost": vhost, "durable": True, "auto_delete": False,
                           "arguments": {"x-queue-type": "quorum"}})
            bindings.append({"source": DEAD_LETTER_EXCHANGE, "vhost": vhost, "destination": dlq,
                             "destination_type": "queue", "routing_key": party, "arguments": {}})
    exchanges = [
        {"name": EVENTS_EXCHANGE, "vhost": vhost, "type": "topic", "durable": True, "auto_delete": False,
         "internal": False, "arguments": {}},
        {"name": DEAD_LETTER_EXCHANGE, "vhost": vhost, "type": "direct", "durable": True, "auto_delete": False,
         "internal": False, "arguments": {}},
    ]
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": permissions,
            "topic_permissions": topic_permissions, "parameters": [], "global_parameters": [], "policies": [],
            "queues": queues, "exchanges": exchanges, "bindings": bindings}


def passwords_from_env(cat: Catalogue, secrets_dir: Path) -> tuple[dict[str, str], list[Path]]:
    """``FUNDLINK_BROKER_PASSWORD_<PARTY>`` or a new secret kept in ``secrets_dir`` (0600); returns new files."""
    found, written = {}, []
    secrets_dir.mkdir(parents=True, exist_ok=True)
    for party in parties(cat):
        given = os.environ.get(password_env(party))
        path = secrets_dir / f"{user_name(party)}.password"
        if given:
            found[party] = given
        elif path.exists():
            found[party] = path.read_text().strip()
        else:
            found[party] = secrets.token_urlsafe(24)
            path.write_text(found[party] + "\n")
            path.chmod(0o600)
            written.append(path)
    return found, written


def management_settings() -> tuple[str, tuple[str, str]]:
    return (os.environ.get(MANAGEMENT_URL_ENV, DEFAULT_MANAGEMENT_URL).rstrip("/"),
            (os.environ.get(MANAGEMENT_USER_ENV, "guest"), os.environ.get(MANAGEMENT_PASSWORD_ENV, "guest")))


def apply(doc: dict, *, url: str | None = None, auth: tuple[str, str] | None = None, timeout: float = 30) -> None:
    """Load definitions into a running broker (management API ``POST /api/definitions``)."""
    import requests

    default_url, default_auth = management_settings()
    response = requests.post(f"{url or default_url}/api/definitions", json=doc, auth=auth or default_auth,
                             timeout=timeout)
    if response.status_code >= 300:
        raise RuntimeError(f"the broker refused the definitions: HTTP {response.status_code} {response.text[:500]}")
