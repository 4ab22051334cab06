"""A member's numbers for ``me``, and who holds roles — counted by the database in one round trip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.counting import held
from storage.models import Enrollment, Feedback, Kudos, Member, TrainingSession


@dataclass(frozen=True)
class Stats:
    kudos_received: int
    kudos_received_since: int
    kudos_given: int
    kudos_given_since: int
    sessions_delivered: int
    sessions_attended: int
    learners_trained: int
    ratings: int
    average_rating: float | None


async def stats(session: AsyncSession, member_id: int, *, since: datetime) -> Stats:
    """All-time numbers for ``member_id``, and kudos counts since ``since`` (say, the month's start).

    Sessions, learners and ratings follow ``storage.counting``: a session counts
    once it was held (closed, or with attendance marked), so a rating is never
    counted for a session that is not (DESIGN §7).
    """
    my_done_sessions = (TrainingSession.trainer_id == member_id, held())
    rating = (
        select(func.count(Feedback.id), func.avg(Feedback.rating))
        .join(TrainingSession, TrainingSession.id == Feedback.session_id)
        .where(*my_done_sessions)
        .subquery()
    )
    attended = (
        select(func.count())
        .select_from(Enrollment)
        .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(Enrollment.member_id == member_id, Enrollment.status == "attended", held())
        .scalar_subquery()
    )
    query = select(
        _count(Kudos, Kudos.receiver_id == member_id),
        _count(Kudos, Kudos.receiver_id == member_id, Kudos.created_at >= since),
        _count(Kudos, Kudos.giver_id == member_id),
        _count(Kudos, Kudos.giver_id == member_id, Kudos.created_at >= since),
        _count(TrainingSession, *my_done_sessions),
        attended,
        select(func.count())
        .select_from(Enrollment)
        .join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(*my_done_sessions, Enrollment.status == "attended")
        .scalar_subquery(),
        *rating.c,
    )
    received, received_since, given, given_since, delivered, attended, learners, ratings, average = (
        await session.execute(query)
    ).one()
    return Stats(
        kudos_received=received,
        kudos_received_since=received_since,
        kudos_given=given,
        kudos_given_since=given_since,
        sessions_delivered=delivered,
        sessions_attended=attended,
        learners_trained=learners,
        ratings=ratings,
        average_rating=None if average is None else float(average),
    )


async def leaders(session: AsyncSession, community_id: int) -> list[Member]:
    query = select(Member).where(Member.community_id == community_id, Member.is_leader.is_(True))
    return list(await session.scalars(query.order_by(Member.id)))


def _count(model: type[Any], *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()
