"""finance in the bureau's joint inspections (HO-33): shared/joint_inspection.py, on its own table."""

from __future__ import annotations

from shared.joint_inspection import invitee_entrypoints

from . import schemas
from .joint_inspection_models import JointInspectionRecord

JointInspectionEntrypoints = invitee_entrypoints(
    JointInspectionRecord, schemas.JointInspectionAccepted, schemas.JointInspectionFindingsReported)
