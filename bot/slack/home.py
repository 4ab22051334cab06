"""The App Home tab: a personal dashboard published whenever someone opens it.

It shows the core's own answers: the dashboard (your sessions as attendee and
as trainer, kudos received lately), ``me`` (numbers, onboarding progress) and
``sessions`` (what is open to sign up for), then quick actions, so the Home
tab can never disagree with the commands.
Buttons pressed here come back through the same action listener as any other
button, which publishes the tab again so it shows the change.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import SURFACE_BLOCKS, render
from bot.slack.runtime import Runtime
from bot.slack.to_command import community
from handlers.home import dashboard
from handlers.types import Button, CommunityRef, Message, Reply

QUICK_ACTIONS = Reply(
    text="*Quick actions*",
    buttons=(
        Button("Give kudos", "kudos", "primary"),
        Button("New session", "session new"),
        Button("Kudos leaderboard", "kudos top"),
        Button("Volunteer status", "volunteer status"),
        Button("Help", "help"),
    ),
)
PARTS = 3
PART_BLOCKS = (SURFACE_BLOCKS - 8) // PARTS  # header, three dividers, quick actions (text + buttons), spare


def register(app: AsyncApp, rt: Runtime) -> None:
    @app.event("app_home_opened")
    @rt.track
    async def on_home_opened(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                             context: AsyncBoltContext) -> None:
        if event.get("tab") == "home":
            await rt.later(context, lambda: publish(rt, client, community(body), event["user"]))


async def publish(rt: Runtime, client: AsyncWebClient, team: CommunityRef, user_id: str) -> None:
    author = (await rt.people.refs(client, team, [user_id]))[user_id]
    mine = await rt.core.execute(Message(team, author, "home"), dashboard, name="home")
    me = await rt.core.handle(Message(team, author, "me"))
    sessions = await rt.core.handle(Message(team, author, "sessions"))
    await client.views_publish(user_id=user_id, view=view([r for r in (mine, me, sessions) if r is not None]))


def view(replies: list[Reply]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": "Your Guild"}}]
    for index, reply in enumerate(replies):
        blocks += render(reply, max_blocks=PART_BLOCKS, first_action=100 * index)
        blocks.append({"type": "divider"})
    blocks += render(QUICK_ACTIONS, max_blocks=SURFACE_BLOCKS - len(blocks), first_action=100 * len(replies))
    return {"type": "home", "blocks": blocks[:SURFACE_BLOCKS]}
