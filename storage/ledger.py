"""The post ledger: who owns a scheduled post, so that each goes out exactly once.

A post is identified by a ``Slot`` — (job, community, channel, period). Before
posting, a job *claims* the slot with an insert that the unique constraint lets
through once; whoever inserted it posts, everyone else skips. The claim is
committed before posting so that other instances see it; after the post it is
marked posted, and after a failed post it is released (deleted) so that a later
run tries again. A claim left behind by a process that died between claiming and
posting goes stale after ``STALE_AFTER`` and may then be taken over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PostLedger
from storage.sql import insert_ignore

STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Slot:
    """One post: ``channel`` is a channel id, or a user id for a DM; ``period`` what it covers."""

    job: str
    community_id: int
    channel: str
    period: str


def _matches(slot: Slot) -> ColumnElement[bool]:
    return (
        (PostLedger.job == slot.job)
        & (PostLedger.community_id == slot.community_id)
        & (PostLedger.channel == slot.channel)
        & (PostLedger.period == slot.period)
    )


async def claim(session: AsyncSession, slot: Slot, *, by: str, at: datetime) -> bool:
    """Take the slot; True if this caller now owns it and should post.

    False means the post was made, or someone else is making it right now. A
    claim still unposted after ``STALE_AFTER`` is taken over (a conditional
    UPDATE, so only one caller can win that too).
    """
    values = {"job": slot.job, "community_id": slot.community_id, "channel": slot.channel, "period": slot.period,
              "status": "claimed", "claimed_by": by, "claimed_at": at}
    if await insert_ignore(session, PostLedger, values):
        return True
    taken_over = await session.execute(
        update(PostLedger)
        .where(_matches(slot), PostLedger.status == "claimed", PostLedger.claimed_at < at - STALE_AFTER)
        .values(claimed_by=by, claimed_at=at)
    )
    return bool(taken_over.rowcount)  # type: ignore[attr-defined]


async def mark_posted(session: AsyncSession, slot: Slot, *, at: datetime) -> None:
    await session.execute(update(PostLedger).where(_matches(slot)).values(status="posted", posted_at=at))


async def release(session: AsyncSession, slot: Slot, *, by: str) -> None:
    """Give the slot back after a failed post, so that the next run retries it."""
    await session.execute(delete(PostLedger).where(_matches(slot), PostLedger.claimed_by == by))


async def posted_at(session: AsyncSession, slot: Slot) -> datetime | None:
    """When the slot's post went out; None if it has not (yet)."""
    return await session.scalar(select(PostLedger.posted_at).where(_matches(slot), PostLedger.status == "posted"))


async def filed(
    session: AsyncSession, *, job: str, community_id: int, periods: Iterable[str]
) -> dict[tuple[str, str], datetime | None]:
    """Slots of ``job`` already claimed for these periods: (channel, period) → posted_at, None while unposted.

    One query for a whole batch, so that a run over thousands of people only
    tries to claim the few who are new.
    """
    wanted = list(set(periods))
    if not wanted:
        return {}
    rows = await session.execute(
        select(PostLedger.channel, PostLedger.period, PostLedger.posted_at).where(
            PostLedger.job == job, PostLedger.community_id == community_id, PostLedger.period.in_(wanted)
        )
    )
    return {(channel, period): at for channel, period, at in rows}


async def posted_between(
    session: AsyncSession, *, job: str, community_id: int, start: datetime, end: datetime
) -> list[str]:
    """Periods of ``job`` posted in [start, end), in posting order."""
    rows = await session.scalars(
        select(PostLedger.period)
        .where(
            PostLedger.job == job,
            PostLedger.community_id == community_id,
            PostLedger.status == "posted",
            PostLedger.posted_at >= start,
            PostLedger.posted_at < end,
        )
        .order_by(PostLedger.posted_at, PostLedger.id)
    )
    return list(rows)


async def is_claimed(session: AsyncSession, slot: Slot) -> bool:
    return await session.scalar(select(PostLedger.id).where(_matches(slot))) is not None


async def notified_since(session: AsyncSession, *, job: str, community_id: int, channel: str, period_prefix: str,
                         since: datetime, at: datetime) -> bool:
    """Whether ``channel`` got (or is being sent) a ``job`` post whose period starts with ``period_prefix``.

    For notices that must not repeat while a condition lasts (a trainer over the
    burnout threshold), whatever the exact period the first one was filed under.
    Only posts made since ``since`` count, and claims still fresh at ``at``:
    a released or stale claim means the notice never arrived and may be sent.
    """
    escaped = period_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found = await session.scalar(
        select(PostLedger.id)
        .where(
            PostLedger.job == job,
            PostLedger.community_id == community_id,
            PostLedger.channel == channel,
            PostLedger.period.like(f"{escaped}%", escape="\\"),
            PostLedger.claimed_at >= since,
            (PostLedger.status == "posted") | (PostLedger.claimed_at >= at - STALE_AFTER),
        )
        .limit(1)
    )
    return found is not None
