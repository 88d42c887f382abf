"""data comparison (HO-34): insured benefits, comparison requests, tokens, matches, benefit reviews

Revision ID: 0301a
Revises: 0301
Create Date: 2026-11-24 09:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0301a'
down_revision: Union[str, Sequence[str], None] = '0301'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('insured_benefit',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('scheme', sa.String(length=10), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=True),
    sa.PrimaryKeyConstraint('id_number', 'scheme')
    )
    with op.batch_alter_table('insured_benefit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insured_benefit_region_code'), ['region_code'], unique=False)

    op.create_table('comparison_request',
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('queried', sa.JSON(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('person_count', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('request_id')
    )
    op.create_table('comparison_subject',
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.PrimaryKeyConstraint('request_id', 'token')
    )
    op.create_table('comparison_match',
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=30), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('request_id', 'department', 'token')
    )
    op.create_table('benefit_review',
    sa.Column('review_id', sa.String(length=128), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=30), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('finding', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('benefits_before', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.String(length=2000), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('review_id')
    )
    with op.batch_alter_table('benefit_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_review_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_review_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_review_state'), ['state'], unique=False)


def downgrade() -> None:
    op.drop_table('benefit_review')
    op.drop_table('comparison_match')
    op.drop_table('comparison_subject')
    op.drop_table('comparison_request')
    op.drop_table('insured_benefit')
