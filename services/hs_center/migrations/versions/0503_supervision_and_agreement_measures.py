"""supervision reports served on the center (HO-36) and agreement measures (HO-39)

Revision ID: 0503
Revises: 0402
Create Date: 2026-11-23 17:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0503'
down_revision: Union[str, Sequence[str], None] = '0402'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('supervision_report',
    sa.Column('report_id', sa.String(length=64), nullable=False),
    sa.Column('supervision_id', sa.String(length=64), nullable=False),
    sa.Column('supervised_unit', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('served_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('opinion', sa.JSON(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('report_id')
    )
    op.create_index('ix_supervision_report_due_at', 'supervision_report', ['due_at'], unique=False)
    op.create_index('ix_supervision_report_state', 'supervision_report', ['state'], unique=False)
    op.create_table('agreement_measure',
    sa.Column('action_id', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_on', sa.Date(), nullable=True),
    sa.Column('lifted_by', sa.String(length=200), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('action_id'),
    sa.UniqueConstraint('order_id')
    )
    op.create_index('ix_agreement_measure_target_id', 'agreement_measure', ['target_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_agreement_measure_target_id', table_name='agreement_measure')
    op.drop_table('agreement_measure')
    op.drop_index('ix_supervision_report_state', table_name='supervision_report')
    op.drop_index('ix_supervision_report_due_at', table_name='supervision_report')
    op.drop_table('supervision_report')
