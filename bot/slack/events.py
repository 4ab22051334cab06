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

import asyncio
import logging
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.notifier import error_code
from bot.slack.replies import Where, answer, busy
from bot.slack.runtime import Runtime
from bot.slack.to_command import community, mentioned_ids
from handlers import kudos
from handlers.core import Core, usage_reply
from handlers.tokens import MAX_MENTIONS, too_many_people
from handlers.types import CommunityRef
from handlers.usage import USAGE
from storage import members

log = logging.getLogger("guild.slack.events")

HEARD_SUBTYPES = (None, "message_changed", "thread_broadcast", "file_share")
EMOJI_TTL_SECONDS = 300
REMEMBERED_REMOVALS = 1000


class Reactions:
    """Keeps one person's kudos reaction on one message in order within this process.

    Slack may deliver ``reaction_removed`` while the matching ``reaction_added``
    is still fetching the message, or even before it. Each reaction's events
    take turns (a lock per reaction), and a removal that found nothing to take
    back is remembered, so that an add from before it records nothing.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._removed: OrderedDict[str, float] = OrderedDict()

    def lock(self, ref: str) -> asyncio.Lock:
        found = self._locks.get(ref)
        if found is None:
            found = self._locks[ref] = asyncio.Lock()
        return found

    def removed_nothing(self, ref: str, at: float) -> None:
        self._removed[ref] = max(at, self._removed.get(ref, 0.0))
        while len(self._removed) > REMEMBERED_REMOVALS:
            self._removed.popitem(last=False)

    def taken_back(self, ref: str, added_at: float) -> bool:
        """Whether a removal newer than an add at ``added_at`` already came."""
        return self._removed.get(ref, 0.0) > added_at


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
    reactions = Reactions()

    @app.event("message")
    @rt.track
    async def on_message(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                         context: AsyncBoltContext) -> None:
        busy_here = None
        if event.get("channel_type") == "im" and event.get("user"):  # a command in a DM: an answer is expected
            where = Where(client, community(body), event["user"], event.get("channel"))
            busy_here = lambda: busy(where, rt.notifier)  # noqa: E731
        await rt.later(context, lambda: heard(body, event, client, context), busy=busy_here)

    async def heard(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                    context: AsyncBoltContext) -> None:
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
        thanked = [uid for uid in mentioned_ids(text) if uid != context.bot_user_id]  # Guild thanks nobody for itself
        if not thanked or f":{await emoji.of(team)}:" not in text:
            return
        if len(thanked) > MAX_MENTIONS:  # refused before anyone is looked up or stored
            where = Where(client, team, user, channel, thread_ts=item.get("thread_ts") or ts)
            await answer(usage_reply(too_many_people(len(thanked)), USAGE["kudos"]), where, rt.notifier)
            return
        edit = subtype == "message_changed"
        delivery = f"{key}:edit:{(item.get('edited') or {}).get('ts') or event.get('event_ts')}" if edit else key
        thread = item.get("thread_ts") or ts
        message = await rt.message(client, team, user, text, channel=channel, delivery_key=delivery, thread=thread)
        use_case = kudos.chat_kudos(thanked, message.text, source="message", source_ref=key)
        reply = await rt.core.execute(message, use_case, name="ChatKudos")
        if edit and not (reply and reply.public):
            return  # fixing a typo in counted kudos is not worth a word (a public thanks went through the outbox)
        await answer(reply, Where(client, team, user, channel, thread_ts=thread), rt.notifier)

    @app.event("reaction_added")
    @rt.track
    async def on_reaction_added(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                                context: AsyncBoltContext) -> None:
        await rt.later(context, lambda: reaction_added(body, event, client, context))

    async def reaction_added(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                             context: AsyncBoltContext) -> None:
        found = await _kudos_reaction(body, event, emoji, context.bot_user_id)
        if found is None:
            return
        async with reactions.lock(found.ref):
            if reactions.taken_back(found.ref, found.at):
                return
            text = await _text_of(client, found.channel, found.ts)
            message = await rt.message(client, found.team, found.giver, text, channel=found.channel,
                                       delivery_key=body.get("event_id"), also=(found.author,))
            use_case = kudos.chat_kudos([found.author], message.text, source="reaction", source_ref=found.ref)
            reply = await rt.core.execute(message, use_case, name="ReactionKudos")
        if reply is not None and reply.text == kudos.ALREADY_COUNTED:
            return  # the same reaction delivered again: recorded once, confirmed once
        await answer(reply, Where(client, found.team, found.giver, found.channel), rt.notifier)

    @app.event("reaction_removed")
    @rt.track
    async def on_reaction_removed(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                                  context: AsyncBoltContext) -> None:
        await rt.later(context, lambda: reaction_removed(body, event, client, context))

    async def reaction_removed(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                               context: AsyncBoltContext) -> None:
        found = await _kudos_reaction(body, event, emoji, context.bot_user_id)
        if found is None:
            return
        async with reactions.lock(found.ref):
            message = await rt.message(client, found.team, found.giver, "", channel=found.channel,
                                       delivery_key=body.get("event_id"))
            use_case = kudos.revoke_reaction_kudos(found.ref)
            reply = await rt.core.execute(message, use_case, name="RevokeReactionKudos")
            if reply is not None and reply.text == kudos.NOTHING_TO_TAKE_BACK:
                reactions.removed_nothing(found.ref, found.at)  # taken back quietly, even from an add to come


@dataclass(frozen=True)
class KudosReaction:
    """The kudos emoji added to (or removed from) ``author``'s message by ``giver``, at ``at`` (Slack's event_ts)."""

    team: CommunityRef
    channel: str
    ts: str
    author: str
    giver: str
    at: float

    @property
    def ref(self) -> str:
        """The kudos' source: one person's reaction on one message."""
        return f"reaction:{self.channel}:{self.ts}:{self.giver}"


async def _kudos_reaction(
    body: dict[str, Any], event: dict[str, Any], emoji: KudosEmoji, bot_user_id: str | None
) -> KudosReaction | None:
    """The reaction, when it is the kudos emoji on someone's message (not Guild's own)."""
    item = event.get("item") or {}
    author, giver = event.get("item_user"), event.get("user")
    if item.get("type") != "message" or not author or not giver or author == bot_user_id:
        return None
    team = community(body)
    if str(event.get("reaction", "")).split("::")[0] != await emoji.of(team):
        return None
    return KudosReaction(team, item["channel"], item["ts"], author, giver, _moment(event))


async def _text_of(client: AsyncWebClient, channel: str, ts: str) -> str:
    """The reacted message's text, or nothing when Slack will not show it to Guild."""
    try:
        history = await client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    except SlackApiError as error:
        log.info("message text unavailable", extra={"channel": channel, "result": error_code(error)})
        return ""
    return next((m.get("text") or "" for m in history.get("messages") or [] if m.get("ts") == ts), "")


def _moment(event: dict[str, Any]) -> float:
    """When Slack says the event happened (its ``event_ts``), to order a reaction's add and removal."""
    try:
        return float(event.get("event_ts") or 0)
    except ValueError:
        return 0.0
