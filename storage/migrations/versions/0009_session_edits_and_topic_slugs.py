"""session edits (location, moves) and topic slugs

Sessions gain a place or link (``location``) and a count of how often their
start moved (``moves``), which reminders are filed under.

Topics become slugs (DESIGN §4: lower case, spaces and underscores as ``-``, no
leading ``#``) in sessions, trainers' topics, programs and topic requests, so that ``public speaking`` and
``#public-speaking`` are one topic. A trainer who had both spellings keeps one row.
The slug is the display form too (``#public-speaking`` reads well), so no
separate display column is kept.

Revision ID: 0009
Revises: 0008
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
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

    programs = sa.table('programs', sa.column('id', sa.Integer), sa.column('topic', sa.String))
    for row_id, topic in bind.execute(sa.select(programs.c.id, programs.c.topic).where(programs.c.topic.isnot(None))):
        if _slug(topic) != topic:
            bind.execute(programs.update().where(programs.c.id == row_id).values(topic=_slug(topic) or None))

    requests = sa.table('topic_requests', sa.column('id', sa.Integer), sa.column('community_id', sa.Integer),
                        sa.column('topic', sa.String), sa.column('open_topic', sa.String))
    rows = bind.execute(sa.select(requests.c.id, requests.c.community_id, requests.c.topic, requests.c.open_topic)
                        .order_by(requests.c.id)).all()
    open_now = {(community, open_topic) for _, community, _, open_topic in rows if open_topic}
    for row_id, community, topic, open_topic in rows:
        values = {}
        if _slug(topic) and _slug(topic) != topic:
            values['topic'] = _slug(topic)
        # An open request keeps its unslugged key only if another open request already holds the slug.
        if open_topic and _slug(open_topic) and _slug(open_topic) != open_topic \
                and (community, _slug(open_topic)) not in open_now:
            open_now.discard((community, open_topic))
            open_now.add((community, _slug(open_topic)))
            values['open_topic'] = _slug(open_topic)
        if values:
            bind.execute(requests.update().where(requests.c.id == row_id).values(**values))

    topics = sa.table('trainer_topics', sa.column('id', sa.Integer), sa.column('member_id', sa.Integer),
                      sa.column('topic', sa.String))
    kept: set[tuple[int, str]] = set()
    topic_rows = bind.execute(sa.select(topics.c.id, topics.c.member_id, topics.c.topic).order_by(topics.c.id)).all()
    for row_id, member_id, topic in topic_rows:  # rows already slugged first, so a renamed duplicate is the one dropped
        if _slug(topic) == topic and topic:
            kept.add((member_id, topic))
    for row_id, member_id, topic in topic_rows:
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
