"""approved budget adjustments applied to the center's budget lines (HO-13, 004:25)

Revision ID: 0504_budget_adjustments
Revises: 0402
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0504_budget_adjustments'
down_revision: Union[str, Sequence[str], None] = '0402'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('center_budget_draft') as batch:
        batch.add_column(sa.Column('adjustments', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('center_budget_draft') as batch:
        batch.drop_column('adjustments')
