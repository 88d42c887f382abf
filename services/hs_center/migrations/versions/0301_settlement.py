"""settlement with designated institutions (HO-21): claims, payment clocks, annual settlements

Revision ID: 0301
Revises: 0002
Create Date: 2026-11-24 09:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0301'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('settlement_claim',
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.Column('institution_id', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('claimed_fen', sa.BigInteger(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('settlement_month', sa.String(length=7), nullable=False),
    sa.Column('late_filing', sa.Boolean(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('deadline', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment', sa.JSON(), nullable=True),
    sa.Column('paid_late', sa.Boolean(), nullable=True),
    sa.Column('overdue_alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('claim_id')
    )
    with op.batch_alter_table('settlement_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_claim_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_claim_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_claim_settlement_month'), ['settlement_month'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_claim_due_at'), ['due_at'], unique=False)

    op.create_table('annual_settlement',
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('overdue_alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('region_code', 'year')
    )


def downgrade() -> None:
    op.drop_table('annual_settlement')
    with op.batch_alter_table('settlement_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_claim_due_at'))
        batch_op.drop_index(batch_op.f('ix_settlement_claim_settlement_month'))
        batch_op.drop_index(batch_op.f('ix_settlement_claim_region_code'))
        batch_op.drop_index(batch_op.f('ix_settlement_claim_institution_id'))
    op.drop_table('settlement_claim')
