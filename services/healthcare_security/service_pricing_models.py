"""The bureau's tables for medical service items and their prices (HO-38)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.service_prices import ServicePriceColumns

from .models import Base


class ReceivedItemReview(Base):
    """The health commission's review of a new medical service item, as received (HO-38)."""

    __tablename__ = "received_item_review"

    review_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(10))
    comments: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServicePrice(ServicePriceColumns, Base):
    """医疗服务价格: a price the bureau set for a basic, special-needs or new item in a region."""

    __tablename__ = "service_price"
