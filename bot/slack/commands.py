"""Slash commands: ``/guild`` takes the whole grammar, the others are shortcuts for one word of it.

Slack gives up on a command that is not acknowledged within 3 seconds, so a
listener acknowledges first and hands the work to the queue (``Runtime.later``;
the request is already in the inbox, and its inbox key is the use case's
delivery key, so a replay of it counts once). Text the grammar cannot
read is answered in the acknowledgement itself (the quickest possible
answer, and private); a command that needs a form opens the modal right
after the ack, while its ``trigger_id`` is still valid.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import modals
from bot.slack.blocks import notification_text, render
from bot.slack.forms import open_form
from bot.slack.inbox import delivery
from bot.slack.replies import Where, answer, busy
from bot.slack.runtime import Runtime
from bot.slack.to_command import COMMANDS, command_text, community, to_message
from handlers import grammar
from handlers.core import usage_name, usage_reply


def register(app: AsyncApp, rt: Runtime) -> None:
    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
        team, user, channel = community(body), body["user_id"], body.get("channel_id")
        text = command_text(body["command"], body.get("text") or "")
        form = modals.form_for(text, modals.Origin(channel, body.get("response_url")))
        if form is not None:
            await ack()
            await open_form(rt, client, form, body["trigger_id"], Where(client, team, user, channel, respond))
            return
        try:
            grammar.parse(to_message(team, user, text).text)
        except grammar.UsageError as error:
            reply = usage_reply(error.message, error.usage)
            rt.core.record(usage_name(text, error), "usage")
            await ack(text=notification_text(reply), blocks=render(reply))
            return
        await ack()
        where = Where(client, team, user, channel, respond)
        found = delivery(context)

        async def work() -> None:
            message = await rt.message(client, team, user, text, channel=channel, delivery_key=found.key, inbox=found)
            await answer(await rt.core.handle(message), where, rt.notifier)

        await rt.later(context, work, busy=lambda: busy(where, rt.notifier))

    for name in COMMANDS:
        app.command(name)(rt.track(on_command))
