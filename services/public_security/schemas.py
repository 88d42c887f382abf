"""public_security's payloads: HTTP requests and the events it publishes (marshmallow)."""

from __future__ import annotations

EVENT_SCHEMAS: list = []
