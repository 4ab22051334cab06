"""Engines for Guild's two databases: SQLite (embedded default) and PostgreSQL.

Operators paste URLs as hosting platforms give them (``postgresql://…``,
``postgres://…``, ``sqlite:///guild.db``); Guild picks its own async driver so
that nobody has to know which one it uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 15_000

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
}


def async_url(url: str | URL) -> URL:
    """Map a plain or sync database URL to the async driver Guild uses."""
    parsed = make_url(url) if isinstance(url, str) else url
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def is_sqlite(url: str | URL) -> bool:
    return async_url(url).get_backend_name() == "sqlite"


def create_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine; for SQLite, one that behaves well under concurrent writers.

    SQLite gets WAL, foreign keys and a busy timeout on every connection, and
    every transaction starts with ``BEGIN IMMEDIATE``: a read-then-write
    transaction that began as a reader can fail with SQLITE_BUSY even under WAL,
    so each unit of work takes the write lock up front and waits its turn.

    PostgreSQL connections are not pinged on every checkout (that was one round
    trip in nine on a ``/kudos``): a connection that died in the pool fails its
    first statement, SQLAlchemy invalidates it, and ``Core`` runs the use case
    again on a fresh one (see ``handlers.core``).
    """
    target = async_url(url)
    # SQL errors are logged with their statement; never with its parameters, which are what people typed.
    kwargs.setdefault("hide_parameters", True)
    if target.get_backend_name() != "sqlite":
        return create_async_engine(target, **kwargs)
    engine = create_async_engine(target, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@asynccontextmanager
async def one_statement(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for one statement that is atomic by itself: in autocommit on PostgreSQL (no BEGIN and
    COMMIT round trips), in a transaction of its own on SQLite (whose write lock a transaction takes)."""
    if engine.dialect.name != "postgresql":
        async with engine.begin() as conn:
            yield conn
        return
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def run_outside_transaction(url: str | URL, statement: str) -> None:
    """Run one statement in autocommit, e.g. ``CREATE DATABASE``, which PostgreSQL refuses inside a transaction."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
