"""A published version may grow, never break: removed field, changed type, new required field, narrowed enum."""

from __future__ import annotations

import pytest
from contract_fixtures import (
    FEED,
    Feed,
    FeedRequiringNote,
    FeedWithFewerSchemes,
    FeedWithOptionalField,
    FeedWithoutNote,
    FeedWithTextAmount,
)

from shared.contracts import breaking_changes, version_problems
from shared.contracts.payloads import event_contract

FEED_V2 = FEED.replace(".v1", ".v2")


def contract(schema_cls):
    return event_contract(FEED, schema_cls)


def test_an_unchanged_schema_is_compatible():
    assert breaking_changes(contract(Feed), contract(Feed)) == []


def test_a_new_optional_field_is_compatible():
    assert breaking_changes(contract(Feed), contract(FeedWithOptionalField)) == []


@pytest.mark.parametrize(("changed", "expected"), [
    (FeedWithoutNote, "note: property removed"),
    (FeedWithTextAmount, "amount_fen: type changed from integer to string"),
    (FeedRequiringNote, "note: now required (was optional)"),
    (FeedWithFewerSchemes, "scheme: enum narrowed, resident no longer allowed"),
])
def test_a_breaking_change_is_named(changed, expected):
    assert breaking_changes(contract(Feed), contract(changed)) == [expected]


def test_a_new_required_field_is_breaking():
    old = contract(Feed)
    new = {**old, "properties": {**old["properties"], "region": {"type": "string"}},
           "required": [*old["required"], "region"]}
    assert breaking_changes(old, new) == ["region: now required (is new)"]


def test_nested_objects_are_compared_through_refs():
    old = {"type": "object", "properties": {"lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}}},
           "$defs": {"Line": {"type": "object", "properties": {"fen": {"type": "integer"}}, "required": ["fen"]}}}
    new = {"type": "object", "properties": {"lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}}},
           "$defs": {"Line": {"type": "object", "properties": {}, "required": []}}}
    assert breaking_changes(old, new) == ["lines[].fen: property removed"]


def test_a_breaking_change_to_a_published_version_is_an_error():
    problems = version_problems({FEED: contract(Feed)}, {FEED: contract(FeedWithoutNote)})
    assert len(problems) == 1 and problems[0].startswith(f"breaking: {FEED}: note: property removed")


def test_the_same_change_as_a_new_version_is_accepted():
    v2 = {**contract(FeedWithoutNote), "title": FEED_V2}
    assert version_problems({FEED: contract(Feed)}, {FEED: contract(Feed), FEED_V2: v2}) == []
