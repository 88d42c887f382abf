"""market_regulation's table of the joint inspections (联合检查, HO-33) it is invited to; shape in shared/."""

from __future__ import annotations

from shared.joint_inspection import JointInspectionColumns

from .models import Base


class JointInspectionRecord(JointInspectionColumns, Base):
    pass
