"""The commission's tables for new medical service items and the prices the bureau set (HO-38)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.service_prices import ServicePriceColumns

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


class KnownServicePrice(ServicePriceColumns, Base):
    """A price the bureau set (HO-38 notice), as the commission learned it."""

    __tablename__ = "known_service_price"

    # sort_order: after the price's columns, as migration 0301 created the table
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), sort_order=1)
