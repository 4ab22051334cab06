"""Kudos: one row per receiver, one ``kudos_values`` row per #value, counted in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Kudos, KudosValue, Member
from storage.sql import insert_ignore


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

    With a ``source_ref`` a receiver already thanked from that source is
    skipped, and the unique index decides if two deliveries race.
    """
    thanked = []
    for receiver_id in receiver_ids:
        kudos_id = await _insert(
            session,
            {
                "community_id": community_id,
                "giver_id": giver_id,
                "receiver_id": receiver_id,
                "message": message,
                "channel": channel,
                "source": source,
                "source_ref": source_ref,
                "created_at": at,
            },
        )
        if kudos_id is None:
            continue
        for value in values:
            await insert_ignore(session, KudosValue, {"kudos_id": kudos_id, "value": value})
        thanked.append(receiver_id)
    return thanked


async def _insert(session: AsyncSession, row: dict[str, Any]) -> int | None:
    """The new kudos' id; None when its (source_ref, receiver) was recorded before."""
    if row["source_ref"] is None:
        kudos = Kudos(**row)
        session.add(kudos)
        await session.flush()
        return kudos.id
    if not await insert_ignore(session, Kudos, row):
        return None
    return await session.scalar(
        select(Kudos.id).where(
            Kudos.community_id == row["community_id"],
            Kudos.source_ref == row["source_ref"],
            Kudos.receiver_id == row["receiver_id"],
        )
    )


async def given_since(session: AsyncSession, giver_id: int, since: datetime) -> int:
    """How many kudos rows ``giver_id`` has given since ``since``, for the daily limit.

    Takes the giver's row lock first (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers) so that two kudos given at the same moment
    are counted one after the other and cannot both slip under the limit.
    """
    await session.execute(select(Member.id).where(Member.id == giver_id).with_for_update())
    query = select(func.count()).where(Kudos.giver_id == giver_id, Kudos.created_at >= since)
    return await session.scalar(query) or 0


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
