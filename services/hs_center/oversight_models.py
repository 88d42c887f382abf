"""The center's tables for supervision reports served on it (HO-36) and agreement measures (HO-39)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class SupervisionReportServed(Base):
    """监督报告: a report the bureau served on the center, and the center's written opinion on it."""

    __tablename__ = "supervision_report"

    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    supervision_id: Mapped[str] = mapped_column(String(64))
    supervised_unit: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    findings: Mapped[list] = mapped_column(JSON)
    served_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[dict] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    opinion: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AgreementMeasure(Base):
    """协议处理: a measure against a designated institution, the center's own or carried out on a bureau order."""

    __tablename__ = "agreement_measure"

    action_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(64), index=True)  # institution code or resident id number
    target_kind: Mapped[str] = mapped_column(String(20))  # institution | insured_person
    action: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region_code: Mapped[str] = mapped_column(String(6))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lifted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
