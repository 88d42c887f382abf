"""contracts/openapi/<agency>.yaml lists every route of every service and its error bodies."""

from __future__ import annotations

import pytest
import yaml
from contract_fixtures import ThingService

from shared.config import REPO_ROOT
from shared.contracts.openapi import http_routes, openapi_document, openapi_path, service_classes

SERVICES = service_classes()


def error_schema(doc, response):
    ref = response["content"]["application/json"]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


def assert_error_bodies(doc):
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if not status.startswith("4"):
                    continue
                schema = error_schema(doc, response)
                assert {"error", "message"} <= set(schema["required"]), (path, method, status)
                if status == "422":
                    assert "fields" in schema["required"], (path, method)


@pytest.mark.parametrize("agency", sorted(SERVICES))
def test_every_route_of_the_service_is_documented(agency):
    doc = yaml.safe_load((REPO_ROOT / "contracts" / "openapi" / f"{agency}.yaml").read_text())
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = {(openapi_path(e.url)[0], e.method.lower()) for _, e in http_routes(SERVICES[agency])}
    assert routes == documented
    assert {("/health", "get"), ("/metrics", "get")} <= documented
    assert_error_bodies(doc)


def test_error_responses_follow_what_the_route_can_raise():
    doc = openapi_document("tax", ThingService)
    post = doc["paths"]["/things"]["post"]
    assert set(post["responses"]) == {"2XX", "401", "403", "422", "409", "500"}
    assert post["security"] == [{"bearerAuth": []}] and post["x-fundlink-permission"]["action"] == "write"
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Feed"}
    assert doc["components"]["schemas"]["Feed"]["additionalProperties"] is False
    get = doc["paths"]["/things/{thing_id}"]["get"]
    assert set(get["responses"]) == {"2XX", "401", "403", "404", "500"}
    assert doc["paths"]["/health"]["get"]["security"] == []  # the platform's probes need no token
    assert get["parameters"] == [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert error_schema(doc, post["responses"]["422"])["properties"]["error"]["enum"] == [
        "validation_failed", "value_not_storable"]
    assert_error_bodies(doc)
