"""The inbox table: platform deliveries recorded before their ack, kept until their work is done.

An adapter records a delivery with one INSERT that ignores a key it has seen
(a retry, a replayed request), answers the platform, and marks the row done
once the work finished. A row not done whose ``claimed_until`` has passed
belongs to nobody any more — its process died, or its last try failed and the
next one is due — and ``claim`` hands such rows to exactly one caller, however
many instances ask at once (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
write lock that every SQLite transaction takes up front).

These are Core statements on a connection, not ORM work: the insert sits on
the ack path, where every millisecond shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import InboxItem

ERROR_LENGTH = 500
INBOX = cast(Table, InboxItem.__table__)
SETTLE = (update(INBOX).where(INBOX.c.key == bindparam("row_key"), INBOX.c.done_at.is_(None))
          .values(done_at=bindparam("now")))
# Built once, so each dialect compiles them once: the record is on every ack, the release on every hand-off.
RECORD = {"postgresql": postgresql.insert(INBOX).on_conflict_do_nothing(),
          "sqlite": sqlite.insert(INBOX).on_conflict_do_nothing()}
RELEASE = (update(INBOX).where(INBOX.c.key.in_(bindparam("keys", expanding=True)), INBOX.c.done_at.is_(None))
           .values(claimed_by=None, claimed_until=bindparam("now")))


@dataclass(frozen=True)
class Item:
    """A recorded delivery as a sweeper takes it over."""

    key: str
    platform: str
    kind: str
    payload: str
    content_type: str
    attempts: int
    taken_over: bool  # from a process whose lease ran out, or after a failed try (not one handed on or given back)


@dataclass(frozen=True)
class Depth:
    """Unfinished rows: how many are waiting (or being worked on), since when, and how many were given up."""

    waiting: int
    oldest: datetime | None
    failed: int


@dataclass(frozen=True)
class Unfinished:
    """A delivery an operator should look at: given up after its tries, or still not done long after it came."""

    id: int
    platform: str
    kind: str
    received_at: datetime
    attempts: int
    given_up: bool
    last_error: str | None


async def record(conn: AsyncConnection, *, platform: str, key: str, kind: str, payload: str, content_type: str,
                 owner: str, now: datetime, lease: timedelta) -> bool:
    """Record a delivery, leased to ``owner``; False when its key was recorded before (nothing is written)."""
    result = await conn.execute(RECORD[conn.dialect.name], {
        "platform": platform, "key": key, "kind": kind, "payload": payload, "content_type": content_type,
        "received_at": now, "attempts": 0, "claimed_by": owner, "claimed_until": now + lease})
    return bool(result.rowcount)


async def settle(conn: AsyncConnection, key: str, now: datetime) -> bool:
    """Mark the row done inside the caller's transaction (with the work it records); False when it was done
    already — a run that finished before, or that another process committed while this one waited on the row."""
    result = await conn.execute(SETTLE, {"row_key": key, "now": now})
    return bool(result.rowcount)


async def finish(conn: AsyncConnection, key: str, now: datetime, error: str | None = None) -> None:
    """The work is done (``error``: it ended in a way a retry would not change, kept for the operator)."""
    await conn.execute(update(InboxItem).where(InboxItem.key == key).values(
        done_at=now, last_error=error[:ERROR_LENGTH] if error else None))


async def retry_at(conn: AsyncConnection, key: str, due: datetime, error: str) -> None:
    """The try failed for a reason that passes (the database was away): due again at ``due``, by anyone."""
    await conn.execute(update(InboxItem).where(InboxItem.key == key, InboxItem.done_at.is_(None)).values(
        claimed_by=None, claimed_until=due, last_error=error[:ERROR_LENGTH]))


async def release(conn: AsyncConnection, keys: list[str], now: datetime) -> None:
    """Give rows back, due now, for whichever process has room (this one recorded them and hands them on)."""
    await conn.execute(RELEASE, {"keys": keys, "now": now})


async def give_back(conn: AsyncConnection, key: str, now: datetime) -> None:
    """Give a claimed row back untried (this instance cannot run it): due now, the claim's count undone."""
    await conn.execute(update(InboxItem).where(InboxItem.key == key, InboxItem.done_at.is_(None)).values(
        claimed_by=None, claimed_until=now, attempts=case((InboxItem.attempts > 0, InboxItem.attempts - 1), else_=0)))


