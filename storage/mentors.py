"""Mentors: who could mentor a new trainer, how many mentees each has now, and the assignment.

A candidate is an active trainer of the community who shares one of the new
trainer's topics; their *current* mentees are those still in onboarding. The
level bar (Senior or above) is applied by ``handlers.mentors`` from
``storage.levels``; this module only counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TrainerProfile, TrainerTopic


async def sharing_topics(session: AsyncSession, community_id: int, topics: Iterable[str],
                         exclude: int) -> list[int]:
    """Active trainers (member ids) who train one of ``topics``, not ``exclude`` — oldest trainer first."""
    wanted = list(set(topics))
    if not wanted:
        return []
    rows = await session.scalars(
        select(TrainerProfile.member_id).distinct()
        .join(TrainerTopic, TrainerTopic.member_id == TrainerProfile.member_id)
        .where(TrainerProfile.community_id == community_id, TrainerProfile.status == "active",
               TrainerTopic.topic.in_(wanted), TrainerProfile.member_id != exclude)
        .order_by(TrainerProfile.member_id)
    )
    return list(rows)


async def current_mentees(session: AsyncSession, mentor_ids: Iterable[int]) -> dict[int, int]:
    """How many trainers still in onboarding each mentor has."""
    ids = list(set(mentor_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(TrainerProfile.mentor_id, func.count())
        .where(TrainerProfile.mentor_id.in_(ids), TrainerProfile.status == "onboarding")
        .group_by(TrainerProfile.mentor_id)
    )
    return {mentor_id: n for mentor_id, n in rows.all() if mentor_id is not None}


async def assign(session: AsyncSession, mentee_id: int, mentor_id: int, at: datetime) -> bool:
    """Give the trainer a mentor unless they have one already; True when this call assigned it."""
    result = await session.execute(
        update(TrainerProfile)
        .where(TrainerProfile.member_id == mentee_id, TrainerProfile.mentor_id.is_(None))
        .values(mentor_id=mentor_id, mentor_assigned_at=at)
    )
    return bool(getattr(result, "rowcount", 0))
