"""healthcare_security's tables. Outbox and inbox live here too, so they commit with its state."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)

# Budget-review tables live in their own module but on this metadata.
from . import budget_models  # noqa: E402, F401
