"""finance's tables for the treasury transfers (HO-06), the resident matching subsidy (HO-07) and the alerts
raised when their deadlines pass, on finance's own metadata (migration 0401)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class TreasurySchedule(Base):
    """A treasury (国库) that owes a transfer to the provincial special account every 旬 from ``first_dekad``."""

    __tablename__ = "finance_treasury_schedule"

    treasury_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    first_dekad: Mapped[str] = mapped_column(String(10))


class PremiumVoucher(Base):
    """拨款凭证: finance's voucher for one treasury, dekad and scheme (HO-06) and the treasury's transfer."""

    __tablename__ = "finance_premium_voucher"

    voucher_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dekad: Mapped[str] = mapped_column(String(10), index=True)
    treasury_code: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    scheme: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    to_account: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    transfer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    value_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SubsidyRound(Base):
    """The cities and counties that owe the resident matching subsidy for a year (HO-07)."""

    __tablename__ = "finance_subsidy_round"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    regions: Mapped[list] = mapped_column(JSON)


class ResidentSubsidy(Base):
    """A city/county's resident matching subsidy: remitted (its side) and received (the provincial side)."""

    __tablename__ = "finance_resident_subsidy"

    remittance_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    insured_person_count: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    remitted_on: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class DeadlineAlert(Base):
    """A missed HO-06/HO-07 deadline, raised once by ``watch_deadlines``."""

    __tablename__ = "finance_deadline_alert"

    alert_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    what: Mapped[str] = mapped_column(String(200))
    party: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
