"""Topic requests: the demand side. People ask for a topic; others join; a session on it answers them.

One request a topic is open at a time: the unique ``(community_id, open_topic)``
lets a concurrent second "request sql" join the first instead of opening another,
and ``request_supporters``' primary key counts each person once. Topics arrive
here already as slugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, RequestSupporter, TopicRequest, TrainerProfile, TrainerTopic
from storage.sql import insert_ignore


@dataclass(frozen=True)
class Asked:
    """What ``ask`` did: the open request, whether this call opened it, and whether the person is new to it."""

    request: TopicRequest
    opened: bool
    joined: bool
    supporters: int


async def ask(session: AsyncSession, *, community_id: int, topic: str, member_id: int, reason: str | None,
              at: datetime) -> Asked:
    """Open a request for ``topic`` or join the open one; each person counts once.

    Between the insert that found an open request and the read that locks it, a
    session may answer that request (it stops being open): then this opens a new one.
    """
    request = None
    opened = False
    while request is None:
        opened = await insert_ignore(session, TopicRequest, {
            "community_id": community_id, "topic": topic, "open_topic": topic, "requested_by_id": member_id,
            "reason": reason, "status": "open", "created_at": at,
        })
        request = await session.scalar(
            select(TopicRequest)
            .where(TopicRequest.community_id == community_id, TopicRequest.open_topic == topic)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    joined = await insert_ignore(session, RequestSupporter,
                                 {"request_id": request.id, "member_id": member_id, "joined_at": at})
    return Asked(request, opened, joined, await supporter_count(session, request.id))


async def find_open(session: AsyncSession, community_id: int, topic: str) -> TopicRequest | None:
    return await session.scalar(
        select(TopicRequest).where(TopicRequest.community_id == community_id, TopicRequest.open_topic == topic)
    )


async def supporter_count(session: AsyncSession, request_id: int) -> int:
    query = select(func.count()).select_from(RequestSupporter).where(RequestSupporter.request_id == request_id)
    return await session.scalar(query) or 0


async def supporters(session: AsyncSession, request_id: int) -> list[Member]:
    """Everyone behind the request (the requester first), in the order they joined."""
    rows = await session.scalars(
        select(Member)
        .join(RequestSupporter, RequestSupporter.member_id == Member.id)
        .where(RequestSupporter.request_id == request_id)
        .order_by(RequestSupporter.joined_at, Member.id)
    )
    return list(rows)


async def mark_trainers_told(session: AsyncSession, request_id: int, at: datetime) -> bool:
    """True only for the one caller that records the trainers as told (a conditional update)."""
    result = await session.execute(
        update(TopicRequest)
        .where(TopicRequest.id == request_id, TopicRequest.trainers_told_at.is_(None))
        .values(trainers_told_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def trainers_for(session: AsyncSession, community_id: int, topic: str) -> list[Member]:
    """Active trainers who volunteered for ``topic``."""
    rows = await session.scalars(
        select(Member)
        .join(TrainerProfile, TrainerProfile.member_id == Member.id)
        .join(TrainerTopic, TrainerTopic.member_id == Member.id)
        .where(TrainerProfile.community_id == community_id, TrainerProfile.status == "active",
               TrainerTopic.topic == topic)
        .order_by(Member.id)
    )
    return list(rows)


async def schedule(session: AsyncSession, *, community_id: int, topic: str, session_id: int,
                   at: datetime) -> TopicRequest | None:
    """The open request for ``topic`` becomes ``scheduled`` by ``session_id``; None when there was none."""
    request = await session.scalar(
        select(TopicRequest)
        .where(TopicRequest.community_id == community_id, TopicRequest.open_topic == topic)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        return None
    await session.execute(
        update(TopicRequest)
        .where(TopicRequest.id == request.id)
        .values(status="scheduled", open_topic=None, session_id=session_id, scheduled_at=at)
    )
    return request


@dataclass(frozen=True)
class OpenRequest:
    """An open request with how many people are behind it."""

    request: TopicRequest
    requester: Member
    supporters: int


async def open_requests(session: AsyncSession, community_id: int, *, topic: str | None = None,
                        limit: int = 10) -> tuple[list[OpenRequest], int]:
    """Open requests, most wanted first (then oldest), and how many are open in all.

    The digest's "unmet demand" reads this too.
    """
    where = [TopicRequest.community_id == community_id, TopicRequest.status == "open"]
    if topic:
        where.append(TopicRequest.topic == topic)
    total = await session.scalar(select(func.count()).select_from(TopicRequest).where(*where)) or 0
    count = (
        select(func.count())
        .where(RequestSupporter.request_id == TopicRequest.id)
        .correlate(TopicRequest)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(TopicRequest, Member, count)
        .join(Member, Member.id == TopicRequest.requested_by_id)
        .where(*where)
        .order_by(count.desc(), TopicRequest.created_at, TopicRequest.id)
        .limit(limit)
    )
    return [OpenRequest(r, m, n) for r, m, n in rows], total
