"""Seats, the waitlist and attendance.

The rule that seats are never overbooked rests on two guards that hold whatever
the concurrency: ``take_seat`` is one conditional UPDATE (``taken < seats``), so
the database, not a read beforehand, decides whether a seat was free; and the
unique (session_id, member_id) makes a double sign-up record once. Callers lock
the session row first (``storage.sessions.find(..., lock=True)``) so that the
waitlist moves in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Enrollment, Member, TrainingSession
from storage.sql import insert_ignore

HOLDING = ("confirmed", "waitlisted")
"""Statuses of people who still hold a seat or a place in the queue."""


async def take_seat(session: AsyncSession, session_id: int) -> bool:
    """Take one free seat; False when the session is full."""
    result = await session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.taken < TrainingSession.seats)
        .values(taken=TrainingSession.taken + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_seat(session: AsyncSession, session_id: int) -> None:
    await session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.taken > 0)
        .values(taken=TrainingSession.taken - 1)
    )


async def find(session: AsyncSession, session_id: int, member_id: int) -> Enrollment | None:
    return await session.scalar(
        select(Enrollment)
        .where(Enrollment.session_id == session_id, Enrollment.member_id == member_id)
        .execution_options(populate_existing=True)
    )


async def place(
    session: AsyncSession, *, community_id: int, session_id: int, member_id: int, status: str, at: datetime
) -> bool:
    """Put a person in the session (or back in, after they cancelled); False if they already hold a place."""
    values = {"status": status, "queued_at": at, "updated_at": at}
    inserted = await insert_ignore(
        session,
        Enrollment,
        {"community_id": community_id, "session_id": session_id, "member_id": member_id, "created_at": at, **values},
    )
    if inserted:
        return True
    result = await session.execute(
        update(Enrollment)
        .where(
            Enrollment.session_id == session_id,
            Enrollment.member_id == member_id,
            Enrollment.status.not_in(HOLDING),
        )
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_status(session: AsyncSession, enrollment_id: int, status: str, at: datetime) -> None:
    await session.execute(update(Enrollment).where(Enrollment.id == enrollment_id).values(status=status, updated_at=at))


async def first_waitlisted(session: AsyncSession, session_id: int) -> Enrollment | None:
    """The head of the queue: first come (``queued_at``), first served; ids break ties."""
    return await session.scalar(
        select(Enrollment)
        .where(Enrollment.session_id == session_id, Enrollment.status == "waitlisted")
        .order_by(Enrollment.queued_at, Enrollment.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def position(session: AsyncSession, enrollment: Enrollment) -> int:
    """1-based place of a waitlisted enrollment in its session's queue."""
    ahead = or_(
        Enrollment.queued_at < enrollment.queued_at,
        and_(Enrollment.queued_at == enrollment.queued_at, Enrollment.id <= enrollment.id),
    )
    query = select(func.count()).where(
        Enrollment.session_id == enrollment.session_id, Enrollment.status == "waitlisted", ahead
    )
    return await session.scalar(query) or 0


async def counts(session: AsyncSession, session_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Enrollment.status, func.count()).where(Enrollment.session_id == session_id).group_by(Enrollment.status)
    )
    return {status: count for status, count in rows}


async def people(session: AsyncSession, session_id: int, statuses: Iterable[str]) -> list[Member]:
    """Members of a session in the given statuses, in queue order."""
    return list(
        await session.scalars(
            select(Member)
            .join(Enrollment, Enrollment.member_id == Member.id)
            .where(Enrollment.session_id == session_id, Enrollment.status.in_(list(statuses)))
            .order_by(Enrollment.queued_at, Enrollment.id)
        )
    )


async def mark_attended(
    session: AsyncSession, *, community_id: int, session_id: int, member_ids: Iterable[int], at: datetime
) -> None:
    """Record that these people came, enrolling walk-ins (and everyone of a logged session)."""
    for member_id in member_ids:
        inserted = await insert_ignore(
            session,
            Enrollment,
            {"community_id": community_id, "session_id": session_id, "member_id": member_id,
             "status": "attended", "queued_at": at, "created_at": at, "updated_at": at},
        )
        if not inserted:
            await session.execute(
                update(Enrollment)
                .where(Enrollment.session_id == session_id, Enrollment.member_id == member_id)
                .values(status="attended", updated_at=at)
            )


async def close(session: AsyncSession, session_id: int, *, confirmed_attended: bool, at: datetime) -> None:
    """Settle enrollments when a session is done: confirmed people attended or were no-shows; the queue ends."""
    outcome = {"confirmed": "attended" if confirmed_attended else "no_show", "waitlisted": "cancelled"}
    for before, after in outcome.items():
        await session.execute(
            update(Enrollment)
            .where(Enrollment.session_id == session_id, Enrollment.status == before)
            .values(status=after, updated_at=at)
        )
