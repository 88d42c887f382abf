"""Payload schemas of hand-offs sent by parties outside the six services (people's
government, congress, treasury, procuratorate, …). They sign with their own keys
through `fundlink party send` (see docs/decisions.md). One module per flow."""

from __future__ import annotations

from . import cases, money, other, tax

EVENT_SCHEMAS: list = [*money.EVENT_SCHEMAS, *cases.EVENT_SCHEMAS, *tax.EVENT_SCHEMAS, *other.EVENT_SCHEMAS]
