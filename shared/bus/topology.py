"""Exchanges and queues, declared the same way by every process that touches them.

One topic exchange carries every hand-off; routing keys are ``<event>.v<N>.<region>``.
Each consumer of an event type has its own quorum queue, so a poison message of one
type never blocks another, and queue depth is visible per hand-off.
"""

from __future__ import annotations

from kombu import Exchange, Queue

EVENTS_EXCHANGE = "fundlink.events"
DEAD_LETTER_EXCHANGE = "fundlink.dlx"
DEFAULT_DELIVERY_LIMIT = 5

events_exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)
dead_letter_exchange = Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)


def queue_name(agency: str, routing_key: str) -> str:
    """``fundlink.public_security.healthcare_security.case.transferred_to_police.v1``."""
    return f"fundlink.{agency}.{routing_key}"


def dead_letter_queue_name(agency: str) -> str:
    return f"fundlink.{agency}.dlq"


def service_queue_arguments(agency: str, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> dict:
    # RabbitMQ 3.10 has no default delivery limit: set one, and dead-letter
    # at-least-once (needs reject-publish overflow) so nothing is dropped.
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": agency,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def service_queue(agency: str, routing_key: str, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> Queue:
    return Queue(
        queue_name(agency, routing_key),
        exchange=events_exchange,
        routing_key=f"{routing_key}.#",
        durable=True,
        queue_arguments=service_queue_arguments(agency, delivery_limit),
    )


def dead_letter_queue(agency: str) -> Queue:
    return Queue(
        dead_letter_queue_name(agency),
        exchange=dead_letter_exchange,
        routing_key=agency,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


def declare_agency(channel, agency: str, routing_keys, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> None:
    """Declare the exchanges, the agency's dead-letter queue and its service queues."""
    events_exchange(channel).declare()
    dead_letter_exchange(channel).declare()
    dead_letter_queue(agency)(channel).declare()
    for key in routing_keys:
        service_queue(agency, key, delivery_limit)(channel).declare()
