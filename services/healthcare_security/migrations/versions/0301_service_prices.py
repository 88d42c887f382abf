"""medical service items and prices (HO-38): received reviews and the bureau's prices

Revision ID: 0301
Revises: 0002
Create Date: 2026-11-24 10:40:00

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
    op.create_table('received_item_review',
    sa.Column('review_id', sa.String(length=64), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('comments', sa.String(length=4000), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('review_id')
    )
    with op.batch_alter_table('received_item_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_received_item_review_item_code'), ['item_code'], unique=False)
    op.create_table('service_price',
    sa.Column('price_id', sa.String(length=64), nullable=False),
    sa.Column('review_id', sa.String(length=64), nullable=True),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('item_kind', sa.String(length=20), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('price_unit', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('price_id')
    )
    with op.batch_alter_table('service_price', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_price_item_code'), ['item_code'], unique=False)


def downgrade() -> None:
    op.drop_table('service_price')
    op.drop_table('received_item_review')
