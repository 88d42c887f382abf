"""Tax's tables. Outbox and inbox live in the same database, so they commit with these."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


class CollectionFeed(Base):
    """征缴数据: one month's collection for one region, published to the center via POST /feeds or
    pushed by tax's own systems (then known here from the center's answer)."""

    __tablename__ = "collection_feed"

    feed_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    region_level: Mapped[str | None] = mapped_column(String(10), nullable=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    lines: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(40), default="published")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reconciliation: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class OverdueNotice(Base):
    """The center's notice that a region's feed was not in by the 5th (HO-01, late)."""

    __tablename__ = "overdue_notice"

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)


class DiscrepancyReport(Base):
    """One part of the center's discrepancy report on a feed (HO-03), and tax's answer."""

    __tablename__ = "discrepancy_report"

    discrepancy_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    parts: Mapped[int] = mapped_column(Integer)
    feed_id: Mapped[str] = mapped_column(String(64), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    period: Mapped[str] = mapped_column(String(7))
    items: Mapped[list] = mapped_column(JSON)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    correction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class EmployerReferral(Base):
    """HO-35: an employer referred to the bureau as not enrolled."""

    __tablename__ = "employer_referral"

    referral_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    employer_id: Mapped[str] = mapped_column(String(32))
    feed_id: Mapped[str] = mapped_column(String(64))
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Enrollment(Base):
    """HO-04: a registration the center told tax about; tax collects on it."""

    __tablename__ = "enrollment"

    registration_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(32), index=True)
    scheme: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str] = mapped_column(String(6))
    change_type: Mapped[str] = mapped_column(String(10))
    insured_person_count: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))


class TreasuryReport(Base):
    """HO-05: the treasury's monthly revenue report, beside tax's own collection figures."""

    __tablename__ = "treasury_report"

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    treasury_code: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(6))
    period: Mapped[str] = mapped_column(String(7), index=True)
    lines: Mapped[list] = mapped_column(JSON)
    comparison: Mapped[list] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
