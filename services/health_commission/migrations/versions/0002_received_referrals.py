"""received referrals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:07:20.400368

"""
from typing import Sequence, Union

from shared.migrate import create_table_of, drop_table_of
from shared.referrals import ReferralColumns


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_table_of(ReferralColumns)


def downgrade() -> None:
    drop_table_of(ReferralColumns)
