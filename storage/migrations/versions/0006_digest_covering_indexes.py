"""digest covering indexes: the digest's per-session counts get the same plan from the first run

On PostgreSQL the first five runs of a prepared statement are planned for their
actual parameters; for a month's sessions those plans joined enrollments,
feedback and receipts by a parallel sequential scan (150–250 ms each) until the
generic plan took over. With these indexes each session's enrollments and
ratings are read index-only, which the planner prefers for any period.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMENTED = "comment IS NOT NULL AND comment <> ''"


def upgrade() -> None:
    op.create_index('ix_enrollments_session_status_member', 'enrollments', ['session_id', 'status', 'member_id'])
    op.create_index('ix_feedback_session_rating', 'feedback', ['session_id', 'rating'])
    op.create_index('ix_feedback_session_commented', 'feedback', ['session_id', 'rating'],
                    postgresql_where=sa.text(COMMENTED), sqlite_where=sa.text(COMMENTED))


def downgrade() -> None:
    op.drop_index('ix_feedback_session_commented', table_name='feedback')
    op.drop_index('ix_feedback_session_rating', table_name='feedback')
    op.drop_index('ix_enrollments_session_status_member', table_name='enrollments')
