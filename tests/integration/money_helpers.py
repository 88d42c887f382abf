"""What the money-cycle integration tests share: services on a clock the test sets, authenticated calls,
signed events from outside parties, and the queues of parties that run no service."""

from __future__ import annotations

import json

from helpers import publish_envelope, signed, wait_for
from kombu import Connection

from shared.bus.catalogue import catalogue
from shared.bus.topology import service_queue

PROVINCE = "460000"


def on_clock(service_cls: type, clock: dict, attr: str = "clock") -> type:
    """``service_cls`` reading ``clock["now"]`` (set by the test) instead of the wall clock through ``attr``
    (tax's chain steps read ``chain_clock``)."""
    return type(service_cls.__name__, (service_cls,), {attr: lambda self: clock["now"]})


def call(fleet, agency, method, path, body=None, expect=(200, 201, 202), role=None):
    """An officer's request; fails the test on a status outside ``expect``. Returns the JSON answer."""
    r = fleet.call(method, agency, path, json=body, timeout=15, role=role)
    assert r.status_code in expect, f"{agency} {method} {path}: {r.status_code} {r.text}"
    return r.json()


def send_as(keys_dir, amqp_uri, party, event_type, data, subject, region=PROVINCE):
    """``party`` publishes ``event_type`` signed with its own key."""
    publish_envelope(amqp_uri, signed(keys_dir, party, event_type, data, subject=subject, region=region))


def party_inbox(amqp_uri, party, event_type):
    """A party that runs no service (government, treasury, institution): its adapter's queue for
    ``event_type``, declared and emptied here."""
    queue = service_queue(party, catalogue().event(event_type).routing_key)
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        queue(channel).declare()
        queue(channel).purge()
        channel.close()
    return queue


def take_one(amqp_uri, queue, what=None):
    """The next message on ``queue``, waited for."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        try:
            return wait_for(lambda: queue(channel).get(no_ack=True), message=what or f"a message on {queue.name}")
        finally:
            channel.close()


def take(amqp_uri, queue):
    """The next message on ``queue`` as (headers, JSON body)."""
    message = take_one(amqp_uri, queue)
    return message.headers, json.loads(message.body)
