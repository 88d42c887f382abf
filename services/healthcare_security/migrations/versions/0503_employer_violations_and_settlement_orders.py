"""employer violations split with tax (HO-35) and settlement suspension orders (HO-39)

Revision ID: 0503
Revises: 0301
Create Date: 2026-11-23 17:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0503'
down_revision: Union[str, Sequence[str], None] = '0301'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('employer_violation',
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('referral_id', sa.String(length=80), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('employer_id', sa.String(length=32), nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('amount_due_fen', sa.BigInteger(), nullable=True),
    sa.Column('arrears_since', sa.Date(), nullable=True),
    sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('direction', 'referral_id')
    )
    op.create_index('ix_employer_violation_employer_id', 'employer_violation', ['employer_id'], unique=False)
    op.create_index('ix_employer_violation_state', 'employer_violation', ['state'], unique=False)
    op.create_table('settlement_order',
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('order_id')
    )
    op.create_index('ix_settlement_order_case_id', 'settlement_order', ['case_id'], unique=False)
    op.create_index('ix_settlement_order_target_id', 'settlement_order', ['target_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_settlement_order_target_id', table_name='settlement_order')
    op.drop_index('ix_settlement_order_case_id', table_name='settlement_order')
    op.drop_table('settlement_order')
    op.drop_index('ix_employer_violation_state', table_name='employer_violation')
    op.drop_index('ix_employer_violation_employer_id', table_name='employer_violation')
    op.drop_table('employer_violation')
