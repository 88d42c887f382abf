"""Outside parties' payloads for the tax flow (marshmallow)."""

from __future__ import annotations

EVENT_SCHEMAS: list = []
