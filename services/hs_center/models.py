"""The center's tables: enrollment registry and received feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


class RegistryEntry(Base):
    """参保登记: one payer (employer credit code or person id) enrolled in a scheme."""

    __tablename__ = "registry_entry"

    payer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(10), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    insured_person_count: Mapped[int] = mapped_column(Integer)
    monthly_due_fen: Mapped[int] = mapped_column(Integer)


class ReceivedFeed(Base):
    """A collection feed from tax, with the center's reconciliation."""

    __tablename__ = "received_feed"

    feed_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    period: Mapped[str] = mapped_column(String(7), index=True)
    lines: Mapped[list] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reply_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    reconciliation: Mapped[dict] = mapped_column(JSON)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)

# Money-cycle tables live in their own module but on this metadata.
from . import money_models  # noqa: E402, F401
