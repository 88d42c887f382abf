"""HTTP at the edge of every service: JSON in and out, and one table that maps
errors to status codes with a reason a person can act on."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.exc import DataError

from shared.calendar import CalendarNotCovered


class NotFound(LookupError):
    """404: the thing named in the URL does not exist."""


class Conflict(Exception):
    """409: the request is well-formed but the current state forbids it."""


class Unauthorized(Exception):
    """401: no valid credentials."""


class Forbidden(Exception):
    """403: valid credentials, not allowed."""


# (exception type, status, error code). The first match wins; domain errors are
# passed per service as ``expected_exceptions`` and answer 409.
ERROR_TABLE: list[tuple[type[BaseException], int, str]] = [
    (ValidationError, 422, "validation_failed"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    # A deadline past the loaded holiday table: the operator must add the next year's notice.
    (CalendarNotCovered, 503, "calendar_not_covered"),
    # A value the schema let through but the column cannot hold (a number past its integer type):
    # the transaction is rolled back, so nothing changed; the caller can fix the value.
    (DataError, 422, "value_not_storable"),
]


def json_body(request) -> Any:
    """Parse a request body, turning bad JSON into a 422 that says so."""
    raw = request.get_data()
    if not raw:
        raise ValidationError({"_body": ["request body is empty; send a JSON object"]})
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ValidationError({"_body": [f"request body is not valid JSON: {exc}"]}) from exc
    _refuse_unstorable_text(body)
    return body


def _refuse_unstorable_text(value: Any, path: str = "_body") -> None:
    """NUL characters and lone surrogates cannot be stored (PostgreSQL text, UTF-8): refuse them up front."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError({path: ["text must not contain the NUL character"]})
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError({path: ["text is not valid Unicode (lone surrogate)"]}) from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable_text(key, path)
            _refuse_unstorable_text(item, f"{key}" if path == "_body" else f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_unstorable_text(item, f"{path}[{i}]")


def error_response(exc: BaseException, expected: tuple[type[BaseException], ...] = ()) -> tuple[int, dict]:
    for cls, status, code in ERROR_TABLE:
        if isinstance(exc, cls):
            body: dict[str, Any] = {"error": code, "message": _message(exc)}
            if isinstance(exc, ValidationError):
                body["fields"] = exc.normalized_messages()
                body["message"] = "request does not match the schema: " + _summarise(body["fields"])
            return status, body
    if expected and isinstance(exc, expected):
        return 409, {"error": type(exc).__name__, "message": str(exc)}
    return 500, {"error": "internal_error", "message": "unexpected error; it has been logged"}


def _message(exc: BaseException) -> str:
    if isinstance(exc, DataError):  # the driver's reason only: the statement would echo the request's values
        return f"a value cannot be stored: {str(exc.orig).splitlines()[0] if exc.orig else 'out of range'}"
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _summarise(fields: Any, prefix: str = "") -> str:
    parts: list[str] = []
    if isinstance(fields, dict):
        for key, value in fields.items():
            parts.append(_summarise(value, f"{prefix}{key}." if not isinstance(value, list) else f"{prefix}{key}"))
    elif isinstance(fields, list):
        parts.append(f"{prefix.rstrip('.')}: " + "; ".join(str(v) for v in fields))
    return "; ".join(p for p in parts if p)
