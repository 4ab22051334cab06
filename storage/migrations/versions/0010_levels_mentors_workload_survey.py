"""career levels, mentors, workload and the competency survey (issue 11 items 4–7)

Trainer profiles gain a level set by hand (with who and when), a mentor and a
monthly capacity; communities gain ``repeat-limit`` and their competency list;
survey rounds, responses and ratings get their tables.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('competencies', sa.Text(), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', storage.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_survey_rounds_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['members.id'], name=op.f('fk_survey_rounds_started_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_rounds'))
    )
    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_rounds_community_id'), ['community_id'], unique=False)

    op.create_table('survey_ratings',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('competency', sa.String(length=100), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.CheckConstraint('rating between 1 and 5', name=op.f('ck_survey_ratings_rating')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_survey_ratings_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_survey_ratings_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'member_id', 'competency', name=op.f('pk_survey_ratings'))
    )
    op.create_table('survey_responses',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', storage.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_survey_responses_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_survey_responses_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'member_id', name=op.f('pk_survey_responses'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_limit', sa.Integer(), server_default='8', nullable=False))
        batch_op.add_column(sa.Column('competencies', sa.Text(), nullable=True))

    with op.batch_alter_table('trainer_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('level_set_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('level_set_at', storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('mentor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mentor_assigned_at', storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_trainer_profiles_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_trainer_profiles_level_set_by_id_members'), 'members', ['level_set_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_trainer_profiles_mentor_id_members'), 'members', ['mentor_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('trainer_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trainer_profiles_mentor_id_members'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_trainer_profiles_level_set_by_id_members'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_trainer_profiles_mentor_id'))
        batch_op.drop_column('capacity')
        batch_op.drop_column('mentor_assigned_at')
        batch_op.drop_column('mentor_id')
        batch_op.drop_column('level_set_at')
        batch_op.drop_column('level_set_by_id')
        batch_op.drop_column('level')

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('competencies')
        batch_op.drop_column('repeat_limit')

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_member_id'))

    op.drop_table('survey_responses')
    op.drop_table('survey_ratings')
    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_rounds_community_id'))

    op.drop_table('survey_rounds')
