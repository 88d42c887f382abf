"""public_security's tables. Outbox and inbox live here too, so they commit with its state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


class TransferredCase(Base):
    """A case transferred by an administrative agency (移送), as the police hold it; ``doc`` is the
    domain's PoliceCase."""

    __tablename__ = "transferred_case"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(40), index=True)
    receipt_id: Mapped[str] = mapped_column(String(64))
    police_case_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    doc: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
