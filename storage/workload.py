"""Trainer workload measured in SQL: sessions and delivery hours, repetition of one program or title, capacity.

A session counts toward workload when it is not cancelled — delivered or still
booked — and starts in the window: a trainer with twelve sessions booked is as
stretched as one who delivered them. Repetition groups a trainer's sessions by
program when they run one, else by their title (case and spaces ignored), so
the same content under one program or one title is seen as the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, ProgramAuthor, TrainerProfile, TrainerTopic, TrainingSession

BOOKED = ("scheduled", "done")


def _booked(community_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(TrainingSession.community_id == community_id, TrainingSession.status.in_(BOOKED),
                TrainingSession.starts_at >= start, TrainingSession.starts_at < end)


@dataclass(frozen=True)
class Load:
    """A trainer's sessions and delivery minutes in a window."""

    member: Member
    sessions: int
    minutes: int


async def overloaded(session: AsyncSession, community_id: int, start: datetime, end: datetime, *,
                     sessions: int, minutes: int) -> list[Load]:
    """Trainers over either bar in [start, end): more than ``sessions`` sessions or ``minutes`` of delivery."""
    total = func.coalesce(func.sum(TrainingSession.duration_minutes), 0)
    counted = (
        select(TrainingSession.trainer_id.label("tid"), func.count().label("n"), total.label("m"))
        .where(_booked(community_id, start, end))
        .group_by(TrainingSession.trainer_id)
        .having(or_(func.count() > sessions, total > minutes))
        .subquery()
    )
    rows = await session.execute(
        select(Member, counted.c.n, counted.c.m).join(counted, counted.c.tid == Member.id)
        .order_by(counted.c.n.desc(), counted.c.m.desc(), Member.id)
    )
    return [Load(member, n, int(m)) for member, n, m in rows]


@dataclass(frozen=True)
class Repetition:
    """One trainer delivering the same program (or title) more than the limit in a window."""

    member: Member
    key: str  # ``program-<id>`` or ``title-<normalised title>``, for the ledger
    title: str
    program_id: int | None
    topic: str | None
    sessions: int


def _title_key(title: str) -> str:
    return " ".join(title.lower().split())


async def repetitions(session: AsyncSession, community_id: int, start: datetime, end: datetime,
                      limit: int) -> list[Repetition]:
    """Who delivers one program or one title more than ``limit`` times in [start, end), most repeated first."""
    rows = (await session.execute(
        select(TrainingSession.trainer_id, TrainingSession.program_id, TrainingSession.title, TrainingSession.topic)
        .where(_booked(community_id, start, end))
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    )).all()
    groups: dict[tuple[int, str], list[tuple[int | None, str, str | None]]] = {}
    for trainer_id, program_id, title, topic in rows:
        key = f"program-{program_id}" if program_id else f"title-{_title_key(title)}"[:80]
        groups.setdefault((trainer_id, key), []).append((program_id, title, topic))
    over = {k: v for k, v in groups.items() if len(v) > limit}
    if not over:
        return []
    people = {m.id: m for m in await session.scalars(select(Member).where(
        Member.id.in_({trainer_id for trainer_id, _ in over})))}
    found = []
    for (trainer_id, key), items in over.items():
        program_id, title, _ = items[0]  # the latest title stands for the group
        topic = next((t for _, _, t in items if t), None)
        found.append(Repetition(people[trainer_id], key, title, program_id, topic, len(items)))
    return sorted(found, key=lambda r: (-r.sessions, r.member.id, r.key))


async def co_deliverers(session: AsyncSession, community_id: int, repetition: Repetition,
                        limit: int = 5) -> list[Member]:
    """Active trainers who could take some of it over: same topic, or authors of the program; not the trainer."""
    who = []
    if repetition.topic:
        who.append(select(TrainerTopic.member_id.label("mid")).where(TrainerTopic.topic == repetition.topic))
    if repetition.program_id:
        who.append(select(ProgramAuthor.member_id.label("mid"))
                   .where(ProgramAuthor.program_id == repetition.program_id))
    if not who:
        return []
    ids = who[0].union(*who[1:]).subquery() if len(who) > 1 else who[0].subquery()
    rows = await session.scalars(
        select(Member).join(TrainerProfile, TrainerProfile.member_id == Member.id)
        .where(Member.id.in_(select(ids.c.mid)), Member.id != repetition.member.id,
               TrainerProfile.community_id == community_id, TrainerProfile.status == "active")
        .order_by(func.lower(func.coalesce(Member.display_name, Member.user_id)), Member.id)
        .limit(limit)
    )
    return list(rows)


async def booked_count(session: AsyncSession, community_id: int, trainer_id: int, start: datetime,
                       end: datetime) -> int:
    """How many sessions the trainer has (not cancelled) starting in [start, end)."""
    return await session.scalar(
        select(func.count()).select_from(TrainingSession)
        .where(_booked(community_id, start, end), TrainingSession.trainer_id == trainer_id)
    ) or 0


async def set_capacity(session: AsyncSession, member_id: int, capacity: int | None) -> None:
    await session.execute(update(TrainerProfile).where(TrainerProfile.member_id == member_id)
                          .values(capacity=capacity))
