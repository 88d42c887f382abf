"""Every hand-off of the boundary tables is a published contract: event type, JSON Schema, AsyncAPI entry.

The JSON Schema and AsyncAPI payload checks name each event type still missing a producer
schema; they pass once every flow has written its schemas.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from shared.bus.catalogue import catalogue
from shared.config import REPO_ROOT

CONTRACTS = REPO_ROOT / "contracts"
DOMAIN_DOC = Path(os.environ.get("FUNDLINK_DOMAIN_DOC", "/work/shared/docs/domain.md"))


def asyncapi() -> dict:
    return yaml.safe_load((CONTRACTS / "asyncapi.yaml").read_text())


def test_the_catalogue_holds_ho_01_to_ho_42_each_with_a_versioned_event_type():
    cat = catalogue()
    assert sorted(cat.handoffs) == [f"HO-{n:02d}" for n in range(1, 43)]
    without = [h.id for h in cat.handoffs.values() if not h.events]
    assert without == [], f"hand-offs without an event type: {without}"
    for event in cat.events.values():
        assert re.fullmatch(r"fundlink\.[a-z_]+\.[a-z_]+\.[a-z_]+\.v[1-9]\d*", event.type), event.type


@pytest.mark.skipif(not DOMAIN_DOC.exists(), reason=f"domain guide not at {DOMAIN_DOC} (set FUNDLINK_DOMAIN_DOC)")
def test_every_hand_off_named_in_the_domain_guide_is_in_the_catalogue():
    named = set(re.findall(r"\bHO-\d{2}\b", DOMAIN_DOC.read_text()))
    assert len(named) == 42
    missing = sorted(named - set(catalogue().handoffs))
    assert missing == [], f"in domain.md but not in the catalogue: {missing}"


def test_every_event_type_has_a_committed_json_schema():
    missing = [f"{e.handoff} {e.type} (producer {e.producer})" for e in catalogue().events.values()
               if not (CONTRACTS / "schemas" / f"{e.type}.json").exists()]
    assert missing == [], f"{len(missing)} event types have no JSON Schema in contracts/schemas/:\n" + \
        "\n".join(missing)


def test_every_event_type_has_an_asyncapi_channel_message_and_operations():
    doc, problems = asyncapi(), []
    for e in catalogue().events.values():
        channel = doc["channels"].get(e.routing_key)
        if channel is None:
            problems.append(f"{e.type}: no channel")
            continue
        if channel["address"] != f"{e.routing_key}.{{region}}":
            problems.append(f"{e.type}: address {channel['address']}")
        if not channel["messages"]:
            problems.append(f"{e.type}: channel has no message")
        if f"{e.producer}.send.{e.routing_key}" not in doc["operations"]:
            problems.append(f"{e.type}: no send operation for {e.producer}")
        for consumer in e.consumers:
            if f"{consumer}.receive.{e.routing_key}" not in doc["operations"]:
                problems.append(f"{e.type}: no receive operation for {consumer}")
    assert problems == [], "\n".join(problems)


def test_every_asyncapi_message_carries_its_payload_schema():
    doc, missing = asyncapi(), []
    for e in catalogue().events.values():
        message = doc["components"]["messages"][e.routing_key.replace(".", "_")]
        ref = message.get("payload", {}).get("$ref")
        if ref is None or not (CONTRACTS / ref).exists():
            missing.append(f"{e.handoff} {e.type}")
    assert missing == [], f"{len(missing)} AsyncAPI messages have no payload schema:\n" + "\n".join(missing)


def test_replies_in_the_table_are_replies_in_the_asyncapi_document():
    doc, cat, problems = asyncapi(), catalogue(), []
    for e in cat.events.values():
        if not e.replies_to:
            continue
        request = cat.event(e.replies_to)
        op = doc["operations"].get(f"{e.producer}.receive.{request.routing_key}")
        if op is None:
            continue  # the answering party does not receive the request itself (e.g. a forwarded reply)
        if e.type not in op.get("x-fundlink-replies", []) or "reply" not in op:
            problems.append(f"{e.type} answers {request.type} but {e.producer}'s receive operation has no reply")
    assert problems == [], "\n".join(problems)


def test_outside_parties_sends_say_how_they_get_in():
    doc, cat = asyncapi(), catalogue()
    for e in cat.events.values():
        op = doc["operations"][f"{e.producer}.send.{e.routing_key}"]
        if cat.agencies[e.producer].service:
            assert "x-fundlink-way-in" not in op
        else:
            assert f"fundlink party send --as {e.producer}" in op["x-fundlink-way-in"]
