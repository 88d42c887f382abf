"""The bureau's tables for budget review, on the bureau's own metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class BudgetReview(Base):
    """A budget draft or final accounts the bureau reviews and consolidates (HO-09, HO-14), and where it went."""

    __tablename__ = "bureau_budget_review"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # budget | final_accounts
    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(40))
    tax_cosigned: Mapped[bool] = mapped_column(Boolean, default=False)
    figures: Mapped[dict] = mapped_column(JSON)
    history: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MoneyNotice(Base):
    """Money-cycle notices the bureau receives for supervision (plans, reviews, execution reports, deficits)."""

    __tablename__ = "bureau_money_notice"

    notice_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
