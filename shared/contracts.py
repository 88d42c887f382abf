"""Published contracts, generated from code: one JSON Schema per event type.

Producers' marshmallow schemas are the source; they are found through the
``fundlink.event_schemas`` entry points, so ``shared`` never imports a service.
``check`` regenerates in memory and reports drift against what is committed.
"""

from __future__ import annotations

import copy
import json
from importlib.metadata import entry_points
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import RAISE, Schema

from shared.bus.catalogue import catalogue
from shared.bus.envelope import SCHEMA_URN
from shared.config import REPO_ROOT

CONTRACTS_DIR = REPO_ROOT / "contracts"
SCHEMAS_DIR = CONTRACTS_DIR / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def event_schemas() -> dict[str, type[Schema]]:
    """Every producer's event payload schema, keyed by full CloudEvents type."""
    found: dict[str, type[Schema]] = {}
    cat = catalogue()
    for ep in entry_points(group="fundlink.event_schemas"):
        for schema in ep.load():
            spec = cat.event(schema.event_type)
            outside = ep.name == "outside_parties" and not cat.agencies[spec.producer].service
            if spec.producer != ep.name and not outside:
                raise ValueError(f"{ep.value} declares {spec.type}, whose producer is {spec.producer}, not {ep.name}")
            found[spec.type] = schema
    return dict(sorted(found.items()))


def _converter_spec() -> tuple[APISpec, MarshmallowPlugin]:
    plugin = MarshmallowPlugin(schema_name_resolver=lambda s: (s if isinstance(s, type) else type(s)).__name__)
    spec = APISpec(title="fundlink", version="1", openapi_version="3.1.0", plugins=[plugin])
    return spec, plugin


def _close_objects(node, strict: bool) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node and strict:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close_objects(value, strict)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value, strict)


def _rewrite_refs(node):
    if isinstance(node, dict):
        return {k: (v.replace("#/components/schemas/", "#/$defs/") if k == "$ref" else _rewrite_refs(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def json_schema(schema_cls: type[Schema]) -> dict:
    """A self-contained JSON Schema (2020-12) for one event payload."""
    spec, plugin = _converter_spec()
    body = plugin.converter.schema2jsonschema(schema_cls)
    defs = copy.deepcopy(spec.to_dict().get("components", {}).get("schemas", {}))
    strict = schema_cls.Meta.__dict__.get("unknown", RAISE) == RAISE
    doc = {"$schema": JSON_SCHEMA_DIALECT, **_rewrite_refs(body)}
    if defs:
        doc["$defs"] = _rewrite_refs(defs)
    _close_objects(doc, strict)
    return doc


def event_contract(event_type: str, schema_cls: type[Schema]) -> dict:
    spec = catalogue().event(event_type)
    doc = json_schema(schema_cls)
    head = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_URN + spec.type,
        "title": spec.type,
        "description": (schema_cls.__doc__ or spec.summary or "").strip(),
        "x-handoff": spec.handoff,
        "x-producer": spec.producer,
        "x-consumers": list(spec.consumers),
    }
    return {**head, **{k: v for k, v in doc.items() if k != "$schema"}}


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def generated_files() -> dict[Path, str]:
    return {SCHEMAS_DIR / f"{t}.json": render(event_contract(t, s)) for t, s in event_schemas().items()}


def generate() -> list[Path]:
    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in generated_files().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


def drift() -> list[str]:
    """Differences between the committed contracts and what the code generates now."""
    problems = []
    wanted = generated_files()
    for path, text in wanted.items():
        if not path.exists():
            problems.append(f"missing: {path.relative_to(REPO_ROOT)} (run `fundlink contracts generate`)")
        elif path.read_text() != text:
            problems.append(f"stale: {path.relative_to(REPO_ROOT)} differs from the code's schema")
    if SCHEMAS_DIR.exists():
        for path in SCHEMAS_DIR.glob("*.json"):
            if path not in wanted:
                problems.append(f"orphan: {path.relative_to(REPO_ROOT)} has no schema in code")
    return problems
