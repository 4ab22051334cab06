"""Programs: curricula that trainers co-author, refresh yearly and deliver through sessions.

Everything is scoped to one community. A program's figures (sessions delivered,
learners reached, average rating) are counted in SQL from the sessions that ran
it, by the rules of DESIGN.md §7 (``storage.counting``): a delivered session is
one that was held, learners are its attendees. The refresh clock of a program runs from
its last refresh, or from its creation when it was never refreshed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import counting
from storage.models import Enrollment, Feedback, Member, Program, ProgramAuthor, ProgramEvent, TrainingSession
from storage.sql import insert_ignore


def months_before(at: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the 31st becomes the month's last day)."""
    return months_after(at, -months)


def months_after(at: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months later (the 31st becomes the month's last day)."""
    index = at.year * 12 + at.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = datetime(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - datetime(year, month, 1)).days
    return at.replace(year=year, month=month, day=min(at.day, last_day))


def clock_start(program: Program) -> datetime:
    """Where the program's refresh clock starts: its last refresh, else its creation."""
    return program.refreshed_at or program.created_at


async def create(session: AsyncSession, *, community_id: int, title: str, topic: str | None,
                 created_by: int, author: bool, at: datetime) -> Program:
    """A new program, recorded in its history; ``author`` makes its creator its first author."""
    program = Program(community_id=community_id, title=title, topic=topic, created_by_id=created_by, created_at=at)
    session.add(program)
    await session.flush()
    if author:
        await add_authors(session, program.id, [created_by], at=at)
    session.add(ProgramEvent(program_id=program.id, kind="created", member_id=created_by, at=at))
    await session.flush()
    return program


async def find(session: AsyncSession, community_id: int, program_id: int) -> Program | None:
    """The program if it belongs to ``community_id``."""
    return await session.scalar(
        select(Program)
        .where(Program.id == program_id, Program.community_id == community_id)
        .execution_options(populate_existing=True)
    )


async def listing(session: AsyncSession, community_id: int, *, topic: str | None,
                  limit: int) -> tuple[list[Program], int]:
    """Programs (of one topic), newest first, and how many there are in all."""
    where = [Program.community_id == community_id]
    if topic:
        where.append(Program.topic == topic)
    total = await session.scalar(select(func.count()).select_from(Program).where(*where)) or 0
    rows = await session.scalars(select(Program).where(*where).order_by(Program.id.desc()).limit(limit))
    return list(rows), total


async def authors(session: AsyncSession, program_ids: Iterable[int]) -> dict[int, list[Member]]:
    """Each program's authors, in the order they joined."""
    ids = list(set(program_ids))
    found: dict[int, list[Member]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(ProgramAuthor.program_id, Member)
        .join(Member, Member.id == ProgramAuthor.member_id)
        .where(ProgramAuthor.program_id.in_(ids))
        .order_by(ProgramAuthor.added_at, Member.id)
    )
    for program_id, member in rows:
        found[program_id].append(member)
    return found


async def add_authors(session: AsyncSession, program_id: int, member_ids: Iterable[int], *,
                      at: datetime) -> list[int]:
    """Add co-authors; returns the member ids that were not authors before."""
    return [m for m in dict.fromkeys(member_ids)
            if await insert_ignore(session, ProgramAuthor, {"program_id": program_id, "member_id": m,
                                                            "added_at": at})]


async def is_author(session: AsyncSession, program_id: int, member_id: int) -> bool:
    found = await session.scalar(select(ProgramAuthor.member_id).where(
        ProgramAuthor.program_id == program_id, ProgramAuthor.member_id == member_id))
    return found is not None


async def set_link(session: AsyncSession, program_id: int, url: str) -> None:
    await session.execute(update(Program).where(Program.id == program_id).values(materials_url=url))


async def refresh(session: AsyncSession, program_id: int, *, by: int, note: str | None, at: datetime) -> None:
    """Record a content update: it restarts the refresh clock and goes into the history."""
    await session.execute(update(Program).where(Program.id == program_id).values(refreshed_at=at))
    session.add(ProgramEvent(program_id=program_id, kind="refreshed", member_id=by, note=note, at=at))
    await session.flush()


async def last_refresh(session: AsyncSession, program_id: int) -> ProgramEvent | None:
    """The latest refresh in the history (with what changed), or None if never refreshed."""
    return await session.scalar(
        select(ProgramEvent)
        .where(ProgramEvent.program_id == program_id, ProgramEvent.kind == "refreshed")
        .order_by(ProgramEvent.at.desc(), ProgramEvent.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Figures:
    """What a program's sessions add up to."""

    sessions: int
    learners: int
    ratings: int
    average_rating: float | None


async def figures(session: AsyncSession, program_id: int) -> Figures:
    """Sessions held, their attendees and their ratings, for every session that ran the program.

    Ratings count from every session of the program (only attendees of a held session can rate).
    """
    held = (TrainingSession.program_id == program_id, counting.held())
    delivered = select(func.count()).select_from(TrainingSession).where(*held).scalar_subquery()
    learners = (
        select(func.count())
        .select_from(Enrollment)
        .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(*held, Enrollment.status == "attended")
        .scalar_subquery()
    )
    rating = (
        select(func.count(Feedback.id).label("n"), func.avg(Feedback.rating).label("avg"))
        .join(TrainingSession, TrainingSession.id == Feedback.session_id)
        .where(TrainingSession.program_id == program_id)
        .subquery()
    )
    sessions, attendees, ratings, average = (await session.execute(select(delivered, learners, *rating.c))).one()
    return Figures(sessions, attendees, ratings, None if average is None else float(average))


async def of_author(session: AsyncSession, member_id: int) -> list[Program]:
    """The programs a person co-authors, oldest first."""
    rows = await session.scalars(
        select(Program).join(ProgramAuthor, ProgramAuthor.program_id == Program.id)
        .where(ProgramAuthor.member_id == member_id).order_by(Program.id)
    )
    return list(rows)


@dataclass(frozen=True)
class Event:
    """A program created or refreshed in a period, with who did it and (for a refresh) what changed."""

    program: Program
    kind: str
    note: str | None
    authors: list[Member]


async def events_between(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> list[Event]:
    """Programs created or refreshed in [start, end) — one line per program and kind, for the roundup."""
    rows = await session.execute(
        select(ProgramEvent, Program)
        .join(Program, Program.id == ProgramEvent.program_id)
        .where(Program.community_id == community_id, ProgramEvent.at >= start, ProgramEvent.at < end)
        .order_by(ProgramEvent.at, ProgramEvent.id)
    )
    latest: dict[tuple[int, str], tuple[ProgramEvent, Program]] = {}
    for event, program in rows:
        latest[(program.id, event.kind)] = (event, program)
    by_program = await authors(session, (program.id for _, program in latest.values()))
    return [Event(program, event.kind, event.note, by_program[program.id]) for event, program in latest.values()]


async def overdue(session: AsyncSession, community_id: int, *, now: datetime, months: int) -> list[Program]:
    """Programs overdue for their refresh: last refreshed (or created) more than ``months`` months before ``now``.

    Oldest clock first. The digest lists them; the ``refresh-due`` job tells their authors.
    """
    cutoff = months_before(now, months)
    started = func.coalesce(Program.refreshed_at, Program.created_at)
    rows = await session.scalars(
        select(Program).where(Program.community_id == community_id, started < cutoff).order_by(started, Program.id)
    )
    return list(rows)
