"""The bureau's tables for employer violations split with tax (HO-35) and its settlement suspension orders
(HO-39), on the bureau's own metadata."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class EmployerViolation(Base):
    """An employer violation referred between tax and the bureau (B-HS-1), in either direction, and its answer."""

    __tablename__ = "employer_violation"

    direction: Mapped[str] = mapped_column(String(10), primary_key=True)  # from_tax | to_tax
    referral_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    employer_id: Mapped[str] = mapped_column(String(32), index=True)
    employer_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    facts: Mapped[str] = mapped_column(Text)
    amount_due_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    arrears_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16), index=True)  # received | referred | accepted | returned
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SettlementOrder(Base):
    """An order to the center to suspend settlement (002:100), so the center's report of it finds its case."""

    __tablename__ = "settlement_order"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(64), index=True)
    ordered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
