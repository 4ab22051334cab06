"""The outbox: what Guild tells people, stored with the change that decided it, delivered after the commit.

A use case's notices are inserted in its own transaction (``add``, one
multi-row INSERT), so a change and its notices commit or roll back together.
Delivery claims rows with a lease: rows are born claimed by the process that
commits them, which sends them at once, and every process's deliverer picks up what is due
(``claim_due``: rows waiting for a retry, and rows left in ``sending`` by a
process that died — their lease ran out). On PostgreSQL concurrent claimers
skip each other's rows (``FOR UPDATE SKIP LOCKED``); on SQLite every write
transaction already holds the database lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, OutboxMessage

ERROR_LENGTH = 300
OUTBOX = cast(Table, OutboxMessage.__table__)
MARK_SENT = (update(OUTBOX).where(OUTBOX.c.id == bindparam("row_id"))
             .values(state="sent", platform_ref=bindparam("ref"), sent_at=bindparam("at"), claimed_until=None))


@dataclass(frozen=True)
class Item:
    """One message to store: ``kind`` is ``tell`` (``target`` a user id) or ``post`` (a channel). A post may
    go in a ``thread``, and be ``answering`` a person's command (they hear privately if the channel refuses it)."""

    kind: str
    target: str
    payload: str
    thread: str | None = None
    answering: str | None = None


@dataclass(frozen=True)
class Claimed:
    """A row this process now owns until its lease ends. ``uncertain``: an earlier sender died or lost the
    platform's answer mid-send, so the platform may already hold it (look before sending again)."""

    id: int
    platform: str
    external_id: str
    community_name: str | None
    kind: str
    target: str
    payload: str
    thread: str | None
    answering: str | None
    attempts: int
    uncertain: bool
    created_at: datetime


@dataclass(frozen=True)
class Stuck:
    """A row ``python app.py outbox`` shows: failed, or not delivered long after it was due."""

    id: int
    community: str
    kind: str
    target: str
    state: str
    attempts: int
    created_at: datetime
    last_error: str | None


async def add(session: AsyncSession, community_id: int, items: Sequence[Item], *, at: datetime, by: str,
              until: datetime) -> list[int]:
    """Insert ``items`` in the caller's transaction (one statement), already claimed by ``by`` until ``until``:
    the process that commits them sends them at once, and no other deliverer takes them meanwhile.
    Their ids, in order."""
    if not items:
        return []
    rows = [{"community_id": community_id, "kind": item.kind, "target": item.target, "payload": item.payload,
             "thread": item.thread, "answering": item.answering,
             "state": "sending", "attempts": 1, "next_attempt_at": at, "claimed_by": by, "claimed_until": until,
             "created_at": at} for item in items]
    conn = await session.connection()  # Core, not the ORM's bulk insert: this runs with every command that tells
    result = await conn.execute(insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True), rows)
    return [row.id for row in result]


def _due(at: datetime) -> Any:
    return or_(
        and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= at),
        and_(OutboxMessage.state == "sending", OutboxMessage.claimed_until < at),
    )


