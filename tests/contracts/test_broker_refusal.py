"""With the definitions loaded into the real RabbitMQ, the broker itself refuses a tax process
that publishes a police event or binds to one. Needs the management plugin (rabbitmq_management)."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import unquote, urlparse

import amqp
import pytest
import requests

from shared.bus.catalogue import catalogue
from shared.bus.topology import EVENTS_EXCHANGE
from shared.contracts.broker import apply, definitions, management_settings, user_name

pytestmark = pytest.mark.integration
PARTIES = ("tax", "public_security")


def vhost_of(uri: str) -> str:
    path = urlparse(uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


@pytest.fixture(scope="module")
def loaded(amqp_uri):
    url, auth = management_settings()
    try:
        requests.get(f"{url}/api/overview", auth=auth, timeout=5).raise_for_status()
    except Exception as exc:
        pytest.fail(f"RabbitMQ management API not reachable at {url}: {exc}. "
                    "Enable it: rabbitmq-plugins enable rabbitmq_management")
    vhost = vhost_of(amqp_uri)
    passwords = {p: secrets.token_urlsafe(16) for p in PARTIES}
    doc = definitions(catalogue(), vhost, passwords)
    # Only these two users, their permissions and the exchanges: the guest user and other queues stay as they are.
    mine = {user_name(p) for p in PARTIES}
    apply({"users": [u for u in doc["users"] if u["name"] in mine], "vhosts": doc["vhosts"],
           "permissions": [p for p in doc["permissions"] if p["user"] in mine],
           "topic_permissions": [p for p in doc["topic_permissions"] if p["user"] in mine],
           "exchanges": doc["exchanges"]})
    return urlparse(amqp_uri), vhost, passwords


def connect(loaded, party):
    uri, vhost, passwords = loaded
    conn = amqp.Connection(f"{uri.hostname}:{uri.port or 5672}", userid=user_name(party),
                           password=passwords[party], virtual_host=vhost, confirm_publish=True, connect_timeout=5)
    conn.connect()
    return conn


def publish(conn, routing_key):
    channel = conn.channel()
    channel.basic_publish(amqp.Message(b"{}", content_type="application/json"), exchange=EVENTS_EXCHANGE,
                          routing_key=routing_key)


def test_tax_may_publish_its_own_event(loaded):
    conn = connect(loaded, "tax")
    try:
        publish(conn, "tax.collection.feed_published.v1.460100")  # confirmed, or it raises
    finally:
        conn.close()


def test_the_broker_refuses_a_police_event_from_tax(loaded):
    conn = connect(loaded, "tax")
    try:
        with pytest.raises(amqp.exceptions.AccessRefused) as refused:
            publish(conn, "public_security.case.receipt_signed.v1.460100")
        assert "ACCESS_REFUSED" in str(refused.value)
        assert "public_security.case.receipt_signed.v1.460100" in str(refused.value)
    finally:
        conn.close()


def test_the_police_may_publish_that_event(loaded):
    conn = connect(loaded, "public_security")
    try:
        publish(conn, "public_security.case.receipt_signed.v1.460100")
    finally:
        conn.close()


def test_tax_may_not_bind_a_queue_to_police_events(loaded):
    conn = connect(loaded, "tax")
    try:
        channel = conn.channel()
        queue = f"fundlink.tax.probe-{uuid.uuid4().hex[:8]}"
        channel.queue_declare(queue, exclusive=True, auto_delete=True)
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel.queue_bind(queue, EVENTS_EXCHANGE, "healthcare_security.case.transferred_to_police.v1.#")
    finally:
        conn.close()


def test_tax_may_not_declare_a_queue_of_another_agency(loaded):
    conn = connect(loaded, "tax")
    try:
        with pytest.raises(amqp.exceptions.AccessRefused):
            conn.channel().queue_declare(f"fundlink.public_security.probe-{uuid.uuid4().hex[:8]}", auto_delete=True)
    finally:
        conn.close()
