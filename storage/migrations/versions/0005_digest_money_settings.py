"""digest money and reach: external and internal hourly rates, currency, prep ratio and headcount per community

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 18:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_rate', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('internal_rate', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('prep_ratio', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('headcount', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('headcount')
        batch_op.drop_column('prep_ratio')
        batch_op.drop_column('currency')
        batch_op.drop_column('internal_rate')
        batch_op.drop_column('external_rate')
