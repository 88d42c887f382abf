"""health_commission's tables. Outbox and inbox live here too, so they commit with its state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


class ReferralRecord(Base):
    """A referral from the 医保局 (HO-27) and the outcome reported back (HO-29)."""

    __tablename__ = "received_referral"

    referral_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    referral: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_report_due: Mapped[dict] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reports: Mapped[list] = mapped_column(JSON, default=list)


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
