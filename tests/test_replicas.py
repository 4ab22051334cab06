"""Several instances starting together on one empty PostgreSQL database all come up (issue 12, item 5).

Each test gets a database of its own, created empty and dropped at the end, and
starts real ``python app.py`` processes at the same moment: the migrations and
the Slack OAuth stores' tables are created once, under the schema's advisory
lock, and every other instance waits and finds them there.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import aiohttp
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from storage.db import create_engine, run_outside_transaction
from storage.migrate import current_revisions, head_revisions
from storage.models import Base
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.teams import activities as act
from tests.bot.teams.fake_connector import FakeConnector
from tests.conftest import IN_CI, PG_DEFAULT
from tests.test_app_serve import ROOT, guild_env, serving


@pytest.fixture
async def empty_postgres() -> AsyncIterator[str]:
    base = os.environ.get("GUILD_TEST_POSTGRES_URL", PG_DEFAULT)
    name = f"guild_replicas_{uuid.uuid4().hex[:10]}"
    try:
        await run_outside_transaction(base, f'CREATE DATABASE "{name}"')
    except Exception as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {error}", pytrace=False)
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    await run_outside_transaction(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def tables_and_revision(url: str) -> tuple[set[str], frozenset[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        return tables, await current_revisions(engine)
    finally:
        await engine.dispose()


async def test_six_migrate_jobs_at_once_on_an_empty_database_all_succeed(empty_postgres: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_", "GUILD_"))},
           "DATABASE_URL": empty_postgres}
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), "migrate", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(6)]
    results = await asyncio.gather(*(asyncio.wait_for(p.communicate(), 120) for p in processes))
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err.decode()
        assert out.decode().strip() == "Database schema is up to date."
    tables, revision = await tables_and_revision(empty_postgres)
    assert revision == head_revisions()
    assert {table.name for table in Base.metadata.sorted_tables} <= tables


async def test_three_servers_at_once_on_an_empty_database_all_start(empty_postgres: str) -> None:
    """Slack with OAuth (so the installation stores create their tables too) and Teams, three instances."""
    slack = FakeSlack()
    await slack.start()
    env = guild_env(empty_postgres, slack, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="shh")
    try:
        async with AsyncExitStack() as stack:
            started = await asyncio.gather(*(stack.enter_async_context(serving(env)) for _ in range(3)))
            assert len({base for base, _ in started}) == 3  # serving() asserted /healthz 200 on each
            tables, revision = await tables_and_revision(empty_postgres)
            assert revision == head_revisions()
            assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables
    finally:
        await slack.close()


async def test_with_auto_migrate_off_serve_waits_for_the_migrate_job(empty_postgres: str) -> None:
    """GUILD_AUTO_MIGRATE=0: the server comes up not ready and touches no schema; `migrate` does it, then it serves."""
    slack, connector = FakeSlack(), FakeConnector()
    await slack.start()
    await connector.start()
    env = guild_env(empty_postgres, slack, GUILD_AUTO_MIGRATE="0", SLACK_CLIENT_ID="111.222",
                    SLACK_CLIENT_SECRET="shh")
    try:
        async with serving(env) as (base, _), aiohttp.ClientSession() as http:
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 503 and "python app.py migrate" in (await response.json())["status"]
            assert (await tables_and_revision(empty_postgres)) == (set(), frozenset())
            migrate = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "app.py"), "migrate", env=env, cwd=ROOT,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            _, err = await asyncio.wait_for(migrate.communicate(), 120)
            assert migrate.returncode == 0, err.decode()
            tables, revision = await tables_and_revision(empty_postgres)
            assert revision == head_revisions() and "slack_installations" in tables
            status = 503
            for _ in range(300):  # the server polls the schema every 2 s; bounded by tries, not by a clock
                async with http.get(f"{base}/readyz") as response:
                    status = response.status
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            assert status == 200
            activity = act.personal_message(connector.url, "ana", "help")
            async with http.post(f"{base}/api/messages", json=activity) as response:
                assert response.status in (200, 201)
            assert any("what I can do" in " ".join(call.texts) for call in connector.sent())
    finally:
        await slack.close()
        await connector.close()
