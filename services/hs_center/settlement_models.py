"""The center's tables for settlement with designated institutions (HO-21), on the center's own metadata."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class SettlementClaim(Base):
    """结算申报: one institution's monthly claim, the month it is settled in, and its payment clock."""

    __tablename__ = "settlement_claim"

    claim_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    institution_id: Mapped[str] = mapped_column(String(64), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    month: Mapped[str] = mapped_column(String(7))
    claimed_fen: Mapped[int] = mapped_column(BigInteger)
    filed_on: Mapped[date] = mapped_column(Date)
    settlement_month: Mapped[str] = mapped_column(String(7), index=True)
    late_filing: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str] = mapped_column(String(40))
    deadline: Mapped[dict] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set once paid: the HO-21 figures as sent.
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    payment: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    paid_late: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AnnualSettlement(Base):
    """年终结算: a region's settlement of one year's claims, where its rule has one (Hongze: by end of April)."""

    __tablename__ = "annual_settlement"

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline: Mapped[dict] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
