"""tax's copy of where finance's approval chains stand (HO-13 signatures)

Revision ID: 0401
Revises: 0002
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0401'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'tax_chain_step',
        sa.Column('kind', sa.String(length=20), primary_key=True),
        sa.Column('draft_id', sa.String(length=64), primary_key=True),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('chain', sa.JSON(), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('tax_chain_step')
