"""The center's tables for data comparison (HO-34) and the benefit reviews it opens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class InsuredBenefit(Base):
    """医保待遇: an insured person's benefit in one scheme, as the center's registry holds it. Changed only by an
    officer's decision."""

    __tablename__ = "insured_benefit"

    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(10), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class ComparisonRequest(Base):
    """数据比对: one request to other departments, and which of them have answered."""

    __tablename__ = "comparison_request"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30))
    queried: Mapped[list] = mapped_column(JSON)
    region_code: Mapped[str] = mapped_column(String(6))
    as_of: Mapped[date] = mapped_column(Date)
    person_count: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # department -> {returned_at, matches, strays}


class ComparisonSubject(Base):
    """Which person a request's token stands for; the id number never leaves the center."""

    __tablename__ = "comparison_subject"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18))


class ComparisonMatch(Base):
    """What one department's register shows for one person of a request."""

    __tablename__ = "comparison_match"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    department: Mapped[str] = mapped_column(String(30), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    effective_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class BenefitReview(Base):
    """A person's benefits flagged by a comparison, waiting for an officer's decision (待遇核查)."""

    __tablename__ = "benefit_review"

    review_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    finding: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    effective_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(String(10), index=True)  # open | decided
    benefits_before: Mapped[dict] = mapped_column(JSON)  # scheme -> status when flagged
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
