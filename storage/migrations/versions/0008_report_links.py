"""report links: one-pagers served at GET /reports/<token> for a while (Teams), keyed by the token's hash

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'report_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('mime', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_report_links_community_id_communities'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_report_links_token_hash')),
    )
    op.create_index('ix_report_links_expires_at', 'report_links', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_links_expires_at', table_name='report_links')
    op.drop_table('report_links')
