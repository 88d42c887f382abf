"""healthcare_security's tables. Outbox and inbox live here too, so they commit with its state.

A case (and every other matter the bureau tracks) is stored whole as the JSON of its domain value
(``records.dump``), next to the columns officers filter on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus.inbox import inbox_table
from shared.bus.outbox import outbox_table


class Base(DeclarativeBase):
    pass


class CaseRecord(Base):
    """案件: one enforcement case, from lead to closure, with its timeline (§4.1, §4.2)."""

    __tablename__ = "enforcement_case"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(48), index=True)
    transfer_required: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    doc: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MatterColumns:
    """A matter the bureau tracks by kind and id: its state, its next deadline and its domain value ``doc``."""

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(48), index=True)
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    doc: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Matter(MatterColumns, Base):
    """Any other tracked matter: report (举报), reward, referral, clue, joint inspection, supervision report,
    enforcement notice. ``doc`` is the domain value; a report's doc holds the confidential reporter."""

    __tablename__ = "tracked_matter"

    replies: Mapped[list] = mapped_column(JSON, default=list)


class DeadlineAlert(Base):
    """An officer's alert: a named time limit of a case or matter passed unmet. Raised once per limit."""

    __tablename__ = "deadline_alert"
    __table_args__ = (UniqueConstraint("subject_id", "deadline", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    deadline: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(48))
    event_name: Mapped[str] = mapped_column(String(120))


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)

# Budget-review tables live in their own module but on this metadata.
from . import budget_models  # noqa: E402, F401