def gave_up(max_attempts: int) -> ColumnElement[bool]:
    """A row taken over ``max_attempts`` times: no sweeper claims it any more; it waits for an operator."""
    return InboxItem.attempts >= max_attempts


async def claim(conn: AsyncConnection, *, owner: str, now: datetime, lease: timedelta, limit: int,
                max_attempts: int) -> list[Item]:
    """Take over at most ``limit`` rows that are due, oldest due first; each counts one more attempt.

    A row still naming its owner was left by a process whose lease ran out: its ``last_error`` says so.
    """
    due = (select(InboxItem.id)
           .where(InboxItem.done_at.is_(None), ~gave_up(max_attempts), InboxItem.claimed_until <= now)
           .order_by(InboxItem.claimed_until).limit(limit)
           .with_for_update(skip_locked=True))
    result = await conn.execute(
        update(InboxItem).where(InboxItem.id.in_(due.scalar_subquery()))
        .values(claimed_by=owner, claimed_until=now + lease, attempts=InboxItem.attempts + 1,
                last_error=case((InboxItem.claimed_by.is_not(None), "the lease of " + InboxItem.claimed_by
                                 + " ran out"), else_=InboxItem.last_error))
        .returning(InboxItem.key, InboxItem.platform, InboxItem.kind, InboxItem.payload, InboxItem.content_type,
                   InboxItem.attempts, InboxItem.last_error.is_not(None)))
    return [Item(*row[:6], taken_over=bool(row[6])) for row in result]


async def depth(conn: AsyncConnection, max_attempts: int) -> Depth:
    """One indexed read of the unfinished rows (for the metrics scrape)."""
    given_up = gave_up(max_attempts)
    row = (await conn.execute(
        select(func.coalesce(func.sum(case((given_up, 0), else_=1)), 0),
               func.min(case((given_up, None), else_=InboxItem.received_at)),
               func.coalesce(func.sum(case((given_up, 1), else_=0)), 0))
        .where(InboxItem.done_at.is_(None)))).one()
    waiting, oldest, failed = row
    if isinstance(oldest, str):  # SQLite hands back the text of a CASE over a datetime column
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Depth(int(waiting), oldest, int(failed))


async def prune(conn: AsyncConnection, before: datetime) -> int:
    """Forget finished rows received before ``before`` (long after any retry or replay of them could come)."""
    result = await conn.execute(delete(InboxItem).where(InboxItem.received_at < before,
                                                        InboxItem.done_at.is_not(None)))
    return int(result.rowcount)


async def unfinished(conn: AsyncConnection, *, now: datetime, older_than: timedelta,
                     max_attempts: int) -> list[Unfinished]:
    """Rows given up after ``max_attempts`` tries, and rows received more than ``older_than`` ago and not done."""
    given_up = gave_up(max_attempts)
    rows = await conn.execute(
        select(InboxItem.id, InboxItem.platform, InboxItem.kind, InboxItem.received_at, InboxItem.attempts,
               given_up, InboxItem.last_error)
        .where(InboxItem.done_at.is_(None), or_(given_up, InboxItem.received_at < now - older_than))
        .order_by(InboxItem.received_at))
    return [Unfinished(*row[:5], bool(row[5]), row[6]) for row in rows]


async def requeue(conn: AsyncConnection, ids: Sequence[int] | None, *, now: datetime, max_attempts: int) -> list[int]:
    """Rows given up (all of them, or those of ``ids``) due again now, their tries counted afresh; their ids."""
    query = update(InboxItem).where(InboxItem.done_at.is_(None), gave_up(max_attempts))
    if ids is not None:
        query = query.where(InboxItem.id.in_(ids))
    result = await conn.execute(query.values(attempts=0, claimed_by=None, claimed_until=now)
                                .returning(InboxItem.id))
    return sorted(row_id for (row_id,) in result)
