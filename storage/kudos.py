"""Kudos: one row per receiver, one ``kudos_values`` row per #value, counted in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Integer, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Kudos, KudosValue, Member, UTCDateTime
from storage.sql import dialect_insert


async def record(
    session: AsyncSession,
    *,
    community_id: int,
    giver_id: int,
    receiver_ids: Iterable[int],
    message: str,
    values: Sequence[str],
    channel: str | None,
    source: str,
    source_ref: str | None,
    at: datetime,
) -> list[int]:
    """Store one kudos per receiver with its values; returns the receivers actually thanked.

    One INSERT for all the kudos rows and one for all their values. With a
    ``source_ref`` a receiver already thanked from that source is skipped: the
    unique index decides (also when two deliveries race) and only the rows
    actually inserted come back from ``RETURNING``. Both are Core statements
    given a list of rows (one statement on the wire either way), which
    SQLAlchemy compiles once per process; a multi-row ``values()`` would be
    compiled again on every kudos.
    """
    receivers = list(dict.fromkeys(receiver_ids))
    if not receivers:
        return []
    rows = [
        {"community_id": community_id, "giver_id": giver_id, "receiver_id": receiver_id, "message": message,
         "channel": channel, "source": source, "source_ref": source_ref, "created_at": at}
        for receiver_id in receivers
    ]
    insert = dialect_insert(session)
    conn = await session.connection()
    inserted = dict((await conn.execute(
        insert(Kudos.__table__).on_conflict_do_nothing().returning(Kudos.receiver_id, Kudos.id), rows)).all())
    if values and inserted:
        tags = [{"kudos_id": kudos_id, "value": value} for kudos_id in inserted.values() for value in values]
        await conn.execute(insert(KudosValue.__table__).on_conflict_do_nothing(), tags)
    return [receiver_id for receiver_id in receivers if receiver_id in inserted]


async def given_since(session: AsyncSession, giver_id: int, since: datetime) -> int:
    """How many kudos rows ``giver_id`` has given since ``since``, for the daily limit — in one statement.

    Two kudos given at the same moment must be counted one after the other, or
    both could slip under the limit. On PostgreSQL the statement takes the
    giver's row lock first and then counts in ``guild_kudos_given_since``, a
    VOLATILE function: it reads with a fresh snapshot taken after the lock was
    granted, so it sees the kudos the previous lock holder committed (a plain
    subquery would count with the snapshot from before the wait). SQLite's
    BEGIN IMMEDIATE already serialises writers, so there it is a plain count.
    """
    conn = await session.connection()
    query = GIVEN_SINCE_LOCKED if conn.dialect.name == "postgresql" else GIVEN_SINCE
    return await conn.scalar(query, {"giver": giver_id, "since": since}) or 0


GIVEN_SINCE = select(func.count()).where(Kudos.giver_id == bindparam("giver"),
                                         Kudos.created_at >= bindparam("since", type_=UTCDateTime))
_GIVER = select(Member.id).where(Member.id == bindparam("giver")).with_for_update().cte("giver")
GIVEN_SINCE_LOCKED = select(func.guild_kudos_given_since(_GIVER.c.id, bindparam("since", type_=UTCDateTime),
                                                         type_=Integer)).select_from(_GIVER)


async def thanked_from(session: AsyncSession, community_id: int, source_ref: str) -> set[int]:
    """Receivers already thanked from one chat message or reaction."""
    query = select(Kudos.receiver_id).where(Kudos.community_id == community_id, Kudos.source_ref == source_ref)
    return set(await session.scalars(query))


async def revoke(session: AsyncSession, *, community_id: int, giver_id: int, source_ref: str) -> list[int]:
    """Delete ``giver_id``'s kudos from ``source_ref`` (values go with them); returns the receivers."""
    where = (Kudos.community_id == community_id, Kudos.giver_id == giver_id, Kudos.source_ref == source_ref)
    receivers = list(await session.scalars(select(Kudos.receiver_id).where(*where)))
    if receivers:
        await session.execute(delete(Kudos).where(*where))
    return receivers


async def leaderboard(
    session: AsyncSession, community_id: int, *, since: datetime | None, limit: int = 10
) -> list[tuple[Member, int]]:
    """Receivers with the most kudos since ``since`` (all time if None), leaving out those who opted out."""
    count = func.count(Kudos.id).label("count")
    query = (
        select(Member, count)
        .join(Kudos, Kudos.receiver_id == Member.id)
        .where(Kudos.community_id == community_id, Member.leaderboard_opt_out.is_(False))
        .group_by(Member.id)
        .order_by(count.desc(), Member.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(Kudos.created_at >= since)
    return [(member, n) for member, n in await session.execute(query)]


async def received(session: AsyncSession, receiver_id: int, *, limit: int) -> list[tuple[Kudos, Member]]:
    """The latest kudos a person received, newest first, with who gave each."""
    rows = await session.execute(
        select(Kudos, Member)
        .join(Member, Member.id == Kudos.giver_id)
        .where(Kudos.receiver_id == receiver_id)
        .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        .limit(limit)
    )
    return [(kudos, giver) for kudos, giver in rows]
