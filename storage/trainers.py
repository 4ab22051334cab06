"""Trainer profiles, their topics and their ticked onboarding steps.

A member becomes a trainer by volunteering (a ``trainer_profiles`` row);
``status`` moves onboarding → active when the checklist is complete, and to
paused / stopped and back. ``status_changed_by_id`` records who made the last
change, so that a pause an admin made is not undone by the trainer alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OnboardingStep, TrainerProfile, TrainerTopic
from storage.sql import insert_ignore


async def profile(session: AsyncSession, member_id: int) -> TrainerProfile | None:
    return await session.scalar(
        select(TrainerProfile).where(TrainerProfile.member_id == member_id).execution_options(populate_existing=True)
    )


async def profiles(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, TrainerProfile]:
    ids = list(set(member_ids))
    if not ids:
        return {}
    rows = await session.scalars(select(TrainerProfile).where(TrainerProfile.member_id.in_(ids)))
    return {row.member_id: row for row in rows}


async def trainer_status(session: AsyncSession, member_id: int) -> str | None:
    """'onboarding', 'active', 'paused' or 'stopped'; None for someone who never volunteered."""
    return await session.scalar(select(TrainerProfile.status).where(TrainerProfile.member_id == member_id))


async def enlist(session: AsyncSession, *, community_id: int, member_id: int, at: datetime) -> bool:
    """Make the member a trainer in onboarding; False if they already were one (in any status)."""
    return await insert_ignore(
        session,
        TrainerProfile,
        {
            "member_id": member_id,
            "community_id": community_id,
            "status": "onboarding",
            "volunteered_at": at,
            "status_changed_at": at,
            "status_changed_by_id": member_id,
        },
    )


async def set_status(session: AsyncSession, member_id: int, status: str, *, at: datetime, by: int) -> None:
    values: dict[str, object] = {"status": status, "status_changed_at": at, "status_changed_by_id": by}
    await session.execute(update(TrainerProfile).where(TrainerProfile.member_id == member_id).values(values))


async def add_topics(session: AsyncSession, member_id: int, topics: Iterable[str]) -> list[str]:
    """Add topics the trainer does not have yet; returns the ones that were new."""
    return [t for t in topics if await insert_ignore(session, TrainerTopic, {"member_id": member_id, "topic": t})]


async def topics(session: AsyncSession, member_id: int) -> list[str]:
    rows = await session.scalars(
        select(TrainerTopic.topic).where(TrainerTopic.member_id == member_id).order_by(TrainerTopic.topic)
    )
    return list(rows)


async def tick(session: AsyncSession, member_id: int, step: str, at: datetime) -> bool:
    """Tick one onboarding step; False if it was ticked before."""
    return await insert_ignore(session, OnboardingStep, {"member_id": member_id, "step": step, "done_at": at})


async def ticked(session: AsyncSession, member_id: int) -> set[str]:
    return set(await session.scalars(select(OnboardingStep.step).where(OnboardingStep.member_id == member_id)))


async def count_ticked(session: AsyncSession, member_id: int, steps: Iterable[str]) -> int:
    query = select(func.count()).where(OnboardingStep.member_id == member_id, OnboardingStep.step.in_(list(steps)))
    return await session.scalar(query) or 0


async def mark_onboarded(session: AsyncSession, member_id: int, at: datetime) -> bool:
    """Record that onboarding is complete; True only the first time.

    A trainer still in onboarding becomes active; one who paused meanwhile
    stays paused and comes back active.
    """
    first = await session.execute(
        update(TrainerProfile)
        .where(TrainerProfile.member_id == member_id, TrainerProfile.onboarded_at.is_(None))
        .values(onboarded_at=at)
    )
    await session.execute(
        update(TrainerProfile)
        .where(TrainerProfile.member_id == member_id, TrainerProfile.status == "onboarding")
        .values(status="active", status_changed_at=at, status_changed_by_id=member_id)
    )
    return bool(first.rowcount)  # type: ignore[attr-defined]


async def approve(session: AsyncSession, member_id: int, *, at: datetime, by: int) -> None:
    """An admin makes the trainer active, counting their onboarding as done if it was not."""
    await set_status(session, member_id, "active", at=at, by=by)
    await session.execute(
        update(TrainerProfile)
        .where(TrainerProfile.member_id == member_id, TrainerProfile.onboarded_at.is_(None))
        .values(onboarded_at=at)
    )
