"""finance's tables. Outbox and inbox live here too, so they commit with its state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


class ChainDraft(Base):
    """A budget draft or final accounts on its approval chain, as finance tracks it (HO-09…HO-14)."""

    __tablename__ = "finance_chain_draft"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # budget | final_accounts
    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    submission_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanReview(Base):
    """A consolidated fund-use plan received (HO-16) and its joint review (HO-17)."""

    __tablename__ = "finance_plan_review"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    requested: Mapped[list] = mapped_column(JSON)
    missing_regions: Mapped[list] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    approved: Mapped[list | None] = mapped_column(JSON, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Account(Base):
    """An account of the fund's ledger: the special account's sub-accounts and the provincial expenditure
    account as credited by finance (财政专户 / 支出户)."""

    __tablename__ = "finance_account"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    balance_fen: Mapped[int] = mapped_column(BigInteger)


class Allocation(Base):
    """A monthly allocation (HO-18) and the center's confirmation of receipt."""

    __tablename__ = "finance_allocation"

    allocation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    scheme: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    value_date: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class SharingRatio(Base):
    """The province–city deficit-sharing ratio the provincial government approved for a year (004:43, 117)."""

    __tablename__ = "finance_sharing_ratio"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    weights: Mapped[dict] = mapped_column(JSON)  # party -> decimal string
    source: Mapped[str] = mapped_column(String(200))


class DeficitProposal(Base):
    """A deficit-sharing proposal (HO-40) and what the government and the cities did with it."""

    __tablename__ = "finance_deficit_proposal"

    proposal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON)
    payments: Mapped[list] = mapped_column(JSON, default=list)


class Reward(Base):
    """A whistle-blower reward the bureau approved (HO-32); amounts and references only."""

    __tablename__ = "finance_reward"

    reward_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(6))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    collect_by: Mapped[dict] = mapped_column(JSON)  # Deadline.as_dict()
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    payment_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    forfeited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class MoneyRecord(Base):
    """Other money-cycle notices finance sent or received (LTC remittances and transfers, HO-41; execution
    reports and adjustments, HO-12/13)."""

    __tablename__ = "finance_money_record"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
