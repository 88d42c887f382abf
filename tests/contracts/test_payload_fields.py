"""The catalogue's payload field lists against the published JSON Schemas.

Event types with a schema must agree with the catalogue; the full report is printed
(`pytest -s`) so the lead can fix one side. Types without a schema are listed as pending.
"""

from __future__ import annotations

import json

from shared.bus.catalogue import EventType, Field, catalogue
from shared.config import REPO_ROOT
from shared.contracts.catalogue_fields import field_differences

SCHEMAS = REPO_ROOT / "contracts" / "schemas"


def report() -> tuple[dict[str, list[str]], list[str]]:
    differences, pending = {}, []
    for e in catalogue().events.values():
        path = SCHEMAS / f"{e.type}.json"
        if not path.exists():
            pending.append(e.type)
            continue
        found = field_differences(e, json.loads(path.read_text()))
        if found:
            differences[e.type] = found
    return differences, pending


def test_the_field_check_finds_each_kind_of_difference():
    event = EventType("x.y.z", 1, "HO-01", "tax", ("hs_center",), "notice", None, "s", (
        Field("a", "string", True, "d"), Field("b", "int", True, "d"), Field("c", "enum[p,q]", False, "d")))
    schema = {"type": "object", "required": ["b", "c"], "properties": {
        "b": {"type": "string"}, "c": {"type": "string", "enum": ["p"]}, "extra": {"type": "string"}}}
    assert field_differences(event, schema) == [
        "a: in the catalogue, not in the schema",
        "b: int in the catalogue, string in the schema",
        "c: optional in the catalogue, required in the schema",
        "c: enum ['p', 'q'] in the catalogue, ['p'] in the schema",
        "extra: in the schema, not in the catalogue",
    ]


def test_published_schemas_agree_with_the_catalogue_field_lists():
    differences, pending = report()
    lines = [f"{t}: {d}" for t, ds in differences.items() for d in ds]
    print("\n".join(["catalogue vs schema:", *lines, f"pending (no schema yet): {len(pending)}", *pending]))
    assert differences == {}, "catalogue and schema disagree:\n" + "\n".join(lines)
