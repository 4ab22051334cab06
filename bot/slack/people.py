"""Who people are on Slack: display names and time zones from ``users.info``, refreshed at most daily.

Names make replies and exports readable on other surfaces, and time zones
make daily kudos limits and reminders follow each person's own day. Slack
rate-limits ``users.info``, so a person is looked up only when their member
row was not refreshed in the last day (``Member.profile_refreshed_at``);
this process also remembers whom it checked, so a busy channel costs no
query at all. One message is bounded too: a few dozen lookups at most, a
handful at a time. A fresh name and zone travel into the core on the ``PersonRef``
and the core stores them on the member row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.slack.notifier import error_code
from handlers.core import Core
from handlers.tokens import MAX_MENTIONS
from handlers.types import CommunityRef, PersonRef
from storage.models import Community, Member

log = logging.getLogger("guild.slack.people")

REFRESH = timedelta(days=1)
RETRY_FAILED = timedelta(minutes=10)
"""A lookup that failed (or found nothing) is not tried again for this long."""
LOOKUPS_AT_ONCE = 8
"""``users.info`` calls in flight per process, whatever the number of messages asking."""
MAX_LOOKUPS = MAX_MENTIONS + 2
"""People looked up for one message at most: the author, as many as a command may name, and one more
(a reacted message's author). The grammar refuses more names than that; anyone beyond it stays a bare ref."""


class People:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._checked: dict[tuple[str, str], datetime] = {}
        self._slots = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def refs(self, client: AsyncWebClient, team: CommunityRef, user_ids: Iterable[str]) -> dict[str, PersonRef]:
        """A ``PersonRef`` per user id: with name and zone when just looked up, bare when still fresh.

        At most ``MAX_LOOKUPS`` people (the first named) are checked, ``LOOKUPS_AT_ONCE`` at a time, so one
        message naming thousands costs no more than a few dozen calls and never floods Slack or the loop.
        """
        now = self.core.clock()
        wanted = [uid for uid in dict.fromkeys(user_ids) if uid]
        unchecked = [uid for uid in wanted[:MAX_LOOKUPS] if not self._fresh(team, uid, now)]
        if unchecked:
            for uid, refreshed in (await self._refreshed_at(team, unchecked)).items():
                if refreshed and now - refreshed < REFRESH:
                    self._checked[(team.external_id, uid)] = refreshed
        stale = [uid for uid in unchecked if not self._fresh(team, uid, now)]
        looked_up = await asyncio.gather(*(self._lookup(client, uid) for uid in stale))
        refs = {uid: PersonRef(uid) for uid in wanted}
        for ref in looked_up:
            refs[ref.user_id] = ref
            found = ref.display_name or ref.timezone
            self._checked[(team.external_id, ref.user_id)] = now if found else now - REFRESH + RETRY_FAILED
        return refs

    def _fresh(self, team: CommunityRef, user_id: str, now: datetime) -> bool:
        checked = self._checked.get((team.external_id, user_id))
        return checked is not None and now - checked < REFRESH

    async def _refreshed_at(self, team: CommunityRef, user_ids: list[str]) -> dict[str, datetime | None]:
        async with self.core.uow() as uow:
            rows = await uow.session.execute(
                select(Member.user_id, Member.profile_refreshed_at)
                .join(Community, Community.id == Member.community_id)
                .where(
                    Community.platform == team.platform,
                    Community.external_id == team.external_id,
                    Member.user_id.in_(user_ids),
                )
            )
            return {uid: refreshed for uid, refreshed in rows}

    async def _lookup(self, client: AsyncWebClient, user_id: str) -> PersonRef:
        try:
            async with self._slots:
                response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed", extra={"person": user_id, "result": error_code(error)})
            return PersonRef(user_id)
        return person(response.get("user") or {}, user_id)


def person(user: dict[str, Any], user_id: str) -> PersonRef:
    """A ``PersonRef`` from a users.info ``user`` object: the name people see in Slack, and the zone."""
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
    return PersonRef(user_id, name or None, user.get("tz") or None)
