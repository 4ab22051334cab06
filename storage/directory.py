"""The trainers' directory: who trains what, and how much they have delivered, counted in SQL.

Figures follow DESIGN §7 over all time: a session counts once it was held
(``storage.counting.held``: closed, or open with attendance marked), learners
are its attendees, and a trainer's rating is the average of every rating of
their sessions. A handful of grouped subqueries joined to the
trainers, so the cost does not grow with the number of sessions shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.counting import held
from storage.models import Enrollment, Feedback, Member, TrainerProfile, TrainerTopic, TrainingSession

LISTED = ("onboarding", "active")
"""Trainers who may schedule sessions today; paused and stopped ones are not offered to learners."""


@dataclass(frozen=True)
class Entry:
    member: Member
    status: str
    sessions: int
    learners: int
    ratings: int
    average: float | None
    topics: tuple[str, ...] = ()
    level: str | None = None
    """The trainer's career level once levels exist (issue 11); None until then, and the reply leaves it out."""


async def trainers(
    session: AsyncSession, community_id: int, *, topic: str | None, limit: int
) -> tuple[list[Entry], int]:
    """Listed trainers (those who train ``topic``, when given), most sessions delivered first, and how many."""
    done = (TrainingSession.community_id == community_id) & held()
    delivered = (
        select(TrainingSession.trainer_id.label("tid"), func.count().label("n"))
        .where(done).group_by(TrainingSession.trainer_id).subquery()
    )
    learners = (
        select(TrainingSession.trainer_id.label("tid"), func.count(Enrollment.id).label("n"))
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(done, Enrollment.status == "attended").group_by(TrainingSession.trainer_id).subquery()
    )
    rated = (
        select(TrainingSession.trainer_id.label("tid"), func.count(Feedback.id).label("n"),
               func.avg(Feedback.rating).label("average"))
        .join(Feedback, Feedback.session_id == TrainingSession.id)
        .where(TrainingSession.community_id == community_id, TrainingSession.status != "cancelled")
        .group_by(TrainingSession.trainer_id).subquery()
    )
    where = [TrainerProfile.community_id == community_id, TrainerProfile.status.in_(LISTED)]
    if topic:
        where.append(or_(
            exists().where(TrainerTopic.member_id == Member.id, TrainerTopic.topic == topic),
            exists().where(TrainingSession.trainer_id == Member.id, TrainingSession.topic == topic,
                           TrainingSession.status != "cancelled"),
        ))
    base = select(Member).join(TrainerProfile, TrainerProfile.member_id == Member.id).where(*where)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    sessions_n = func.coalesce(delivered.c.n, 0)
    learners_n = func.coalesce(learners.c.n, 0)
    rows = (await session.execute(
        select(Member, TrainerProfile.status, sessions_n, learners_n, func.coalesce(rated.c.n, 0), rated.c.average)
        .join(TrainerProfile, TrainerProfile.member_id == Member.id)
        .outerjoin(delivered, delivered.c.tid == Member.id)
        .outerjoin(learners, learners.c.tid == Member.id)
        .outerjoin(rated, rated.c.tid == Member.id)
        .where(*where)
        .order_by(sessions_n.desc(), learners_n.desc(), func.lower(func.coalesce(Member.display_name, Member.user_id)),
                  Member.id)
        .limit(limit)
    )).all()
    topics = await _topics(session, [row[0].id for row in rows])
    return [
        Entry(member, status, n, people, count, float(average) if average is not None else None,
              tuple(topics.get(member.id, ())))
        for member, status, n, people, count, average in rows
    ], total


async def _topics(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(member_ids)
    found: dict[int, list[str]] = {}
    if ids:
        rows = await session.execute(
            select(TrainerTopic.member_id, TrainerTopic.topic)
            .where(TrainerTopic.member_id.in_(ids)).order_by(TrainerTopic.topic)
        )
        for member_id, topic in rows:
            found.setdefault(member_id, []).append(topic)
    return found
