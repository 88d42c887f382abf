"""Tax's tables. Outbox and inbox live in the same database, so they commit with these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


class CollectionFeed(Base):
    """征缴数据: one month's collection for one region, as published to the center."""

    __tablename__ = "collection_feed"

    feed_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    region_level: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(7), index=True)
    lines: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(40), default="published")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reconciliation: Mapped[dict | None] = mapped_column(JSON, nullable=True)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
