"""The bureau's consolidated result of a joint inspection (联合检查, HO-33). The inspection itself, and the
departments' answers as replies, are a tracked matter of kind ``joint_inspection`` (models.Matter)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class JointInspectionResult(Base):
    """The consolidated findings sent to the participants, once per inspection, and on what footing."""

    __tablename__ = "joint_inspection_result"

    inspection_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    findings: Mapped[list] = mapped_column(JSON)
    missing: Mapped[list] = mapped_column(JSON)  # departments that accepted but had not reported when issued
    reason: Mapped[str | None] = mapped_column(String(4000), nullable=True)  # why it was issued without them
    issued_by: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
