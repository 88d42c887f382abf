"""Outside parties' payloads for the cases flow (marshmallow)."""

from __future__ import annotations

EVENT_SCHEMAS: list = []
