"""kudos given since: the daily-limit count that reads after the giver's row lock

``storage.kudos.given_since`` locks the giver's row and counts their kudos in
one statement. A subquery in that statement would count with the snapshot
taken before the lock was granted and miss the kudos of the transaction it
waited for; a VOLATILE function takes a fresh snapshot for its own query.
PostgreSQL only: SQLite serialises writers with BEGIN IMMEDIATE.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 18:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION guild_kudos_given_since(giver integer, since timestamp without time zone) "
        "RETURNS integer LANGUAGE sql VOLATILE AS "
        "$$ SELECT count(*)::integer FROM kudos WHERE giver_id = giver AND created_at >= since $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS guild_kudos_given_since(integer, timestamp without time zone)")
