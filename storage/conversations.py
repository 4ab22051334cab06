"""Stored conversation references: where Guild may speak without being spoken to.

Teams lets a bot post proactively only into a conversation it knows (by a
serialized reference: service URL, conversation, bot account). Adapters keep one
row per conversation current on every activity, so a restart or a moved
service URL never strands the scheduler or a waitlist notice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, Conversation, Member
from storage.sql import insert_ignore


async def remember(
    session: AsyncSession,
    community_id: int,
    conversation_id: str,
    *,
    kind: str,
    reference: str,
    at: datetime,
    name: str | None = None,
    member_id: int | None = None,
) -> None:
    """Create or refresh the reference for ``conversation_id`` (an upsert safe under concurrency)."""
    values = {"kind": kind, "reference": reference, "updated_at": at}
    if name:
        values["name"] = name
    if member_id is not None:
        values["member_id"] = member_id
    inserted = await insert_ignore(
        session, Conversation, {"community_id": community_id, "conversation_id": conversation_id, **values}
    )
    if not inserted:
        await session.execute(
            update(Conversation)
            .where(Conversation.community_id == community_id, Conversation.conversation_id == conversation_id)
            .values(**values)
        )


async def forget(session: AsyncSession, community_id: int, conversation_id: str) -> None:
    """Guild was removed from the conversation: posting there must now fail loudly, not vanish."""
    await session.execute(delete(Conversation).where(
        Conversation.community_id == community_id, Conversation.conversation_id == conversation_id))


def _in_community(platform: str, external_id: str):  # type: ignore[no-untyped-def]
    return select(Conversation).join(Community, Community.id == Conversation.community_id).where(
        Community.platform == platform, Community.external_id == external_id
    )


async def personal(session: AsyncSession, platform: str, external_id: str, user_id: str) -> Conversation | None:
    """The most recently used 1:1 chat with ``user_id``, if Guild has one."""
    query = (
        _in_community(platform, external_id)
        .join(Member, Member.id == Conversation.member_id)
        .where(Member.user_id == user_id, Conversation.kind == "personal")
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def find(session: AsyncSession, platform: str, external_id: str, conversation_id: str) -> Conversation | None:
    return await session.scalar(_in_community(platform, external_id).where(
        Conversation.conversation_id == conversation_id))


async def latest(session: AsyncSession, platform: str, external_id: str) -> Conversation | None:
    """The freshest reference in a community: its service URL is where new conversations are created."""
    return await session.scalar(
        _in_community(platform, external_id).order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(1)
    )


async def channel_named(session: AsyncSession, platform: str, external_id: str, name: str) -> Conversation | None:
    """A channel Guild was added to, by its shown name (any case) — the freshest if names repeat."""
    return await session.scalar(
        _in_community(platform, external_id)
        .where(Conversation.kind == "channel", func.lower(Conversation.name) == name.lower())
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    )
