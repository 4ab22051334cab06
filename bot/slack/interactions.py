"""Buttons and modal submissions: each runs the same core use case as the typed command.

A button's ``value`` is the grammar command it stands for; a button whose
command still needs input (``session new``, ``feedback 12``) opens the modal
that completes it. A submitted modal is checked against the grammar before it
is acknowledged, so mistakes show next to the input instead of closing the
form. A submission's delivery key is its view id: a double submit records once.
Sign-ups, cancellations and ratings are idempotent in the core, so a double
click on their buttons changes nothing either.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import home, modals
from bot.slack.blocks import ACTION_PREFIX
from bot.slack.forms import open_form
from bot.slack.inbox import delivery
from bot.slack.replies import Where, answer, busy
from bot.slack.runtime import Runtime
from bot.slack.to_command import community, to_message
from handlers import grammar


def register(app: AsyncApp, rt: Runtime) -> None:
    @app.action(re.compile("^" + re.escape(ACTION_PREFIX)))
    @rt.track
    async def on_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        team, user = community(body), body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        command = action.get("value") or ""
        form = modals.form_for(command, modals.Origin(channel, body.get("response_url")))
        where = Where(client, team, user, channel, respond if body.get("response_url") else None)
        if form is not None:
            await open_form(rt, client, form, body["trigger_id"], where)
            return
        found = delivery(context)

        async def work() -> None:
            message = await rt.message(client, team, user, command, channel=channel, delivery_key=found.key,
                                       inbox=found)
            await answer(await rt.core.handle(message), where, rt.notifier)
            if (body.get("view") or {}).get("type") == "home":
                await home.publish(rt, client, team, user)

        await rt.later(context, work, busy=lambda: busy(where, rt.notifier))

    @app.view(modals.CALLBACK_ID)
    @rt.track
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                        context: AsyncBoltContext) -> None:
        team, user = community(body), body["user"]["id"]
        form = modals.read(view)
        if (empty := modals.unchanged(form)) is not None:
            await ack(response_action="errors", errors={empty[0]: empty[1]})
            return
        try:
            grammar.parse(to_message(team, user, form.text).text)
        except grammar.UsageError as error:
            await ack(response_action="errors", errors={modals.error_block(form.kind, error.message): error.message})
            return
        await ack()
        channel = form.origin.channel
        back = AsyncRespond(response_url=form.origin.response_url) if form.origin.response_url else None
        where = Where(client, team, user, channel, back)

        async def work() -> None:  # keyed by the view: a double submit (two requests) records once
            message = await rt.message(client, team, user, form.text, channel=channel,
                                       delivery_key=f"view:{view['id']}")
            await answer(await rt.core.handle(message), where, rt.notifier)

        await rt.later(context, work, busy=lambda: busy(where, rt.notifier))
