"""The catalogue's payload field lists against the producers' published JSON Schemas.

The catalogue (handoffs.yaml) names each payload's fields; the producer's marshmallow
schema is what is enforced. This lists where they disagree, so the lead can fix one
side: a field missing from the schema, an extra field, or a different requiredness.
"""

from __future__ import annotations

from shared.bus.catalogue import EventType, Field

_JSON_TYPES = {"string": "string", "date": "string", "datetime": "string", "int": "integer", "fen": "integer",
               "bool": "boolean", "object": "object", "list[string]": "array", "list[object]": "array"}


def _resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node and node["$ref"].startswith("#/$defs/"):
        node = doc.get("$defs", {}).get(node["$ref"].rsplit("/", 1)[1], {})
    return node


def _props(doc: dict, node: dict) -> tuple[dict, set]:
    node = _resolve(doc, node)
    if node.get("type") == "array":
        return _props(doc, node.get("items", {}))
    return node.get("properties", {}), set(node.get("required", []))


def field_differences(event: EventType, schema_doc: dict) -> list[str]:
    """Each disagreement between the catalogue's field list and the JSON Schema (empty: they agree)."""
    out: list[str] = []
    _compare(event.payload, schema_doc, schema_doc, "", out)
    return out


def _compare(fields: tuple[Field, ...], doc: dict, node: dict, prefix: str, out: list[str]) -> None:
    props, required = _props(doc, node)
    listed = {f.name for f in fields}
    for f in fields:
        path = prefix + f.name
        if f.name not in props:
            out.append(f"{path}: in the catalogue, not in the schema")
            continue
        if f.required and f.name not in required:
            out.append(f"{path}: required in the catalogue, optional in the schema")
        elif not f.required and f.name in required:
            out.append(f"{path}: optional in the catalogue, required in the schema")
        _compare_type(f, doc, props[f.name], path, out)
        if f.fields:
            _compare(f.fields, doc, props[f.name], path + ".", out)
    for name in props:
        if name not in listed:
            out.append(f"{prefix}{name}: in the schema, not in the catalogue")


def _compare_type(f: Field, doc: dict, node: dict, path: str, out: list[str]) -> None:
    node = _resolve(doc, node)
    got = node.get("type")
    want = "string" if f.enum_values else _JSON_TYPES.get(f.type)
    if want and got and want != got and not (isinstance(got, list) and want in got):
        out.append(f"{path}: {f.type} in the catalogue, {got} in the schema")
    if f.enum_values and "enum" in node and set(f.enum_values) != set(node["enum"]):
        out.append(f"{path}: enum {sorted(f.enum_values)} in the catalogue, {sorted(node['enum'])} in the schema")
