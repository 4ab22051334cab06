"""Communities and members: found or created on first sight, safely under concurrency."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from storage.models import Community, Member
from storage.sql import insert_ignore

PROFILE_NOTE = timedelta(hours=1)


async def community(session: AsyncSession, platform: str, external_id: str, name: str | None = None) -> Community:
    """The community, created on first sight (one SELECT once it exists)."""
    query = select(Community).where(Community.platform == platform, Community.external_id == external_id)
    found = await session.scalar(query)
    if found is None:
        await insert_ignore(session, Community, {"platform": platform, "external_id": external_id, "name": name})
        found = await session.scalar(query)
    assert found is not None
    if name and found.name != name:
        found.name = name
    return found


class CommunityCache:
    """Community rows kept per process, so that a command does not read its community every time.

    A cached row joins a unit of work without a query (``merge(load=False)``)
    and behaves like a loaded one, changes included. The owner forgets a row
    whenever a unit of work changed it (``Core`` does this on commit), and a
    row is read again after ``ttl`` seconds at the latest, which bounds how long
    another instance's admin change can go unseen here.
    """

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._rows: dict[tuple[str, str], tuple[float, Community]] = {}

    async def get(self, session: AsyncSession, platform: str, external_id: str,
                  name: str | None = None) -> tuple[Community, bool]:
        """The community in ``session``, and whether it was read from the database just now."""
        entry = self._rows.get((platform, external_id))
        if entry is not None and self.clock() - entry[0] < self.ttl and (not name or entry[1].name == name):
            return await session.merge(entry[1], load=False), False
        return await community(session, platform, external_id, name), True

    def keep(self, row: Community) -> None:
        """Remember a row just read and left unchanged (a detached copy: no session ever holds it)."""
        values = {attr.key: getattr(row, attr.key) for attr in inspect(Community).column_attrs}
        copy = Community(**values)
        make_transient_to_detached(copy)
        self._rows[(row.platform, row.external_id)] = (self.clock(), copy)

    def forget(self, platform: str, external_id: str) -> None:
        self._rows.pop((platform, external_id), None)


async def find_community(session: AsyncSession, community_id: int) -> Community | None:
    return await session.get(Community, community_id)


async def all_communities(session: AsyncSession) -> list[Community]:
    return list(await session.scalars(select(Community).order_by(Community.id)))


async def member(
    session: AsyncSession,
    community_id: int,
    user_id: str,
    *,
    display_name: str | None = None,
    timezone: str | None = None,
    seen_at: datetime | None = None,
) -> Member:
    """The member with ``user_id``, created if new; a name or time zone given updates it."""
    return (await members(session, community_id, {user_id: (display_name, timezone)}, seen_at=seen_at))[user_id]


async def members(
    session: AsyncSession,
    community_id: int,
    people: dict[str, tuple[str | None, str | None]],
    *,
    seen_at: datetime | None = None,
) -> dict[str, Member]:
    """Members by user id for ``{user_id: (display_name, timezone)}``, creating the new ones.

    The common case (everyone known, nothing changed) is one SELECT and no write,
    so that every command does not rewrite the rows of the people in it.
    """
    query = select(Member).where(Member.community_id == community_id, Member.user_id.in_(list(people)))
    found = {m.user_id: m for m in await session.scalars(query)}
    missing = [user_id for user_id in people if user_id not in found]
    for user_id in missing:
        display_name, timezone = people[user_id]
        await insert_ignore(
            session,
            Member,
            {"community_id": community_id, "user_id": user_id, "display_name": display_name, "timezone": timezone,
             "profile_refreshed_at": seen_at if display_name or timezone else None},
        )
    if missing:
        found.update({m.user_id: m for m in await session.scalars(query.where(Member.user_id.in_(missing)))})
    for user_id, (display_name, timezone) in people.items():
        _refresh(found[user_id], display_name, timezone, seen_at)
    return found


def _refresh(row: Member, display_name: str | None, timezone: str | None, seen_at: datetime | None) -> None:
    """Take a newer name or zone; note when the profile was last confirmed, at most hourly."""
    changed = bool(display_name and row.display_name != display_name) or bool(timezone and row.timezone != timezone)
    if display_name:
        row.display_name = display_name
    if timezone:
        row.timezone = timezone
    last = row.profile_refreshed_at
    if seen_at and (display_name or timezone) and (changed or last is None or seen_at - last > PROFILE_NOTE):
        row.profile_refreshed_at = seen_at


async def find_member(session: AsyncSession, community_id: int, user_id: str) -> Member | None:
    return await session.scalar(select(Member).where(Member.community_id == community_id, Member.user_id == user_id))


async def by_ids(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, Member]:
    ids = list(set(member_ids))
    if not ids:
        return {}
    return {m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(ids)))}


async def admins(session: AsyncSession, community_id: int, bootstrap: frozenset[str]) -> list[Member]:
    """Admins by role, plus those named in GUILD_ADMINS."""
    query = select(Member).where(
        Member.community_id == community_id, (Member.is_admin.is_(True)) | (Member.user_id.in_(list(bootstrap)))
    )
    return list(await session.scalars(query.order_by(Member.id)))


async def set_role(session: AsyncSession, member_ids: list[int], role: str, value: bool) -> None:
    column = {"admin": Member.is_admin, "leader": Member.is_leader}[role]
    await session.execute(update(Member).where(Member.id.in_(member_ids)).values({column: value}))


async def named(session: AsyncSession, community_id: int, *, limit: int) -> list[tuple[str, str]]:
    """(user id, display name) of members with a name, alphabetically — for people pickers."""
    query = (
        select(Member.user_id, Member.display_name)
        .where(Member.community_id == community_id, Member.display_name.is_not(None))
        .order_by(Member.display_name, Member.user_id)
        .limit(limit)
    )
    return [(user_id, name or user_id) for user_id, name in await session.execute(query)]


async def communities(session: AsyncSession) -> list[Community]:
    """Every community in the database, oldest first (the report CLI picks one)."""
    return list(await session.scalars(select(Community).order_by(Community.id)))