async def claim_due(session: AsyncSession, *, at: datetime, by: str, until: datetime, limit: int,
                    platforms: Collection[str] | None = None) -> list[Claimed]:
    """Claim up to ``limit`` due rows, oldest due first, of communities on ``platforms`` (None: any)."""
    query = select(OutboxMessage.id, OutboxMessage.state).where(_due(at))
    if platforms is not None:
        query = query.where(OutboxMessage.community_id.in_(
            select(Community.id).where(Community.platform.in_(list(platforms)))))
    query = query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    found = (await session.execute(query.with_for_update(skip_locked=True))).all()
    if not found:
        return []
    uncertain = {row.id for row in found if row.state == "sending"}
    ids = [row.id for row in found]
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids))
        .values(state="sending", claimed_by=by, claimed_until=until, attempts=OutboxMessage.attempts + 1)
    )
    rows = await session.execute(
        select(OutboxMessage, Community.platform, Community.external_id, Community.name)
        .join(Community, Community.id == OutboxMessage.community_id)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    return [Claimed(id=message.id, platform=platform, external_id=external_id, community_name=name,
                    kind=message.kind, target=message.target, payload=message.payload, thread=message.thread,
                    answering=message.answering, attempts=message.attempts,
                    uncertain=message.id in uncertain,
                    created_at=message.created_at)
            for message, platform, external_id, name in rows]


async def mark_sent(session: AsyncSession, sent: Sequence[tuple[int, str | None]], *, at: datetime) -> None:
    """Record what the platform accepted (id, its message ts / activity id), in one statement.

    As a session's first and only statement, on PostgreSQL it runs in autocommit (no BEGIN and COMMIT round
    trips — nothing needs to be atomic with it: a row not yet marked is only looked for before a resend)."""
    if not sent:
        return
    alone = not session.in_transaction() and session.get_bind().dialect.name == "postgresql"
    conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"} if alone else None)
    await conn.execute(MARK_SENT, [{"row_id": row_id, "ref": ref, "at": at} for row_id, ref in sent])


async def retry_later(session: AsyncSession, row_id: int, *, at: datetime, error: str, uncertain: bool) -> None:
    """Try again at ``at``. An ``uncertain`` failure (the answer was lost) stays in ``sending`` with its lease
    ending then, so the next sender looks for it on the platform before sending again."""
    values: dict[str, Any] = {"last_error": error[:ERROR_LENGTH]}
    if uncertain:
        values.update(claimed_until=at)
    else:
        values.update(state="pending", next_attempt_at=at, claimed_until=None)
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


async def fail(session: AsyncSession, row_id: int, *, error: str) -> None:
    """Give up on the row; it stays, visible to ``python app.py outbox``, until an operator retries it."""
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                          .values(state="failed", last_error=error[:ERROR_LENGTH], claimed_until=None))


async def stuck(session: AsyncSession, *, at: datetime, older_than: timedelta) -> list[Stuck]:
    """Failed rows, and pending or sending ones created more than ``older_than`` before ``at``; oldest first."""
    rows = await session.execute(
        select(OutboxMessage, Community.platform, Community.external_id)
        .join(Community, Community.id == OutboxMessage.community_id)
        .where(or_(OutboxMessage.state == "failed",
                   and_(OutboxMessage.state.in_(("pending", "sending")),
                        OutboxMessage.created_at < at - older_than)))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return [Stuck(id=m.id, community=f"{platform}:{external_id}", kind=m.kind, target=m.target, state=m.state,
                  attempts=m.attempts, created_at=m.created_at, last_error=m.last_error)
            for m, platform, external_id in rows]


async def requeue(session: AsyncSession, ids: Sequence[int] | None, *, at: datetime) -> list[int]:
    """Put failed rows (these, or all when ``ids`` is None) back to pending with fresh attempts; their ids.
    They are sent as they are, without looking on the platform first: an operator decided."""
    query = update(OutboxMessage).where(OutboxMessage.state == "failed")
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    result = await session.execute(query.values(state="pending", attempts=0, next_attempt_at=at, claimed_by=None,
                                                claimed_until=None).returning(OutboxMessage.id))
    return sorted(row.id for row in result)


async def states(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Each row's state and last error."""
    rows = await session.execute(select(OutboxMessage.id, OutboxMessage.state, OutboxMessage.last_error)
                                 .where(OutboxMessage.id.in_(ids)))
    return {row_id: (state, error) for row_id, state, error in rows}


async def prune(session: AsyncSession, *, before: datetime) -> int:
    """Delete messages sent before ``before`` (failed and waiting ones stay); how many."""
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.state == "sent",
                                                                OutboxMessage.sent_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def depth(session: AsyncSession) -> tuple[dict[str, int], datetime | None]:
    """Rows not yet sent, by state (sent ones are left out: they only grow), and when the oldest row still
    waiting (pending or sending) was created. Both read the (state, next_attempt_at) index."""
    counts = {state: count for state, count in await session.execute(
        select(OutboxMessage.state, func.count()).where(OutboxMessage.state.in_(("pending", "sending", "failed")))
        .group_by(OutboxMessage.state))}
    oldest = await session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.state.in_(("pending", "sending"))))
    return counts, oldest
