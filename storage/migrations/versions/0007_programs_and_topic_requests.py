"""programs and topic requests

Two community settings (``refresh-months``, ``request-threshold``).
Programs (curricula) with co-authors and a history of content refreshes;
sessions may deliver a program (``training_sessions.program_id``). Topic
requests with their supporters; ``open_topic`` keeps one open request a topic.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:46:49.286189
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_months', sa.Integer(), server_default='12', nullable=False))
        batch_op.add_column(sa.Column('request_threshold', sa.Integer(), server_default='3', nullable=False))

    op.create_table('programs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.Column('materials_url', sa.String(length=2000), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(), nullable=False),
    sa.Column('refreshed_at', storage.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_programs_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_programs_created_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs'))
    )
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.create_index('ix_programs_community_topic', ['community_id', 'topic'], unique=False)

    op.create_table('program_authors',
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('added_at', storage.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_program_authors_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_program_authors_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('program_id', 'member_id', name=op.f('pk_program_authors'))
    )
    with op.batch_alter_table('program_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_authors_member_id'), ['member_id'], unique=False)

    op.create_table('program_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', storage.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind in ('created', 'refreshed')", name=op.f('ck_program_history_kind')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_program_history_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_program_history_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_history'))
    )
    with op.batch_alter_table('program_history', schema=None) as batch_op:
        batch_op.create_index('ix_program_history_program_at', ['program_id', 'at'], unique=False)

    op.create_table('topic_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('open_topic', sa.String(length=64), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(), nullable=False),
    sa.Column('trainers_told_at', storage.models.UTCDateTime(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_at', storage.models.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status in ('open', 'scheduled', 'closed')", name=op.f('ck_topic_requests_status')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_topic_requests_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['members.id'], name=op.f('fk_topic_requests_requested_by_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_topic_requests_session_id_training_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_requests')),
    sa.UniqueConstraint('community_id', 'open_topic', name=op.f('uq_topic_requests_community_id'))
    )
    with op.batch_alter_table('topic_requests', schema=None) as batch_op:
        batch_op.create_index('ix_topic_requests_community_status', ['community_id', 'status'], unique=False)

    op.create_table('request_supporters',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', storage.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_request_supporters_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['topic_requests.id'], name=op.f('fk_request_supporters_request_id_topic_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'member_id', name=op.f('pk_request_supporters'))
    )
    with op.batch_alter_table('request_supporters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_supporters_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('program_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_training_sessions_program_id'), ['program_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_training_sessions_program_id_programs'), 'programs', ['program_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_training_sessions_program_id_programs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_training_sessions_program_id'))
        batch_op.drop_column('program_id')

    with op.batch_alter_table('request_supporters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_supporters_member_id'))

    op.drop_table('request_supporters')
    with op.batch_alter_table('topic_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_requests_community_status')

    op.drop_table('topic_requests')
    with op.batch_alter_table('program_history', schema=None) as batch_op:
        batch_op.drop_index('ix_program_history_program_at')

    op.drop_table('program_history')
    with op.batch_alter_table('program_authors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_authors_member_id'))

    op.drop_table('program_authors')
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_index('ix_programs_community_topic')

    op.drop_table('programs')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('request_threshold')
        batch_op.drop_column('refresh_months')
