"""Every HTTP endpoint of every service answers a bad request with a body that names the field and the rule.

Runs each real service (RabbitMQ + PostgreSQL) and calls every route with an empty body, an
unknown field or an id that does not exist; every 4xx must carry ``error`` and ``message``,
and a 422 ``fields`` (field → rules) whose names appear in the message.
"""

from __future__ import annotations

import re
import uuid

import pytest

from shared.contracts.openapi import http_routes, service_classes

pytestmark = pytest.mark.integration
SERVICES = service_classes()
_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def concrete(url: str) -> str:
    return _PARAM.sub(lambda m: "999999" if m["conv"] == "int" else f"no-such-{uuid.uuid4().hex[:8]}", url)


def leaf_fields(fields, prefix=""):
    for key, value in fields.items():
        if isinstance(value, dict):
            yield from leaf_fields(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def assert_names_field_and_rule(response, what):
    assert response.headers["Content-Type"].startswith("application/json"), what
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], (what, body)
    assert isinstance(body.get("message"), str) and body["message"], (what, body)
    if response.status_code == 422:
        leaves = list(leaf_fields(body["fields"]))
        assert leaves, (what, body)
        for name, rules in leaves:
            assert isinstance(rules, list) and rules and all(isinstance(r, str) and r for r in rules), (what, body)
            assert name.rsplit(".", 1)[-1] in body["message"], (what, body)


@pytest.mark.parametrize("agency", sorted(SERVICES))
def test_every_route_answers_4xx_with_field_and_rule(fleet, agency):
    fleet.start(agency)
    calls = []
    for name, entrypoint in http_routes(SERVICES[agency]):
        if name in ("health", "metrics"):
            continue
        path = concrete(entrypoint.url)
        method = entrypoint.method.upper()
        if method in ("POST", "PUT", "PATCH"):
            calls.append((f"{method} {entrypoint.url} (empty body)", fleet.call(method, agency, path, data=b"")))
            if entrypoint.request_schema is not None and "<" not in entrypoint.url:
                response = fleet.call(method, agency, path, json={"no_such_field": 1})
                assert response.status_code == 422, (entrypoint.url, response.text)
                calls.append((f"{method} {entrypoint.url} (unknown field)", response))
        elif "<" in entrypoint.url:
            calls.append((f"{method} {entrypoint.url} (unknown id)", fleet.call(method, agency, path)))
    for what, response in calls:
        assert response.status_code < 500, (what, response.status_code, response.text)
        if response.status_code >= 400:
            assert_names_field_and_rule(response, what)
