"""joint inspections (联合检查, HO-33): the bureau's consolidated result

Revision ID: 0502
Revises: 0301
"""
from alembic import op
import sqlalchemy as sa

revision = "0502"
down_revision = "0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "joint_inspection_result",
        sa.Column("inspection_id", sa.String(length=64), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=4000), nullable=True),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("inspection_id"),
    )


def downgrade() -> None:
    op.drop_table("joint_inspection_result")
