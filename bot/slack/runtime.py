"""What every Slack listener works with, built once by the adapter."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.notifier import SlackNotifier
from bot.slack.people import People
from bot.slack.to_command import mentioned_ids, to_message
from handlers.core import Core
from handlers.types import CommunityRef, Message


@dataclass(frozen=True)
class Runtime:
    core: Core
    people: People
    notifier: SlackNotifier

    async def message(
        self,
        client: AsyncWebClient,
        team: CommunityRef,
        user_id: str,
        text: str,
        *,
        channel: str | None = None,
        delivery_key: str | None = None,
        also: tuple[str, ...] = (),
    ) -> Message:
        """The neutral message for Slack ``text``, with the author's and mentioned people's names and zones.

        ``also`` names people the text does not mention but the use case needs (a reacted message's author).
        """
        refs = await self.people.refs(client, team, [user_id, *mentioned_ids(text), *also])
        message = to_message(team, user_id, text, channel=channel, delivery_key=delivery_key, people=refs)
        if not also:
            return message
        return replace(message, people={**message.people, **{uid: refs[uid] for uid in also}})


def context_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Log fields for a Slack payload: who and where, never tokens or text."""
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    kind = body.get("command") or body.get("type") or (body.get("event") or {}).get("type")
    return {"community": team, "person": user, "command": kind}
