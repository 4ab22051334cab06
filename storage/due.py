"""Who is due a reminder, a feedback request or an onboarding nudge: small, indexed look-ups.

These queries find the few sessions and people a scheduled run acts on; whether
each one was already told is the ledger's business (``storage.ledger``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FeedbackReceipt, Member, OnboardingStep, TrainerProfile, TrainingSession

LONGEST_SESSION = timedelta(days=1)


async def starting_between(
    session: AsyncSession, community_id: int, after: datetime, until: datetime
) -> list[tuple[TrainingSession, Member]]:
    """Scheduled sessions starting in (after, until], soonest first, with their trainers."""
    rows = await session.execute(
        select(TrainingSession, Member)
        .join(Member, Member.id == TrainingSession.trainer_id)
        .where(
            TrainingSession.community_id == community_id,
            TrainingSession.status == "scheduled",
            TrainingSession.starts_at > after,
            TrainingSession.starts_at <= until,
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return [(row, trainer) for row, trainer in rows]


def reminder_period(row: TrainingSession) -> str:
    """The ledger period of a session's reminders: its id, plus how often its start moved.

    A session moved to a new time is a new period, so a reminder already sent for
    the old time is sent again for the new one; one never moved keeps its id alone.
    """
    return str(row.id) if not row.moves else f"{row.id}@{row.moves}"


def ends(row: TrainingSession) -> datetime:
    return row.starts_at + timedelta(minutes=row.duration_minutes)


async def ended_between(
    session: AsyncSession, community_id: int, after: datetime, until: datetime
) -> list[TrainingSession]:
    """Sessions (not cancelled) whose end lies in (after, until], earliest end first."""
    rows = await session.scalars(
        select(TrainingSession)
        .where(
            TrainingSession.community_id == community_id,
            TrainingSession.status.in_(("scheduled", "done")),
            TrainingSession.starts_at > after - LONGEST_SESSION,
            TrainingSession.starts_at <= until,
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return sorted((row for row in rows if after < ends(row) <= until), key=lambda row: (ends(row), row.id))


async def rated(session: AsyncSession, session_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(session id, member id) pairs of people who rated those sessions."""
    ids = list(session_ids)
    if not ids:
        return set()
    rows = await session.execute(
        select(FeedbackReceipt.session_id, FeedbackReceipt.member_id).where(FeedbackReceipt.session_id.in_(ids))
    )
    return {(session_id, member_id) for session_id, member_id in rows}


async def stalled_onboarding(
    session: AsyncSession, community_id: int, quiet_since: datetime
) -> list[tuple[Member, datetime]]:
    """Trainers still onboarding with no step ticked since ``quiet_since``, and when they last moved."""
    last_step = (
        select(OnboardingStep.member_id, func.max(OnboardingStep.done_at).label("last"))
        .group_by(OnboardingStep.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(Member, TrainerProfile.volunteered_at, last_step.c.last)
        .join(TrainerProfile, TrainerProfile.member_id == Member.id)
        .outerjoin(last_step, last_step.c.member_id == Member.id)
        .where(
            TrainerProfile.community_id == community_id,
            TrainerProfile.status == "onboarding",
            TrainerProfile.volunteered_at < quiet_since,
            (last_step.c.last.is_(None)) | (last_step.c.last < quiet_since),
        )
        .order_by(Member.id)
    )
    return [(member, max(volunteered, last or volunteered)) for member, volunteered, last in rows]


async def ticked_steps(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = list(member_ids)
    ticked: dict[int, set[str]] = {member_id: set() for member_id in ids}
    if ids:
        rows = await session.execute(
            select(OnboardingStep.member_id, OnboardingStep.step).where(OnboardingStep.member_id.in_(ids))
        )
        for member_id, step in rows:
            ticked[member_id].add(step)
    return ticked


async def unclosed(session: AsyncSession, community_id: int, at: datetime) -> list[TrainingSession]:
    """Sessions still open (scheduled) whose end has passed by ``at``, earliest first.

    Open sessions that started are few (the close-out closes them within days),
    so this is a short range scan of the (community, status, start) index.
    """
    rows = await session.scalars(
        select(TrainingSession)
        .where(
            TrainingSession.community_id == community_id,
            TrainingSession.status == "scheduled",
            TrainingSession.starts_at <= at,
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return [row for row in rows if ends(row) <= at]
