"""contracts/asyncapi.yaml: every hand-off as an AsyncAPI 3.0 channel, message and operations.

One channel per event type. Its address is the routing key with the region as a
parameter; its AMQP binding is the topic exchange. The producer has a ``send``
operation, each consumer a ``receive`` operation on its own queue
(shared/bus/topology.py), and a reply in the table becomes the ``reply`` of the
operation that receives the request.
"""

from __future__ import annotations

from shared.bus.catalogue import Catalogue, EventType
from shared.bus.envelope import CONTENT_TYPE, SCHEMA_URN, SPECVERSION, source_for
from shared.bus.topology import DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE, queue_name

from .describe import deadline_text, legal_basis_text

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING_VERSION = "0.3.0"
REGION_PATTERN = r"^\d{6}$"
CE_HEADERS_SCHEMA = "CloudEventsHeaders"


def cloudevents_headers() -> dict:
    """The CloudEvents attributes as AMQP headers (``ce-`` prefix, CloudEvents AMQP binding)."""
    text = {"type": "string"}
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes as AMQP application properties, plus fundlink's "
                       "signature extension. The signature covers every attribute but itself and the body hash.",
        "properties": {
            "ce-id": {**text, "description": "unique event id (uuid); the consumers' inbox key"},
            "ce-source": {**text, "pattern": "^/fundlink/[a-z_]+$", "description": "/fundlink/<producer>"},
            "ce-specversion": {"const": SPECVERSION},
            "ce-type": {**text, "description": "fundlink.<producer>.<matter>.<verb>.v<N>"},
            "ce-time": {**text, "format": "date-time"},
            "ce-subject": {**text, "description": "the matter's id (feed, case, plan …)"},
            "ce-dataschema": {**text, "description": f"{SCHEMA_URN}<type>: the payload's JSON Schema"},
            "ce-correlationid": {**text, "description": "ties a reply to its request"},
            "ce-region": {**text, "pattern": REGION_PATTERN, "description": "6-digit region code"},
            "ce-signer": {**text, "description": "party whose key signed; must be the catalogue's producer"},
            "ce-signingkey": {**text, "pattern": "^[0-9a-f]{16}$", "description": "key id of the signer"},
            "ce-signature": {**text, "description": "Ed25519 signature, base64"},
        },
        "required": ["ce-id", "ce-source", "ce-specversion", "ce-type", "ce-time", "ce-subject",
                     "ce-dataschema", "ce-correlationid", "ce-region", "ce-signer", "ce-signingkey",
                     "ce-signature"],
    }


def _message_id(event: EventType) -> str:
    return event.routing_key.replace(".", "_")


def _channel(event: EventType, message: dict) -> dict:
    mid = _message_id(event)
    return {
        "address": f"{event.routing_key}.{{region}}",
        "title": event.type,
        "summary": f"{event.handoff}: {event.summary}"[:400],
        "parameters": {"region": {"description": "6-digit administrative region code (行政区划代码) "
                                                 "of the matter, e.g. 460100"}},
        "messages": {mid: {"$ref": f"#/components/messages/{mid}"}},
        "bindings": {"amqp": {
            "is": "routingKey",
            "exchange": {"name": EVENTS_EXCHANGE, "type": "topic", "durable": True, "autoDelete": False,
                         "vhost": "/"},
            "bindingVersion": AMQP_BINDING_VERSION,
        }},
        "x-fundlink-binding-key": event.binding_key,
        "x-fundlink-queues": {c: queue_name(c, event.routing_key) for c in event.consumers},
    }


