"""The Slack app manifest in the repository matches what the code handles."""

from __future__ import annotations

import json

from bot.slack.adapter import EVENTS_PATH, MANIFEST, REDIRECT_PATH, bot_scopes
from bot.slack.to_command import COMMANDS
from tests.bot.slack.conftest import SlackHarness


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


async def test_the_manifest_names_every_slash_command_the_code_handles(slack: SlackHarness) -> None:
    named = {c["command"] for c in manifest()["features"]["slash_commands"]}
    assert named == set(COMMANDS) == {"/guild", "/kudos", "/sessions", "/volunteer", "/feedback"}
    for command in sorted(named):
        response = await slack.command(command, "status" if command == "/volunteer" else "")
        assert response.status == 200, command
    assert (await slack.command("/not-guild", "help")).status == 404  # what the code does not register


def test_every_request_url_points_at_the_one_endpoint() -> None:
    m = manifest()
    urls = [c["url"] for c in m["features"]["slash_commands"]]
    urls += [m["settings"]["event_subscriptions"]["request_url"], m["settings"]["interactivity"]["request_url"]]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert all(url.endswith(REDIRECT_PATH) for url in m["oauth_config"]["redirect_urls"])
    assert all(c["should_escape"] for c in m["features"]["slash_commands"])  # mentions arrive as <@U…|name>


def test_events_interactivity_and_home_are_switched_on_with_the_scopes_they_need() -> None:
    m = manifest()
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "message.channels", "message.groups", "message.im", "reaction_added", "reaction_removed"}
    assert m["settings"]["interactivity"]["is_enabled"] and m["features"]["app_home"]["home_tab_enabled"]
    assert set(bot_scopes()) == {"commands", "chat:write", "im:write", "users:read", "channels:history",
                                 "groups:history", "im:history", "reactions:read", "files:write"}
    assert "chat:write.public" not in bot_scopes() and "channels:join" not in bot_scopes()  # never joins by itself
