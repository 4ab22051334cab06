"""Every storage-touching test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``GUILD_TEST_POSTGRES_URL`` (default: this machine's and
CI's server at 127.0.0.1:5432, database ``test``). Each test run creates its own
database and drops it at the end. Outside CI, a missing server skips those
tests with the reason; with ``CI=true`` it fails the run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.context import CoreSettings
from handlers.core import Core
from storage.db import create_engine, run_outside_transaction, session_factory
from storage.migrate import upgrade
from storage.models import Base
from storage.uow import UnitOfWork
from tests.bot.slack.fake_slack import FakeSlack
from tests.fakes import Chat, FakeClock, RecordingNotifier

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _migrate(url: str) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    base = os.environ.get("GUILD_TEST_POSTGRES_URL", PG_DEFAULT)
    name = f"guild_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(run_outside_transaction(base, f'CREATE DATABASE "{name}"'))
    except Exception as error:
        reason = f"PostgreSQL is not reachable at {make_url(base).render_as_string(hide_password=True)}: {error}"
        if IN_CI:
            pytest.fail(f"{reason} (CI requires PostgreSQL; set GUILD_TEST_POSTGRES_URL)", pytrace=False)
        pytest.skip(f"{reason}; set GUILD_TEST_POSTGRES_URL to run the PostgreSQL tests")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    yield url
    asyncio.run(run_outside_transaction(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "guild.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    asyncio.run(run_outside_transaction(url, f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def uow(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    """A factory of units of work on the test database."""
    sessions = session_factory(engine)
    return lambda: UnitOfWork(sessions)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def core(uow, notifier: RecordingNotifier, clock: FakeClock) -> Core:  # type: ignore[no-untyped-def]
    return Core(uow=uow, notifier=notifier, clock=clock, settings=CoreSettings(admins=frozenset({"root"})))


@pytest.fixture
def chat(core: Core) -> Chat:
    return Chat(core)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A local Slack Web API that records every call (a few people known by name)."""
    fake = FakeSlack()
    await fake.start()
    for user, name in (("UANA", "Ana"), ("UBEN", "Ben"), ("UCARA", "Cara"), ("UADMIN", "Admin")):
        fake.add_user(user, name)
    yield fake
    await fake.close()


@pytest.fixture
def bare_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment of ``python app.py`` with no platform configured, on a SQLite file here; its path."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "TEAMS_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'guild.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "guild.db"
