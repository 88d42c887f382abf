"""Tax's tables for employer violations split with the bureau (HO-35), on tax's own metadata."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class BureauReferral(Base):
    """An employer the bureau referred to tax as not paying or paying short, and tax's answer."""

    __tablename__ = "bureau_employer_referral"

    referral_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    employer_id: Mapped[str] = mapped_column(String(32), index=True)
    employer_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    facts: Mapped[str] = mapped_column(Text)
    amount_due_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    arrears_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16), index=True)  # received | accepted | returned
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReferralAnswer(Base):
    """The bureau's answer to one of tax's referrals (models.EmployerReferral): accepted with its case, or
    returned with the reason."""

    __tablename__ = "employer_referral_answer"

    referral_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
