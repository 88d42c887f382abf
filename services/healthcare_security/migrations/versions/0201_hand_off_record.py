"""the hand-off record (留痕): an append-only hash chain of every event and state-changing request

Revision ID: 0201
Revises: 0002, 0101
"""
from shared.migrate import create_hand_off_record, drop_hand_off_record

revision = "0201"
down_revision = ('0002', '0101')
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_hand_off_record()


def downgrade() -> None:
    drop_hand_off_record()
