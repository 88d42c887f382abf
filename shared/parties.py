"""Payload schemas of hand-offs sent by parties outside the six services
(people's government, congress, treasury, procuratorate, …). They sign with their own
keys through `fundlink party send` (see docs/decisions.md)."""

from __future__ import annotations

EVENT_SCHEMAS: list = []
