"""Bring the schema to the newest Alembic revision (the app does this at start, unless GUILD_AUTO_MIGRATE=0).

Several instances may start at once on one empty PostgreSQL database; each
would run the migrations and all but one would crash on a duplicate type or
table. So every schema change (Alembic's, and the Slack stores' own
``create_tables``) runs inside :func:`schema_lock`: a PostgreSQL advisory lock
on a fixed key, held on a connection of its own. The next instance waits, then
finds the schema at head and does nothing. SQLite needs no lock: every Guild
transaction there starts with ``BEGIN IMMEDIATE`` (see ``storage.db``), which
already lets one writer in at a time, and the migration is one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger("guild.migrate")

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_POLL_SECONDS = 2.0
# Every Guild instance on a database must agree on this key: it is the schema's lock, whatever the version.
SCHEMA_LOCK_KEY = 0x6775696C645F5343  # "guild_SC"


@asynccontextmanager
async def schema_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the schema's advisory lock (PostgreSQL) while the block changes the schema; waits for another holder.

    The lock lives on a connection outside the engine's pool, closed at the
    end: if the process dies, PostgreSQL ends the session and frees the lock.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    holder = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with holder.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            await connection.commit()
            try:
                yield
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
                await connection.commit()
    finally:
        await holder.dispose()


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Migrate to head under the schema lock (a no-op when another instance just did it)."""
    async with schema_lock(engine), engine.begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@cache
def head_revisions() -> frozenset[str]:
    """The revisions this code's migrations end in (read from the files once)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database says it is at (empty before the first migration); raises when it can't answer."""
    async with engine.connect() as connection:
        heads = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    return frozenset(heads)


async def wait_until_current(engine: AsyncEngine, stop: asyncio.Event, poll: float = SCHEMA_POLL_SECONDS) -> None:
    """Return once the database is at head (or ``stop`` is set): with GUILD_AUTO_MIGRATE=0, the migrate job's turn."""
    told = False
    while not stop.is_set():
        try:
            current = await current_revisions(engine)
        except Exception as error:  # not reachable yet, or no version table: keep waiting, say so once
            current, reason = frozenset(), type(error).__name__
        else:
            reason = "schema at " + (",".join(sorted(current)) or "nothing")
        if current == head_revisions():
            if told:
                log.info("database schema is current; starting")
            return
        if not told:
            log.warning("waiting for the database schema (%s; this version needs %s): run python app.py migrate",
                        reason, ",".join(sorted(head_revisions())))
            told = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll)
