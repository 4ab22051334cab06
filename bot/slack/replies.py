"""Delivering the core's answer where the person asked: ephemeral, in the channel, or by DM.

Private answers go back through the interaction's ``response_url`` when there
is one (slash commands and message buttons), else as an ephemeral message in
the channel, else as a DM (Home tab buttons, modals opened from Home).
Public answers are posted to the channel; when Guild is not in that channel
(it never joins one by itself) the person privately gets the answer together
with how to invite Guild. A command run from the inbox (``Message.durable``) has
no public answer left here: the core wrote it to the outbox with the change,
and the notifier posts it, with the same fallback (``SlackNotifier.post``).
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import http
from bot.slack.blocks import notification_text, render
from bot.slack.notifier import NOT_THERE, SlackNotifier, error_code, not_posted, upload
from handlers.types import CommunityRef, Recipient, Reply, private

BUSY = private("I'm busy right now — I've saved your request and it will be done in a moment.")


@dataclass(frozen=True)
class Where:
    """Where an interaction happened, and the ways back to the person."""

    client: AsyncWebClient
    team: CommunityRef
    user_id: str
    channel: str | None = None
    respond: AsyncRespond | None = None
    thread_ts: str | None = None

    @property
    def is_dm(self) -> bool:
        return bool(self.channel and self.channel.startswith("D"))


async def answer(reply: Reply | None, where: Where, notifier: SlackNotifier) -> None:
    """Send ``reply`` (None: a duplicate delivery, nothing to say)."""
    if reply is None:
        return
    responding = bool(where.respond is not None and where.respond.response_url)
    # In a DM, a private answer is a message from Guild — unless the DM is someone else's, where only
    # a slash command's response_url can answer; so with one, private answers always go that way.
    if where.channel and (reply.public or (where.is_dm and not responding)):
        try:
            await _post(where, reply)
            return
        except SlackApiError as error:
            if error_code(error) not in NOT_THERE:
                raise
        reply = not_posted(reply, where.channel)
    await privately(reply, where, notifier)


async def busy(where: Where, notifier: SlackNotifier) -> None:
    """Tell the person their request waits in the inbox (the work queue was full)."""
    await privately(BUSY, where, notifier)


async def privately(reply: Reply, where: Where, notifier: SlackNotifier) -> None:
    """An ephemeral answer (or a DM); its chart and files, which Slack cannot show ephemerally, come by DM."""
    blocks, text = render(reply), notification_text(reply)
    me = Recipient(where.team, where.user_id)
    if where.respond is not None and where.respond.response_url:
        await http.respond(where.client.session, where.respond.response_url, text=text, blocks=blocks,
                           response_type="ephemeral", replace_original=False)
        await notifier.send_files_privately(me, reply)
        return
    if where.channel and not where.is_dm:
        try:
            await where.client.chat_postEphemeral(channel=where.channel, user=where.user_id, blocks=blocks, text=text)
            await notifier.send_files_privately(me, reply)
            return
        except SlackApiError as error:
            if error_code(error) not in NOT_THERE:
                raise
    await notifier.tell(me, reply)


async def _post(where: Where, reply: Reply) -> None:
    extra = {"thread_ts": where.thread_ts} if where.thread_ts else {}
    await where.client.chat_postMessage(
        channel=str(where.channel), blocks=render(reply), text=notification_text(reply), **extra
    )
    await upload(where.client, str(where.channel), reply)