def _message(cat: Catalogue, event: EventType, payload_ref: str | None) -> dict:
    handoff = cat.handoffs[event.handoff]
    headers = {"allOf": [
        {"$ref": f"#/components/schemas/{CE_HEADERS_SCHEMA}"},
        {"type": "object", "properties": {
            "ce-type": {"const": event.type},
            "ce-source": {"const": source_for(event.producer)},
            "ce-signer": {"const": event.producer},
            "ce-dataschema": {"const": SCHEMA_URN + event.type},
        }},
    ]}
    message = {
        "name": event.type,
        "title": f"{event.handoff} {handoff.title}",
        "summary": event.summary,
        "contentType": CONTENT_TYPE,
        "headers": headers,
        "correlationId": {"location": "$message.header#/ce-correlationid"},
        "bindings": {"amqp": {"messageType": event.type, "bindingVersion": AMQP_BINDING_VERSION}},
        "x-handoff": event.handoff,
        "x-producer": event.producer,
        "x-consumers": list(event.consumers),
        "x-role": event.role,
        "x-deadline": deadline_text(handoff.deadline),
        "x-legal-basis": legal_basis_text(handoff),
    }
    if payload_ref:
        message["payload"] = {"$ref": payload_ref}
    else:
        # Named so that readers and the completeness test see the gap, instead of a dangling $ref.
        message["x-fundlink-contract"] = "missing: the producer has no marshmallow schema for this type yet"
    if event.replies_to:
        message["x-replies-to"] = cat.event(event.replies_to).type
    return message


def _operation(cat: Catalogue, action: str, agency: str, event: EventType) -> dict:
    cid, mid = event.routing_key, _message_id(event)
    op = {
        "action": action,
        "channel": {"$ref": f"#/channels/{cid}"},
        "title": f"{agency} {action}s {event.name}",
        "messages": [{"$ref": f"#/channels/{cid}/messages/{mid}"}],
        "x-fundlink-agency": agency,
    }
    if action == "send":
        op["bindings"] = {"amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING_VERSION}}
        if not cat.agencies[agency].service:
            op["x-fundlink-way-in"] = (f"{agency} runs no fundlink service: it signs with its own key and "
                                       f"publishes with `fundlink party send --as {agency} {event.type} "
                                       "payload.json --subject ID` (or shared.bus.publish)")
    else:
        op["x-fundlink-queue"] = queue_name(agency, event.routing_key)
        op["x-fundlink-dead-letters"] = f"{DEAD_LETTER_EXCHANGE} → fundlink.{agency}.dlq"
        op["bindings"] = {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING_VERSION}}
    return op


def operation_id(action: str, agency: str, event: EventType) -> str:
    return f"{agency}.{action}.{event.routing_key}"


def asyncapi_document(cat: Catalogue, payload_refs: dict[str, str]) -> dict:
    """The whole document; ``payload_refs`` maps event type → $ref of its JSON Schema file."""
    channels, messages, operations = {}, {}, {}
    for event in cat.events.values():
        mid = _message_id(event)
        messages[mid] = _message(cat, event, payload_refs.get(event.type))
        channels[event.routing_key] = _channel(event, messages[mid])
        operations[operation_id("send", event.producer, event)] = _operation(cat, "send", event.producer, event)
        for consumer in event.consumers:
            operations[operation_id("receive", consumer, event)] = _operation(cat, "receive", consumer, event)
    for event in cat.events.values():
        if not event.replies_to:
            continue
        request = cat.event(event.replies_to)
        receiver = operations.get(operation_id("receive", event.producer, request))
        if receiver is None:  # the answering party is not a consumer of the request
            continue
        reply = {"channel": {"$ref": f"#/channels/{event.routing_key}"},
                 "messages": [{"$ref": f"#/channels/{event.routing_key}/messages/{_message_id(event)}"}]}
        # AsyncAPI allows one reply per operation; further replies are listed beside it.
        if "reply" not in receiver:
            receiver["reply"] = reply
        receiver.setdefault("x-fundlink-replies", []).append(event.type)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:fundlink:handoffs",
        "info": {
            "title": "fundlink hand-offs (职责边界表)",
            "version": "1.0.0",
            "description": ("Every hand-off of the boundary tables between the agencies sharing the "
                            "medical-insurance fund (医保基金), as signed CloudEvents over RabbitMQ. "
                            "Generated from contracts/boundary/handoffs.yaml and the producers' schemas "
                            "by `fundlink contracts generate`; do not edit."),
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"local": {
            "host": "127.0.0.1:5672", "protocol": "amqp", "protocolVersion": "0.9.1", "pathname": "/",
            "description": "Each agency connects as its own user fundlink_<agency> "
                           "(deploy/rabbitmq/definitions.json).",
        }},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": {CE_HEADERS_SCHEMA: cloudevents_headers()}, "messages": messages},
    }

