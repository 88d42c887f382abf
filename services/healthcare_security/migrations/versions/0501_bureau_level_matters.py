"""hand-offs between the bureau's own offices and levels (HO-31, HO-37, HO-42)

Revision ID: 0501
Revises: 0301
"""
from alembic import op
import sqlalchemy as sa

revision = "0501"
down_revision = "0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bureau_level_matter",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("matter_id", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("state", sa.String(length=48), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "matter_id"),
    )
    op.create_index("ix_bureau_level_matter_state", "bureau_level_matter", ["state"])
    op.create_index("ix_bureau_level_matter_next_due_at", "bureau_level_matter", ["next_due_at"])


def downgrade() -> None:
    op.drop_index("ix_bureau_level_matter_next_due_at", table_name="bureau_level_matter")
    op.drop_index("ix_bureau_level_matter_state", table_name="bureau_level_matter")
    op.drop_table("bureau_level_matter")
