"""HO-38 medical service prices (医疗服务价格): the columns of a price the bureau set, written once.

The bureau keeps its prices (healthcare_security ``service_price``); the health commission keeps a copy of
each price notice it receives (``known_service_price``, plus ``received_at``). Each table is
:class:`ServicePriceColumns` on its own agency's ``Base``; the columns come first, in this order, as the
agencies' migrations created them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


class ServicePriceColumns:
    """A price for a basic, special-needs or new medical service item in a region, from a date."""

    price_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    review_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the commission's review, new items
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    item_kind: Mapped[str] = mapped_column(String(20))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    price_unit: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(6))
    effective_from: Mapped[date] = mapped_column(Date)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
