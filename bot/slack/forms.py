"""Opening a modal: an edit form shows the session as it is, or the reason it can't be edited.

``modals.form_for`` decides which modal a command asks for without touching the
database (a ``trigger_id`` lasts 3 seconds). An edit modal then reads the session
through the core, as the person who asked, and opens with its current values; for
someone who may not edit it (or a session that can't change any more) the
refusal is answered instead of a form that could only fail on submit.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import modals
from bot.slack.replies import Where, answer
from bot.slack.runtime import Runtime
from handlers.session_edit import current


async def open_form(rt: Runtime, client: AsyncWebClient, form: modals.View, trigger_id: str, where: Where) -> None:
    session_id = modals.editing(form)
    if session_id is not None:
        values: dict[str, str] = {}
        message = await rt.message(client, where.team, where.user_id, f"session edit {session_id}",
                                   channel=where.channel)
        reply = await rt.core.execute(message, current(session_id, values), name="SessionEditForm")
        if not values:
            await answer(reply, where, rt.notifier)
            return
        form = modals.prefilled(form, values)
    await client.views_open(trigger_id=trigger_id, view=form)
