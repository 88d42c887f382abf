"""treasury transfers per dekad (HO-06), resident matching subsidy (HO-07), deadline alerts

Revision ID: 0401
Revises: 0003
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0401'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'finance_treasury_schedule',
        sa.Column('treasury_code', sa.String(length=32), primary_key=True),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('first_dekad', sa.String(length=10), nullable=False),
    )
    op.create_table(
        'finance_premium_voucher',
        sa.Column('voucher_id', sa.String(length=64), primary_key=True),
        sa.Column('dekad', sa.String(length=10), nullable=False, index=True),
        sa.Column('treasury_code', sa.String(length=32), nullable=False, index=True),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('scheme', sa.String(length=10), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('to_account', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('transfer_id', sa.String(length=64), nullable=True),
        sa.Column('value_date', sa.Date(), nullable=True),
        sa.Column('transferred_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'finance_subsidy_round',
        sa.Column('year', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('regions', sa.JSON(), nullable=False),
    )
    op.create_table(
        'finance_resident_subsidy',
        sa.Column('remittance_id', sa.String(length=64), primary_key=True),
        sa.Column('year', sa.Integer(), nullable=False, index=True),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('insured_person_count', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('remitted_on', sa.Date(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=True),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
    )
    op.create_table(
        'finance_deadline_alert',
        sa.Column('alert_id', sa.String(length=160), primary_key=True),
        sa.Column('kind', sa.String(length=40), nullable=False, index=True),
        sa.Column('what', sa.String(length=200), nullable=False),
        sa.Column('party', sa.String(length=64), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ('finance_deadline_alert', 'finance_resident_subsidy', 'finance_subsidy_round',
                  'finance_premium_voucher', 'finance_treasury_schedule'):
        op.drop_table(table)
