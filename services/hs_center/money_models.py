"""The center's tables for the money cycle, on the center's own metadata.

One hs_center service serves the provincial and the city/county centers; rows carry the region code.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class CenterBudgetDraft(Base):
    """预算草案: the center's working copy of a budget draft it compiles with tax (HO-08)."""

    __tablename__ = "center_budget_draft"

    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    region_level: Mapped[str] = mapped_column(String(10))
    tax_cosign_required: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[list] = mapped_column(JSON)
    tax_confirmed_revenue: Mapped[list | None] = mapped_column(JSON, nullable=True)
    returned: Mapped[list] = mapped_column(JSON, default=list)
    history: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # approved adjustments applied to the lines (HO-13): [{adjustment_id, at, deltas: [{scheme, revenue_fen,
    # expenditure_fen}]}] (migration 0504)
    adjustments: Mapped[list] = mapped_column(JSON, default=list)


class CenterFundUsePlan(Base):
    """用款计划: a city/county center's quarterly application (HO-15); ``received_at`` once the provincial
    center has it off the bus."""

    __tablename__ = "center_fund_use_plan"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    lines: Mapped[list] = mapped_column(JSON)
    basis: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CenterPlanRound(Base):
    """One quarter's planning round at the provincial center: which regions must apply, and the outcome."""

    __tablename__ = "center_plan_round"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    expected_regions: Mapped[list] = mapped_column(JSON)
    consolidated_plan_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CenterConsolidatedPlan(Base):
    """The provincial consolidation (HO-16) and, once reviewed, finance's approved split (HO-17)."""

    __tablename__ = "center_consolidated_plan"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    lines: Mapped[list] = mapped_column(JSON)
    source_plans: Mapped[dict] = mapped_column(JSON)
    missing_regions: Mapped[list] = mapped_column(JSON)
    consolidated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    approved_lines: Mapped[list | None] = mapped_column(JSON, nullable=True)
    adjustment_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class CenterAllocation(Base):
    """拨付 in: finance's monthly allocation to the provincial expenditure account (HO-18)."""

    __tablename__ = "center_allocation"

    allocation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    scheme: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    value_date: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CenterDisbursement(Base):
    """拨付 out: the provincial center's payment to a city/county expenditure account (HO-19)."""

    __tablename__ = "center_disbursement"

    disbursement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    region_code: Mapped[str] = mapped_column(String(6))
    scheme: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    value_date: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class CenterMoneyAlert(Base):
    """A missed money-cycle deadline (a late city plan, an unpaid month), raised once."""

    __tablename__ = "center_money_alert"

    alert_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(6))
    subject: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CenterMoneyRecord(Base):
    """Execution reports (HO-12), adjustment proposals (HO-13), final accounts (HO-14) and LTC transfers
    (HO-41) the center sent, as sent."""

    __tablename__ = "center_money_record"

    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
