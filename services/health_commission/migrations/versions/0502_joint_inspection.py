"""health_commission's joint inspections (联合检查, HO-33): table shape in shared/joint_inspection.py. Revises 0301."""
from shared.joint_inspection import create_joint_inspection_table, drop_joint_inspection_table

revision, down_revision = "0502", "0301"
upgrade, downgrade = create_joint_inspection_table, drop_joint_inspection_table
