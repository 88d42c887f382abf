"""`fundlink contracts check` finds drift: generated into a temporary tree, never the committed one."""

from __future__ import annotations

import json

import pytest
from contract_fixtures import FEED, Feed, FeedWithOptionalField, FeedWithoutNote, ThingService

from shared.contracts import check, drift, generate


@pytest.fixture
def tree(tmp_path):
    written, refused = generate(tmp_path, schemas={FEED: Feed}, services={"tax": ThingService})
    assert refused == [] and written
    return tmp_path


def schema_file(root):
    return root / "contracts" / "schemas" / f"{FEED}.json"


def test_a_fresh_generation_has_no_drift(tree):
    assert drift(tree, schemas={FEED: Feed}, services={"tax": ThingService}) == []
    for name in ("contracts/asyncapi.yaml", "contracts/openapi/tax.yaml", "contracts/README.md",
                 "deploy/rabbitmq/definitions.json"):
        assert (tree / name).exists(), name


def test_a_hand_edited_schema_is_stale(tree):
    doc = json.loads(schema_file(tree).read_text())
    doc["properties"]["feed_id"]["maxLength"] = 3
    schema_file(tree).write_text(json.dumps(doc))
    assert drift(tree, schemas={FEED: Feed}, services={"tax": ThingService}) == [
        f"stale: contracts/schemas/{FEED}.json differs from what the code generates (run `fundlink contracts "
        "generate`)"]


def test_a_schema_changed_in_code_without_regenerating_is_reported(tree):
    problems = check(tree, schemas={FEED: FeedWithOptionalField}, services={"tax": ThingService})
    assert f"stale: contracts/schemas/{FEED}.json" in "\n".join(problems)
    assert "stale: contracts/asyncapi.yaml" not in "\n".join(problems)  # the payload is a $ref, not a copy
    assert not any(p.startswith("breaking") for p in problems)


def test_a_breaking_change_in_code_is_reported_and_not_written(tree):
    problems = check(tree, schemas={FEED: FeedWithoutNote}, services={"tax": ThingService})
    assert any(p.startswith(f"breaking: {FEED}: note: property removed") for p in problems)
    before = schema_file(tree).read_text()
    written, refused = generate(tree, schemas={FEED: FeedWithoutNote}, services={"tax": ThingService})
    assert refused and schema_file(tree).read_text() == before
    generate(tree, allow_breaking=True, schemas={FEED: FeedWithoutNote}, services={"tax": ThingService})
    assert schema_file(tree).read_text() != before


def test_missing_and_orphan_files_are_reported(tree):
    (tree / "contracts" / "openapi" / "tax.yaml").unlink()
    (tree / "contracts" / "schemas" / "fundlink.nobody.nothing.happened.v1.json").write_text("{}")
    problems = drift(tree, schemas={FEED: Feed}, services={"tax": ThingService})
    assert "missing: contracts/openapi/tax.yaml (run `fundlink contracts generate`)" in problems
    assert "orphan: contracts/schemas/fundlink.nobody.nothing.happened.v1.json has no source in the code" in problems


def test_a_new_route_makes_the_openapi_document_stale(tree):
    from shared.bus.runtime import http

    class MoreThings(ThingService):
        @http("DELETE", "/things/<thing_id>")
        def drop_thing(self, request, thing_id):
            """Drop a thing."""

    assert drift(tree, schemas={FEED: Feed}, services={"tax": MoreThings}) == [
        "stale: contracts/openapi/tax.yaml differs from what the code generates (run `fundlink contracts generate`)"]
