"""The migration that brings session edits turns existing topics into slugs, one per trainer and topic."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from storage.db import create_engine, run_outside_transaction
from storage.migrate import alembic_config
from tests.conftest import PG_DEFAULT


def _revisions() -> tuple[str, str]:
    """(this migration, the one before it), found by name so that a renumbering at landing keeps the test."""
    scripts = ScriptDirectory.from_config(alembic_config())
    (script,) = [s for s in scripts.walk_revisions() if s.path.endswith("_session_edits_and_topic_slugs.py")]
    assert isinstance(script.down_revision, str)
    return script.revision, script.down_revision


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("postgres_database")  # skips (or fails in CI) like the other PostgreSQL tests
    base = os.environ.get("GUILD_TEST_POSTGRES_URL", PG_DEFAULT)
    name = f"guild_slug_{uuid.uuid4().hex[:10]}"
    asyncio.run(run_outside_transaction(base, f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(run_outside_transaction(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _to(revision: str):  # type: ignore[no-untyped-def]
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return run


async def test_existing_topics_become_slugs_and_duplicates_collapse(empty_url: str) -> None:
    mine, before = _revisions()
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_to(before))
            await connection.execute(text(
                "INSERT INTO communities (id, platform, external_id, kudos_emoji, daily_kudos_limit, "
                "burnout_threshold, roundup_day, roundup_time, digest_frequency, created_at) "
                "VALUES (1, 'console', 'c', 'clap', 10, 12, 'fri', '16:00', 'monthly', '2026-01-01')"))
            await connection.execute(text(
                "INSERT INTO members (id, community_id, user_id, is_admin, is_leader, leaderboard_opt_out, "
                "created_at) VALUES (1, 1, 'tara', false, false, false, '2026-01-01')"))
            await connection.execute(text(
                "INSERT INTO trainer_profiles (member_id, community_id, status, volunteered_at, status_changed_at) "
                "VALUES (1, 1, 'active', '2026-01-01', '2026-01-01')"))
            await connection.execute(text(
                "INSERT INTO trainer_topics (id, member_id, topic) VALUES "
                "(1, 1, 'public speaking'), (2, 1, 'public-speaking'), (3, 1, 'Data_Science'), (4, 1, 'sql')"))
            await connection.execute(text(
                "INSERT INTO training_sessions (id, community_id, trainer_id, title, topic, starts_at, "
                "duration_minutes, seats, taken, status, attendance_marked, created_at) VALUES "
                "(1, 1, 1, 'Talks', 'public speaking', '2026-01-02', 60, 5, 0, 'done', false, '2026-01-01'), "
                "(2, 1, 1, 'Joins', NULL, '2026-01-03', 60, 5, 0, 'scheduled', false, '2026-01-01')"))
            await connection.execute(text(
                "INSERT INTO programs (id, community_id, title, topic, created_at) VALUES "
                "(1, 1, 'Speaking', 'Public Speaking', '2026-01-01')"))
            await connection.execute(text(
                "INSERT INTO topic_requests (id, community_id, topic, open_topic, requested_by_id, status, "
                "created_at) VALUES (1, 1, 'data science', 'data science', 1, 'open', '2026-01-01')"))
            await connection.run_sync(_to(mine))
            programs = (await connection.execute(text("SELECT topic FROM programs"))).all()
            requests = (await connection.execute(text("SELECT topic, open_topic FROM topic_requests"))).all()
            topics = (await connection.execute(text("SELECT topic FROM trainer_topics ORDER BY topic"))).all()
            sessions = (await connection.execute(text(
                "SELECT topic, location, program_id, moves FROM training_sessions ORDER BY id"))).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in programs] == [("public-speaking",)]
    assert [tuple(r) for r in requests] == [("data-science", "data-science")]
    assert [t for (t,) in topics] == ["data-science", "public-speaking", "sql"]
    assert [tuple(row) for row in sessions] == [("public-speaking", None, None, 0), (None, None, None, 0)]
