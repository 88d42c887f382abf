"""notices the agency keeps as a catalogued consumer (shared/notices.py)

Revision ID: 0402
Revises: 0401
"""
from shared.migrate import create_notice_table

revision = "0402"
down_revision = "0401"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_notice_table("tax_budget_notice")


def downgrade() -> None:
    from alembic import op

    op.drop_table("tax_budget_notice")
