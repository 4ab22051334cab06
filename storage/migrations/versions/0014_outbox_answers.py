"""outbox answers: a post can be a person's public answer (its thread, and who to tell if the channel refuses it)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('thread', sa.String(length=64), nullable=True))
    op.add_column('outbox', sa.Column('answering', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('answering')
        batch.drop_column('thread')
