"""Outside parties' payloads for the other flow (marshmallow)."""

from __future__ import annotations

EVENT_SCHEMAS: list = []
