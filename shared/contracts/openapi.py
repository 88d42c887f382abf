"""contracts/openapi/<agency>.yaml: each service's HTTP API as OpenAPI 3.1.

The routes are read off the nameko service classes (entry points ``fundlink.services``),
request and response bodies off the marshmallow schemas the ``@http`` entrypoints name,
and the error bodies off shared/http.py's error table, so the document says exactly
what a caller will get back.
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import entry_points

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.auth import OPEN_ROUTES, role_table
from shared.http import ERROR_TABLE

from .payloads import close_objects, is_strict

OPENAPI_VERSION = "3.1.0"
_WERKZEUG_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)>")
_CONVERTER_TYPES = {"int": "integer", "float": "number"}


def service_classes() -> dict[str, type]:
    """Agency → nameko service class, from the ``fundlink.services`` entry points."""
    return {ep.name: ep.load() for ep in sorted(entry_points(group="fundlink.services"), key=lambda e: e.name)}


def http_routes(service_cls: type) -> list[tuple[str, object]]:
    """(method name, Http entrypoint) for every ``@http`` route of the class, inherited ones included."""
    routes = []
    for name, fn in inspect.getmembers(service_cls, callable):
        for entrypoint in getattr(fn, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "url") and hasattr(entrypoint, "method"):
                routes.append((name, entrypoint))
    return sorted(routes, key=lambda r: (r[1].url, r[1].method))


def openapi_path(url: str) -> tuple[str, list[dict]]:
    """``/feeds/<feed_id>`` → ``/feeds/{feed_id}`` and its path parameters."""
    params = []
    for m in _WERKZEUG_PARAM.finditer(url):
        params.append({"name": m["name"], "in": "path", "required": True,
                       "schema": {"type": _CONVERTER_TYPES.get(m["conv"] or "", "string")}})
    return _WERKZEUG_PARAM.sub(lambda m: "{" + m["name"] + "}", url), params


def _codes(status: int) -> list[str]:
    return sorted(code for cls, st, code in ERROR_TABLE if st == status)


def error_schemas() -> dict[str, dict]:
    """Error bodies as shared/http.py writes them: ``error`` (a code), ``message`` and, for 422, ``fields``."""
    base = {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string", "description": "machine-readable code"},
        "message": {"type": "string", "description": "what went wrong, for a person"},
    }}
    field_messages = {"type": "object", "description": "field name → the rules it broke (nested for objects "
                      "and lists; `_body` when the body itself is not JSON)",
                      "additionalProperties": {"anyOf": [{"type": "array", "items": {"type": "string"}},
                                                         {"type": "object"}]}}
    validation_codes = _codes(422)
    return {
        "Error": base,
        "ValidationFailed": {**base, "required": ["error", "message", "fields"], "properties": {
            **base["properties"],
            "error": {"type": "string", "enum": validation_codes},
            "message": {"type": "string", "description": "the fields and rules in one line"},
            "fields": field_messages,
        }},
        "NotFound": {**base, "properties": {**base["properties"], "error": {"enum": _codes(404)}}},
        "Conflict": {**base, "properties": {**base["properties"], "error": {
            "type": "string", "description": "conflict, or the domain error's class name"}}},
        "Health": {"type": "object", "required": ["agency", "status", "checks"], "properties": {
            "agency": {"type": "string"}, "status": {"enum": ["ok", "down"]},
            "checks": {"type": "object"}, "message": {"type": "string"}}},
    }


def _json(schema) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _responses(entrypoint, has_params: bool, has_body: bool) -> dict:
    ok = entrypoint.response_schema or {"type": "object"}
    responses = {"2XX": {"description": "done", **_json(ok)}}
    if has_body:
        responses["422"] = {"description": "the body breaks the schema: `fields` names each field and rule",
                            **_json(_ref("ValidationFailed"))}
    if has_params:
        responses["404"] = {"description": "the thing named in the path does not exist", **_json(_ref("NotFound"))}
    expected = tuple(entrypoint.expected_exceptions or ())
    if expected:
        names = ", ".join(e.__name__ for e in expected)
        responses["409"] = {"description": f"the current state forbids it ({names})", **_json(_ref("Conflict"))}
    responses["401"] = {"description": "no token, or an expired, forged or unreadable one: `message` says which",
                        **_json(_ref("Error"))}
    responses["403"] = {"description": "a token of another agency, or a role that may not do this: `message` names "
                        "the permission, the roles that have it and the rule behind it", **_json(_ref("Error"))}
    responses["500"] = {"description": "unexpected error; it has been logged", **_json(_ref("Error"))}
    return responses


def _operation(agency: str, name: str, entrypoint, service_cls) -> tuple[str, dict]:
    path, params = openapi_path(entrypoint.url)
    doc = inspect.getdoc(getattr(service_cls, name)) or name.replace("_", " ")
    summary, _, rest = doc.partition("\n")
    has_body = entrypoint.request_schema is not None or entrypoint.method.upper() in ("POST", "PUT", "PATCH")
    op = {"operationId": f"{agency}.{name}", "summary": summary.strip(), "tags": [agency],
          "responses": _responses(entrypoint, bool(params), has_body)}
    if rest.strip():
        op["description"] = rest.strip()
    if params:
        op["parameters"] = params
    if entrypoint.url not in OPEN_ROUTES:
        need = role_table().permission(agency, entrypoint.method, entrypoint.url)
        op["security"] = [{"bearerAuth": []}]
        op["x-fundlink-permission"] = {"action": need.action, "roles": list(need.roles),
                                       **({"basis": need.basis} if need.basis else {})}
    if has_body:
        op["requestBody"] = {"required": True, **_json(entrypoint.request_schema or {"type": "object"})}
    if entrypoint.url in OPEN_ROUTES:
        op["security"] = []  # for the platform's probes and scrapers
    if name == "health":
        op["responses"] = {"200": {"description": "database and broker answer", **_json(_ref("Health"))},
                           "503": {"description": "names the part that is down", **_json(_ref("Health"))}}
    elif name == "metrics":
        op["responses"] = {"200": {"description": "Prometheus text exposition",
                                   "content": {"text/plain": {"schema": {"type": "string"}}}}}
    return path, op


def openapi_document(agency: str, service_cls: type) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=lambda s: (s if isinstance(s, type) else type(s)).__name__)
    spec = APISpec(title=f"fundlink {agency}", version="1.0.0", openapi_version=OPENAPI_VERSION, plugins=[plugin],
                   info={"description": f"HTTP API of the {agency} service. Generated by `fundlink contracts "
                                        "generate` from the service's @http entrypoints; do not edit."})
    handwritten = error_schemas()
    for name, body in handwritten.items():
        spec.components.schema(name, body)
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A token from `fundlink users issue-token` (EdDSA-signed JWT naming agency, user and roles); "
                       "it is good only at the agency it names. The role table is contracts/roles.yaml."})
    paths: dict[str, dict] = {}
    lenient = set()
    for name, entrypoint in http_routes(service_cls):
        path, op = _operation(agency, name, entrypoint, service_cls)
        paths.setdefault(path, {})[entrypoint.method.lower()] = op
        lenient |= {s.__name__ for s in (entrypoint.request_schema, entrypoint.response_schema)
                    if s is not None and not is_strict(s)}
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    doc = spec.to_dict()
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        if name not in handwritten and name not in lenient:
            close_objects(schema, True)  # marshmallow refuses unknown fields unless a schema says otherwise
    return doc
