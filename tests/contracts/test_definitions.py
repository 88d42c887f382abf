"""deploy/rabbitmq/definitions.json gives each party only the routing keys and queues the table gives it."""

from __future__ import annotations

import json
import re

import pytest

from shared.bus.catalogue import catalogue
from shared.bus.topology import service_queue_arguments
from shared.config import REPO_ROOT
from shared.contracts.broker import definitions, password_hash, user_name

COMMITTED = REPO_ROOT / "deploy" / "rabbitmq" / "definitions.json"


@pytest.fixture(scope="module")
def doc():
    return definitions(catalogue())


def by_user(entries, party):
    return next(e for e in entries if e["user"] == user_name(party))


def test_tax_may_publish_its_own_keys_and_no_public_security_key(doc):
    cat = catalogue()
    write = re.compile(by_user(doc["topic_permissions"], "tax")["write"])
    for e in cat.produced_by("tax"):
        assert write.match(f"{e.routing_key}.460100"), e.routing_key
    others = [e for e in cat.events.values() if e.producer != "tax"]
    assert [e.type for e in others if write.match(f"{e.routing_key}.460100")] == []
    police = [e for e in cat.produced_by("public_security")]
    assert police and not any(write.match(f"{e.routing_key}.460100") for e in police)
    assert not write.match("tax.collection.feed_published.v1")  # a region is always appended
    assert not write.match("tax.collection.feed_published.v1.460100.extra")


def test_each_party_binds_only_the_keys_it_consumes(doc):
    cat = catalogue()
    for party in ("tax", "hs_center", "public_security", "treasury"):
        read = re.compile(by_user(doc["topic_permissions"], party)["read"])
        for e in cat.events.values():
            assert bool(read.match(e.binding_key)) == (party in e.consumers), (party, e.type)


def test_ordinary_permissions_stop_at_the_partys_own_queues(doc):
    perms = by_user(doc["permissions"], "tax")
    for kind in ("configure", "write", "read"):
        pattern = re.compile(perms[kind])
        assert pattern.match("fundlink.tax.hs_center.collection.reconciled.v1")
        assert pattern.match("fundlink.tax.dlq")
        assert pattern.match("fundlink.events") and pattern.match("fundlink.dlx")
        assert not pattern.match("fundlink.public_security.healthcare_security.case.transferred_to_police.v1")
        assert not pattern.match("fundlink.tax_other.x")
        assert not pattern.match("amq.default")  # it would reach any queue by name


def test_every_consumer_queue_has_the_service_queue_arguments_and_binding(doc):
    cat = catalogue()
    queues = {q["name"]: q for q in doc["queues"]}
    bindings = {(b["destination"], b["routing_key"]) for b in doc["bindings"]}
    for e in cat.events.values():
        for consumer in e.consumers:
            name = f"fundlink.{consumer}.{e.routing_key}"
            assert queues[name]["arguments"] == service_queue_arguments(consumer)
            assert (name, e.binding_key) in bindings
    for party in {c for e in cat.events.values() for c in e.consumers}:
        assert queues[f"fundlink.{party}.dlq"]["arguments"] == {"x-queue-type": "quorum"}
        assert (f"fundlink.{party}.dlq", party) in bindings


def test_one_user_per_party_and_never_a_password_in_the_repository():
    committed = json.loads(COMMITTED.read_text())
    names = {u["name"] for u in committed["users"]}
    assert {"fundlink_tax", "fundlink_public_security", "fundlink_treasury"} <= names
    assert "guest" not in names
    assert all(u["password_hash"] == "" and "password" not in u for u in committed["users"])


def test_passwords_are_hashed_the_way_rabbitmq_does():
    # The worked example of RabbitMQ's documentation (passwords.html): salt 908DC60A, password test12.
    assert password_hash("test12", bytes.fromhex("908DC60A")) == "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR"
    doc = definitions(catalogue(), passwords={"tax": "s3cret"})
    tax = next(u for u in doc["users"] if u["name"] == "fundlink_tax")
    assert tax["password_hash"] and "s3cret" not in json.dumps(doc)
