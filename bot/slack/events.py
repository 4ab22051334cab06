"""Kudos the way people already talk, and Guild in a direct message.

- A channel message that mentions people and contains the community's kudos
  emoji (``:clap:`` unless admins chose another) thanks them. The kudos are
  keyed by the channel and message ts, so a retry, the same message re-sent
  under a new event id, or a later edit (``message_changed``) never count a
  person twice. An edit is heard on its own, though: one that adds the emoji
  or another person thanks whoever is new, and speaks only when it does.
- The kudos emoji as a reaction thanks the reacted message's author; removing
  it takes that kudos back. Their delivery key is the event id; the use case's
  ``source_ref`` names the message and the person reacting.
- A direct message to Guild is a command, like ``/guild`` with that text.

Guild only hears channels it was invited to; it never joins one by itself.
The rules (no self-kudos, daily limits) live in ``handlers/kudos.py``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.notifier import error_code
from bot.slack.replies import Where, answer
from bot.slack.runtime import Runtime
from bot.slack.to_command import community, mentioned_ids
from handlers import kudos
from handlers.core import Core
from handlers.types import CommunityRef
from storage import members

log = logging.getLogger("guild.slack.events")

HEARD_SUBTYPES = (None, "message_changed", "thread_broadcast", "file_share")
EMOJI_TTL_SECONDS = 300


class KudosEmoji:
    """Each community's kudos emoji, remembered for a few minutes and forgotten when admins change settings."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._known: dict[str, tuple[str, float]] = {}
        core.on_settings_changed.append(self.forget)

    async def of(self, team: CommunityRef) -> str:
        known = self._known.get(team.external_id)
        if known and time.monotonic() - known[1] < EMOJI_TTL_SECONDS:
            return known[0]
        async with self.core.uow() as uow:
            found = await members.community(uow.session, team.platform, team.external_id, team.name)
            emoji = found.kudos_emoji
            await uow.commit()
        self._known[team.external_id] = (emoji, time.monotonic())
        return emoji

    async def forget(self, team: CommunityRef) -> None:
        self._known.pop(team.external_id, None)


def register(app: AsyncApp, rt: Runtime) -> None:
    emoji = KudosEmoji(rt.core)

    @app.event("message")
    @rt.inflight.track
    async def on_message(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        subtype = event.get("subtype")
        item = (event.get("message") or {}) if subtype == "message_changed" else event
        if subtype not in HEARD_SUBTYPES or item.get("bot_id") or not item.get("user"):
            return
        team, user, channel, ts = community(body), item["user"], event["channel"], item["ts"]
        text = item.get("text") or ""
        key = f"msg:{channel}:{ts}"
        if event.get("channel_type") == "im":
            if subtype == "message_changed":
                return
            message = await rt.message(client, team, user, text, channel=channel, delivery_key=key)
            await answer(await rt.core.handle(message), Where(client, team, user, channel), rt.notifier)
            return
        if not mentioned_ids(text) or f":{await emoji.of(team)}:" not in text:
            return
        edit = subtype == "message_changed"
        delivery = f"{key}:edit:{(item.get('edited') or {}).get('ts') or event.get('event_ts')}" if edit else key
        message = await rt.message(client, team, user, text, channel=channel, delivery_key=delivery)
        use_case = kudos.chat_kudos(list(message.people), message.text, source="message", source_ref=key)
        reply = await rt.core.execute(message, use_case, name="ChatKudos")
        if edit and not (reply and reply.public):
            return  # fixing a typo in counted kudos is not worth a word
        where = Where(client, team, user, channel, thread_ts=item.get("thread_ts") or ts)
        await answer(reply, where, rt.notifier)

    @app.event("reaction_added")
    @rt.inflight.track
    async def on_reaction_added(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        found = await _kudos_reaction(body, event, emoji)
        if found is None:
            return
        team, channel, ts, author = found
        giver = event["user"]
        text = await _text_of(client, channel, ts)
        message = await rt.message(
            client, team, giver, text, channel=channel, delivery_key=body.get("event_id"), also=(author,)
        )
        ref = f"reaction:{channel}:{ts}:{giver}"
        use_case = kudos.chat_kudos([author], message.text, source="reaction", source_ref=ref)
        reply = await rt.core.execute(message, use_case, name="ReactionKudos")
        await answer(reply, Where(client, team, giver, channel), rt.notifier)

    @app.event("reaction_removed")
    @rt.inflight.track
    async def on_reaction_removed(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        found = await _kudos_reaction(body, event, emoji)
        if found is None:
            return
        team, channel, ts, _author = found
        giver = event["user"]
        message = await rt.message(client, team, giver, "", channel=channel, delivery_key=body.get("event_id"))
        use_case = kudos.revoke_reaction_kudos(f"reaction:{channel}:{ts}:{giver}")
        await rt.core.execute(message, use_case, name="RevokeReactionKudos")  # taken back quietly


async def _kudos_reaction(
    body: dict[str, Any], event: dict[str, Any], emoji: KudosEmoji
) -> tuple[CommunityRef, str, str, str] | None:
    """(team, channel, ts, author) when the reaction is the kudos emoji on someone's message."""
    item = event.get("item") or {}
    author = event.get("item_user")
    if item.get("type") != "message" or not author or not event.get("user"):
        return None
    team = community(body)
    if str(event.get("reaction", "")).split("::")[0] != await emoji.of(team):
        return None
    return team, item["channel"], item["ts"], author


async def _text_of(client: AsyncWebClient, channel: str, ts: str) -> str:
    """The reacted message's text, or nothing when Slack will not show it to Guild."""
    try:
        history = await client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    except SlackApiError as error:
        log.info("message text unavailable", extra={"channel": channel, "result": error_code(error)})
        return ""
    return next((m.get("text") or "" for m in history.get("messages") or [] if m.get("ts") == ts), "")
