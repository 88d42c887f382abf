"""The commission's tables for new medical service items and the prices the bureau set (HO-38)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ServiceItemReview(Base):
    """新增医疗服务项目审核: the commission's review of a new item, and the bureau's price once set."""

    __tablename__ = "service_item_review"

    review_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    decision: Mapped[str] = mapped_column(String(10))
    comments: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    price_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class KnownServicePrice(Base):
    """A price the bureau set (HO-38 notice), as the commission learned it."""

    __tablename__ = "known_service_price"

    price_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    review_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    item_kind: Mapped[str] = mapped_column(String(20))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    price_unit: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(6))
    effective_from: Mapped[date] = mapped_column(Date)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
