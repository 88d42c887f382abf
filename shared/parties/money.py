"""Outside parties' payloads for the money flow (marshmallow)."""

from __future__ import annotations

EVENT_SCHEMAS: list = []
