"""session lifecycle: close-out grace days and the trainer guide link per community

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closeout_days', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('trainer_guide_url', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('trainer_guide_url')
        batch_op.drop_column('closeout_days')
