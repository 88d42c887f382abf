"""contracts/asyncapi.yaml validates against the official AsyncAPI 3.0.0 JSON Schema (vendored)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from shared.bus.topology import queue_name
from shared.config import REPO_ROOT

VENDORED = Path(__file__).parent / "vendor" / "asyncapi-3.0.0.json"
DOCUMENT = REPO_ROOT / "contracts" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft7Validator(json.loads(VENDORED.read_text()))


@pytest.fixture(scope="module")
def document():
    return yaml.safe_load(DOCUMENT.read_text())


def test_the_document_is_valid_asyncapi_3(validator, document):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["asyncapi"] == "3.0.0"


@pytest.mark.parametrize("breakage", ["bad action", "channel binding", "missing info"])
def test_the_validator_catches_a_broken_document(validator, document, breakage):
    doc = copy.deepcopy(document)
    if breakage == "bad action":
        next(iter(doc["operations"].values()))["action"] = "publish"  # AsyncAPI 2 wording
    elif breakage == "channel binding":
        next(iter(doc["channels"].values()))["bindings"]["amqp"]["is"] = "topic"
    else:
        del doc["info"]
    assert list(validator.iter_errors(doc))


def _refs(node, found):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.append(node["$ref"])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_every_reference_resolves(document):
    broken = []
    for ref in set(_refs(document, [])):
        if ref.startswith("#/"):
            target = document
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            if target is None:
                broken.append(ref)
        elif not (DOCUMENT.parent / ref).exists():
            broken.append(ref)
    assert broken == []


def test_channels_carry_the_amqp_topology(document):
    channel = document["channels"]["tax.collection.feed_published.v1"]
    exchange = channel["bindings"]["amqp"]["exchange"]
    assert (exchange["name"], exchange["type"], exchange["durable"]) == ("fundlink.events", "topic", True)
    assert channel["x-fundlink-queues"]["hs_center"] == queue_name("hs_center", "tax.collection.feed_published.v1")
    op = document["operations"]["hs_center.receive.tax.collection.feed_published.v1"]
    assert op["x-fundlink-queue"] == "fundlink.hs_center.tax.collection.feed_published.v1"
    assert op["reply"]["channel"] == {"$ref": "#/channels/hs_center.collection.reconciled.v1"}


def test_messages_carry_the_cloudevents_headers(document):
    headers = document["components"]["schemas"]["CloudEventsHeaders"]
    for name in ("ce-id", "ce-source", "ce-specversion", "ce-type", "ce-time", "ce-subject", "ce-dataschema",
                 "ce-correlationid", "ce-region", "ce-signer", "ce-signingkey", "ce-signature"):
        assert name in headers["properties"] and name in headers["required"]
    message = document["components"]["messages"]["tax_collection_feed_published_v1"]
    assert message["headers"]["allOf"][0] == {"$ref": "#/components/schemas/CloudEventsHeaders"}
    assert message["headers"]["allOf"][1]["properties"]["ce-signer"] == {"const": "tax"}
