"""The police's household register entries and their comparison answers (HO-34)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class HouseholdResident(Base):
    """户籍: one resident's registration, as far as the comparison needs it."""

    __tablename__ = "household_resident"

    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(10))
    died_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ComparisonAnswer(Base):
    """What the police disclosed to the center for one comparison request."""

    __tablename__ = "comparison_answer"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30))
    asked_count: Mapped[int] = mapped_column(Integer)
    matched_count: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
