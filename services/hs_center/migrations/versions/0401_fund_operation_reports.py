"""quarterly fund operation reports (HO-20): rounds and reports

Revision ID: 0401
Revises: 0101
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0401'
down_revision: Union[str, Sequence[str], None] = '0101'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'center_operation_round',
        sa.Column('quarter', sa.String(length=7), primary_key=True),
        sa.Column('expected_regions', sa.JSON(), nullable=False),
        sa.Column('consolidated_report_id', sa.String(length=64), nullable=True),
    )
    op.create_table(
        'center_operation_report',
        sa.Column('report_id', sa.String(length=64), primary_key=True),
        sa.Column('quarter', sa.String(length=7), nullable=False, index=True),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('region_level', sa.String(length=10), nullable=False),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table('center_operation_report')
    op.drop_table('center_operation_round')
