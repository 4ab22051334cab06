"""feedback receipts keep no time

A receipt's timestamp matched its anonymous rating's to the microsecond, which
named the rater. Receipts only need to exist (reminders stop, a second rating
is refused), so the column goes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:26:23.676546
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_receipts', schema=None) as batch_op:
        batch_op.drop_column('created_at')


def downgrade() -> None:
    with op.batch_alter_table('feedback_receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', storage.models.UTCDateTime(), nullable=True))
