"""session edits (location, moves) and topic slugs

Sessions gain a place or link (``location``) and a count of how often their
start moved (``moves``), which reminders are filed under.

Topics become slugs (DESIGN §4: lower case, spaces and underscores as ``-``, no
leading ``#``) in sessions and trainers' topics, so that ``public speaking`` and
``#public-speaking`` are one topic. A trainer who had both spellings keeps one row.
The slug is the display form too (``#public-speaking`` reads well), so no
separate display column is kept.

Revision ID: 0008
Revises: 0007
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _slug(raw: str) -> str:
    """A frozen copy of handlers.tokens.slug as of this migration."""
    return re.sub(r"[\s_-]+", "-", raw.strip().lstrip("#").lower()).strip("-")


def upgrade() -> None:
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('moves', sa.Integer(), nullable=False, server_default='0'))

    bind = op.get_bind()
    sessions = sa.table('training_sessions', sa.column('id', sa.Integer), sa.column('topic', sa.String))
    for row_id, topic in bind.execute(sa.select(sessions.c.id, sessions.c.topic).where(sessions.c.topic.isnot(None))):
        slugged = _slug(topic) or None
        if slugged != topic:
            bind.execute(sessions.update().where(sessions.c.id == row_id).values(topic=slugged))

    topics = sa.table('trainer_topics', sa.column('id', sa.Integer), sa.column('member_id', sa.Integer),
                      sa.column('topic', sa.String))
    kept: set[tuple[int, str]] = set()
    rows = bind.execute(sa.select(topics.c.id, topics.c.member_id, topics.c.topic).order_by(topics.c.id)).all()
    for row_id, member_id, topic in rows:  # rows already slugged first, so a renamed duplicate is the one dropped
        if _slug(topic) == topic and topic:
            kept.add((member_id, topic))
    for row_id, member_id, topic in rows:
        slugged = _slug(topic)
        if slugged == topic and topic:
            continue
        if not slugged or (member_id, slugged) in kept:
            bind.execute(topics.delete().where(topics.c.id == row_id))
            continue
        kept.add((member_id, slugged))
        bind.execute(topics.update().where(topics.c.id == row_id).values(topic=slugged))


def downgrade() -> None:
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_column('moves')
        batch_op.drop_column('location')
