"""One JSON Schema (2020-12) per event type, from the producer's marshmallow schema.

Producers' schemas are found through the ``fundlink.event_schemas`` entry points, so
``shared`` never imports a service.
"""

from __future__ import annotations

import copy
import json
from importlib.metadata import entry_points

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import RAISE, Schema

from shared.bus.catalogue import catalogue
from shared.bus.envelope import SCHEMA_URN

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def event_schemas() -> dict[str, type[Schema]]:
    """Every producer's event payload schema, keyed by full CloudEvents type."""
    found: dict[str, type[Schema]] = {}
    owner: dict[str, str] = {}
    cat = catalogue()
    for ep in entry_points(group="fundlink.event_schemas"):
        for schema in ep.load():
            spec = cat.event(schema.event_type)
            outside = ep.name == "outside_parties" and not cat.agencies[spec.producer].service
            if spec.producer != ep.name and not outside:
                raise ValueError(f"{ep.value} declares {spec.type}, whose producer is {spec.producer}, not {ep.name}")
            if spec.type in found and found[spec.type] is not schema:
                # Two flows writing the same outside party's event: one contract must win, say which.
                raise ValueError(f"{spec.type} is declared twice: {owner[spec.type]} and "
                                 f"{schema.__module__}.{schema.__qualname__}")
            found[spec.type] = schema
            owner[spec.type] = f"{schema.__module__}.{schema.__qualname__}"
    return dict(sorted(found.items()))


def converter() -> tuple[APISpec, MarshmallowPlugin]:
    """An apispec with the marshmallow plugin; schemas are named after their class."""
    plugin = MarshmallowPlugin(schema_name_resolver=lambda s: (s if isinstance(s, type) else type(s)).__name__)
    spec = APISpec(title="fundlink", version="1", openapi_version="3.1.0", plugins=[plugin])
    return spec, plugin


def close_objects(node, strict: bool) -> None:
    """``additionalProperties: false`` on every object of a schema that refuses unknown fields."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node and strict:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            close_objects(value, strict)
    elif isinstance(node, list):
        for value in node:
            close_objects(value, strict)


def rewrite_refs(node, target: str = "#/$defs/"):
    if isinstance(node, dict):
        return {k: (v.replace("#/components/schemas/", target) if k == "$ref" else rewrite_refs(v, target))
                for k, v in node.items()}
    if isinstance(node, list):
        return [rewrite_refs(v, target) for v in node]
    return node


def is_strict(schema_cls: type[Schema]) -> bool:
    meta = getattr(schema_cls, "Meta", None)
    return getattr(meta, "unknown", RAISE) == RAISE


def json_schema(schema_cls: type[Schema]) -> dict:
    """A self-contained JSON Schema (2020-12) for one event payload."""
    spec, plugin = converter()
    body = plugin.converter.schema2jsonschema(schema_cls)
    defs = copy.deepcopy(spec.to_dict().get("components", {}).get("schemas", {}))
    doc = {"$schema": JSON_SCHEMA_DIALECT, **rewrite_refs(body)}
    if defs:
        doc["$defs"] = rewrite_refs(defs)
    close_objects(doc, is_strict(schema_cls))
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


def render_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
