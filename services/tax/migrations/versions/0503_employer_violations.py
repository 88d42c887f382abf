"""employer violations split with the bureau (HO-35): the bureau's referrals and its answers to ours

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
    op.create_table('bureau_employer_referral',
    sa.Column('referral_id', sa.String(length=80), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('employer_id', sa.String(length=32), nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('amount_due_fen', sa.BigInteger(), nullable=True),
    sa.Column('arrears_since', sa.Date(), nullable=True),
    sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('referral_id')
    )
    op.create_index('ix_bureau_employer_referral_employer_id', 'bureau_employer_referral', ['employer_id'],
                    unique=False)
    op.create_index('ix_bureau_employer_referral_state', 'bureau_employer_referral', ['state'], unique=False)
    op.create_table('employer_referral_answer',
    sa.Column('referral_id', sa.String(length=80), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('referral_id')
    )


def downgrade() -> None:
    op.drop_table('employer_referral_answer')
    op.drop_index('ix_bureau_employer_referral_state', table_name='bureau_employer_referral')
    op.drop_index('ix_bureau_employer_referral_employer_id', table_name='bureau_employer_referral')
    op.drop_table('bureau_employer_referral')
