"""A person's own sessions: waitlist places with their position, and sessions waiting to be closed.

Together with ``storage.sessions.upcoming_for`` (shared with Slack's App Home)
these answer ``sessions mine`` in a few indexed queries, whatever the size of
the community.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Enrollment, TrainingSession


async def waitlist_positions(session: AsyncSession, member_id: int, session_ids: Iterable[int]) -> dict[int, int]:
    """session id → the member's 1-based place in its queue (first come, first served; ids break ties)."""
    ids = list(session_ids)
    if not ids:
        return {}
    ahead = aliased(Enrollment)
    rows = await session.execute(
        select(Enrollment.session_id, func.count(ahead.id))
        .join(ahead, and_(
            ahead.session_id == Enrollment.session_id,
            ahead.status == "waitlisted",
            or_(ahead.queued_at < Enrollment.queued_at,
                and_(ahead.queued_at == Enrollment.queued_at, ahead.id <= Enrollment.id)),
        ))
        .where(Enrollment.member_id == member_id, Enrollment.status == "waitlisted", Enrollment.session_id.in_(ids))
        .group_by(Enrollment.session_id)
    )
    return {session_id: place for session_id, place in rows}


async def to_close(session: AsyncSession, trainer_id: int, *, now: datetime, limit: int) -> list[TrainingSession]:
    """Sessions the trainer ran (they have started) that are still open, oldest first."""
    rows = await session.scalars(
        select(TrainingSession)
        .where(TrainingSession.trainer_id == trainer_id, TrainingSession.status == "scheduled",
               TrainingSession.starts_at <= now)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(limit)
    )
    return list(rows)
