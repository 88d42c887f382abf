"""market_regulation's tables. Outbox and inbox live here too, so they commit with its state."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table
from shared.referrals import ReferralColumns


class Base(DeclarativeBase):
    pass


class ReferralRecord(ReferralColumns, Base):
    """A referral from the 医保局 (HO-28) and the outcome reported back (HO-29)."""


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
