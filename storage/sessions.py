"""Training sessions: creating, finding (always within one community), listing and closing them.

Seat counts live in ``training_sessions.taken`` and change only through
``storage.enrollments``; this module reads them, and computes what is left in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Enrollment, Member, SessionNote, TrainingSession


async def create(
    session: AsyncSession,
    *,
    community_id: int,
    trainer_id: int,
    title: str,
    topic: str | None,
    starts_at: datetime,
    duration_minutes: int,
    seats: int,
    created_at: datetime,
    done: bool,
    program_id: int | None = None,
    trainers_only: bool = False,
) -> TrainingSession:
    """A scheduled session, or (``done``) a logged one that already happened."""
    row = TrainingSession(
        community_id=community_id,
        trainer_id=trainer_id,
        title=title,
        topic=topic,
        program_id=program_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        seats=seats,
        taken=0,
        status="done" if done else "scheduled",
        created_at=created_at,
        done_at=created_at if done else None,
        trainers_only=trainers_only,
    )
    session.add(row)
    await session.flush()
    return row


async def same_as(
    session: AsyncSession, *, trainer_id: int, title: str, starts_at: datetime, since: datetime
) -> TrainingSession | None:
    """The trainer's live session with this title and start, created since ``since`` — a repeated ``session new``.

    The trainer's member row is locked first (PostgreSQL; SQLite's BEGIN IMMEDIATE
    serialises writers already), so two identical requests arriving together
    run one after the other and the second finds the first.
    """
    await session.execute(select(Member.id).where(Member.id == trainer_id).with_for_update())
    return await session.scalar(
        select(TrainingSession)
        .where(
            TrainingSession.trainer_id == trainer_id,
            TrainingSession.title == title,
            TrainingSession.starts_at == starts_at,
            TrainingSession.status != "cancelled",
            TrainingSession.created_at >= since,
        )
        .order_by(TrainingSession.id)
        .limit(1)
    )


async def find(
    session: AsyncSession, community_id: int, session_id: int, *, lock: bool = False
) -> TrainingSession | None:
    """The session if it belongs to ``community_id``; ``lock`` takes its row lock (PostgreSQL).

    Every seat change locks the row first so that sign-ups and cancellations of
    one session run one after another; SQLite's BEGIN IMMEDIATE already does that.
    """
    found = await find_with_trainer(session, community_id, session_id, lock=lock)
    return found[0] if found else None


async def find_with_trainer(
    session: AsyncSession, community_id: int, session_id: int, *, lock: bool = False
) -> tuple[TrainingSession, Member] | None:
    """``find``, with the session's trainer read in the same round trip (only the session row is locked)."""
    query = (
        select(TrainingSession, Member)
        .join(Member, Member.id == TrainingSession.trainer_id)
        .where(TrainingSession.id == session_id, TrainingSession.community_id == community_id)
    )
    if lock:
        query = query.with_for_update(of=TrainingSession)
    row = (await session.execute(query.execution_options(populate_existing=True))).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class Upcoming:
    """One line of the session list, with what the asker needs to act on it."""

    session: TrainingSession
    trainer: Member
    seats_left: int
    waitlisted: int
    my_status: str | None


async def upcoming(
    session: AsyncSession, community_id: int, *, now: datetime, member_id: int, topic: str | None, limit: int
) -> tuple[list[Upcoming], int]:
    """Scheduled sessions starting from ``now``, soonest first, and how many there are in all."""
    where = [
        TrainingSession.community_id == community_id,
        TrainingSession.status == "scheduled",
        TrainingSession.starts_at >= now,
    ]
    if topic:
        where.append(TrainingSession.topic == topic)
    waitlisted = (
        select(func.count())
        .where(Enrollment.session_id == TrainingSession.id, Enrollment.status == "waitlisted")
        .correlate(TrainingSession)
        .scalar_subquery()
    )
    mine = (
        select(Enrollment.status)
        .where(Enrollment.session_id == TrainingSession.id, Enrollment.member_id == member_id)
        .correlate(TrainingSession)
        .scalar_subquery()
    )
    total = func.count().over()  # how many match in all, in the same round trip as the first page
    rows = (await session.execute(
        select(TrainingSession, Member, TrainingSession.seats - TrainingSession.taken, waitlisted, mine, total)
        .join(Member, Member.id == TrainingSession.trainer_id)
        .where(*where)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(limit)
    )).all()
    found = [Upcoming(s, t, left, waiting, status) for s, t, left, waiting, status, _ in rows]
    return found, (rows[0][-1] if rows else 0)


async def change(session: AsyncSession, session_id: int, *, moved: bool, **values: object) -> None:
    """Set a session's editable columns; ``moved`` (a new start) files its reminders afresh."""
    if moved:
        values["moves"] = TrainingSession.moves + 1
    await session.execute(update(TrainingSession).where(TrainingSession.id == session_id).values(**values))


async def cancel(session: AsyncSession, session_id: int, at: datetime) -> None:
    await session.execute(
        update(TrainingSession).where(TrainingSession.id == session_id).values(status="cancelled", cancelled_at=at)
    )


async def mark_done(session: AsyncSession, session_id: int, at: datetime) -> None:
    await session.execute(
        update(TrainingSession).where(TrainingSession.id == session_id).values(status="done", done_at=at)
    )


async def mark_attendance_taken(session: AsyncSession, session_id: int) -> None:
    await session.execute(
        update(TrainingSession).where(TrainingSession.id == session_id).values(attendance_marked=True)
    )


async def add_note(session: AsyncSession, session_id: int, author_id: int, text: str, at: datetime) -> None:
    session.add(SessionNote(session_id=session_id, author_id=author_id, text=text, created_at=at))
    await session.flush()


async def notes(session: AsyncSession, session_id: int) -> list[tuple[SessionNote, Member]]:
    rows = await session.execute(
        select(SessionNote, Member)
        .join(Member, Member.id == SessionNote.author_id)
        .where(SessionNote.session_id == session_id)
        .order_by(SessionNote.created_at, SessionNote.id)
    )
    return [(note, author) for note, author in rows]


async def upcoming_for(
    session: AsyncSession, member_id: int, *, now: datetime, limit: int
) -> tuple[list[tuple[TrainingSession, str]], list[TrainingSession]]:
    """A person's upcoming sessions: those they hold a place in (with its status), and those they train."""
    attending = await session.execute(
        select(TrainingSession, Enrollment.status)
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(Enrollment.member_id == member_id, Enrollment.status.in_(("confirmed", "waitlisted")),
               TrainingSession.status == "scheduled", TrainingSession.starts_at >= now)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(limit)
    )
    training = await session.scalars(
        select(TrainingSession)
        .where(TrainingSession.trainer_id == member_id, TrainingSession.status == "scheduled",
               TrainingSession.starts_at >= now)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(limit)
    )
    return [(s, status) for s, status in attending], list(training)
