"""Helpers for integration tests: feeds, raw publishes, outbox and dead-letter reads."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from kombu import Connection

from shared.bus.dead_letters import DeadLetterQueue
from shared.bus.envelope import new_envelope
from shared.bus.outbox import ConfirmingPublisher, OutMessage
from shared.bus.signing import load_signer
from shared.bus.topology import EVENTS_EXCHANGE


def wait_for(predicate, timeout=30.0, interval=0.1, message="condition"):
    """Poll until predicate() is truthy; fail with a message, never assert a duration."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = predicate()
        if last:
            return last
        time.sleep(interval)  # green under eventlet's monkey patch
    raise AssertionError(f"timed out waiting for {message} (last value: {last!r})")


FEED_TYPE = "fundlink.tax.collection.feed_published.v1"
RECONCILED_TYPE = "fundlink.hs_center.collection.reconciled.v1"


def feed_payload(feed_id=None, period="2026-10", employee_fen=1_000_000, resident_fen=50_000):
    return {
        "feed_id": feed_id or f"FEED-{uuid.uuid4().hex[:10]}", "region_code": "460100", "region_level": "city",
        "period": period, "treasury_code": "HK-0101", "generated_at": "2026-11-02T09:00:00+08:00",
        "lines": [
            {"scheme": "employee", "payer_count": 2, "insured_person_count": 10, "amount_collected_fen": employee_fen,
             "refunds_fen": 0, "arrears_fen": 0, "late_surcharge_fen": 0},
            {"scheme": "resident", "payer_count": 1, "insured_person_count": 5, "amount_collected_fen": resident_fen,
             "refunds_fen": 0, "arrears_fen": 0, "late_surcharge_fen": 0},
        ],
    }


def registry(employee_fen=1_000_000, resident_fen=50_000):
    return {"entries": [
        {"payer_id": "91460100MA5T000001", "scheme": "employee", "region_code": "460100",
         "insured_person_count": 10, "monthly_due_fen": employee_fen},
        {"payer_id": "91460100MA5T000009", "scheme": "resident", "region_code": "460100",
         "insured_person_count": 5, "monthly_due_fen": resident_fen},
    ]}


def signed(keys_dir, party, event_type, data, subject="S-1", region="460100", event_id=None):
    env = new_envelope(agency=party, event_type=event_type, data=data, subject=subject, correlation_id=subject,
                       region=region, event_id=event_id)
    return load_signer(party, keys_dir).sign_envelope(env)


def publish_raw(amqp_uri, routing_key, headers, body, content_type="application/json", message_id=None):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        result = publisher.publish([OutMessage(0, message_id or str(uuid.uuid4()), EVENTS_EXCHANGE, routing_key,
                                               headers, body, content_type)])
    finally:
        publisher.close()
    assert result.sent == [0], f"test publish not routed: {result}"


def publish_envelope(amqp_uri, env):
    publish_raw(amqp_uri, env.routing_key, env.amqp_headers(), env.body, message_id=env.id)


def dead_letters(amqp_uri, agency):
    return DeadLetterQueue(amqp_uri, agency).list(limit=1000)


def count(db, table, where=None):
    with db.engine.connect() as conn:
        q = sa.select(sa.func.count()).select_from(sa.table(table))
        if where is not None:
            q = q.where(sa.text(where))
        return conn.execute(q).scalar_one()


def outbox_rows(db, event_type=None):
    with db.engine.connect() as conn:
        q = "SELECT event_id, event_type, sent_at, attempts, last_error FROM fundlink_outbox"
        params = {}
        if event_type:
            q += " WHERE event_type = :t"
            params["t"] = event_type
        return [dict(r._mapping) for r in conn.execute(sa.text(q + " ORDER BY id"), params)]


def metric_value(fleet, agency, name, **labels):
    text = fleet.get(agency, "/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def broker_queue_depth(amqp_uri, queue):
    return broker_queue_state(amqp_uri, queue).message_count


def broker_queue_state(amqp_uri, queue):
    """The broker's answer to a passive declare: message_count (ready) and consumer_count."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        try:
            return channel.queue_declare(queue, passive=True)
        finally:
            channel.close()


def delete_agency_queues(amqp_uri: str, agency: str) -> None:
    from shared.bus.topology import delete_agency_queues as delete

    delete(amqp_uri, [agency])
