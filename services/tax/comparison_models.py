"""Tax's record of what it disclosed in data comparisons (HO-34)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ComparisonAnswer(Base):
    """One answer to the center's comparison request: how many persons were asked and how many tax named."""

    __tablename__ = "comparison_answer"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30))
    asked_count: Mapped[int] = mapped_column(Integer)
    matched_count: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
