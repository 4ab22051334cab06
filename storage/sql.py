"""Small portable SQL helpers that SQLite and PostgreSQL both honour."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_insert(session: AsyncSession) -> Any:
    """The ``insert`` of the session's dialect (it has ``on_conflict_do_nothing``)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def insert_ignore(session: AsyncSession, model: type[DeclarativeBase], values: dict[str, Any]) -> bool:
    """Insert one row unless a unique constraint already holds it; True if inserted.

    Under concurrency this is the safe way to say "exactly once": the database,
    not a read beforehand, decides who was first.
    """
    conn = await session.connection()  # Core: the ORM's insert machinery costs more than the round trip
    result = await conn.execute(dialect_insert(session)(model.__table__).on_conflict_do_nothing(), values)
    return bool(result.rowcount)
