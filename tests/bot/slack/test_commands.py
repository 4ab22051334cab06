"""Slash commands over HTTP: acknowledged at once, answered privately or in the channel."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from storage.models import Kudos, Member
from tests.bot.slack.conftest import SlackHarness


async def test_kudos_is_announced_in_the_channel_and_the_receiver_is_told(slack: SlackHarness) -> None:
    response = await slack.command("/kudos", "<@UBEN|ben> thanks for the patient SQL walkthrough #teamwork")
    assert response.status == 200

    [post] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    assert "<@UBEN>" in post.body["text"] and "SQL walkthrough" in post.body["text"]
    [opened] = await slack.fake.wait_for("conversations.open")
    assert opened.body["users"] == "UBEN"
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUBEN")
    assert await slack.count(Kudos) == 1


async def test_people_get_their_slack_names_and_time_zones(slack: SlackHarness) -> None:
    await slack.command("/kudos", "<@UBEN|ben> thanks for the patient SQL walkthrough")
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    async with slack.core.uow() as uow:
        ben = (await uow.session.execute(
            select(Member.display_name, Member.timezone, Member.profile_refreshed_at).where(Member.user_id == "UBEN")
        )).one()
    assert tuple(ben) == ("Ben", "Europe/Paris", slack.core.clock())


async def test_names_are_looked_up_at_most_daily(slack: SlackHarness) -> None:
    for answered in (1, 2):
        await slack.command("/guild", "me")
        await slack.fake.wait_for("respond:cmd-UANA", answered)
    assert len(slack.fake.of("users.info")) == 1

    slack.core.clock.advance(days=1, minutes=1)  # type: ignore[attr-defined]
    await slack.command("/guild", "me")
    await slack.fake.wait_for("respond:cmd-UANA", 3)
    assert len(slack.fake.of("users.info")) == 2


async def test_private_answers_are_ephemeral_through_the_response_url(slack: SlackHarness) -> None:
    await slack.command("/guild", "me")
    [answer] = await slack.fake.wait_for("respond:cmd-UANA")
    assert answer.body["response_type"] == "ephemeral"
    assert answer.body["blocks"][0]["type"] == "header"


async def test_in_a_dm_between_two_people_answers_come_privately(slack: SlackHarness) -> None:
    slack.fake.not_in.add("DANA-BEN")  # Guild is not part of ana's DM with ben
    await slack.command("/guild", "me", channel="DANA-BEN")
    [answer] = await slack.fake.wait_for("respond:cmd-UANA")
    assert answer.body["response_type"] == "ephemeral" and "/invite" not in answer.body["text"]

    # The public thanks comes from the outbox, which has no response_url: ana's DM with Guild takes it.
    await slack.command("/kudos", "<@UBEN|ben> thanks for the pairing session today", channel="DANA-BEN")
    [told] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUANA")
    assert "I can't post in this conversation" in told.body["text"] and "pairing session" in told.body["text"]
    assert "/invite" not in told.body["text"]
    assert not slack.fake.posted("DANA-BEN")


MALFORMED = [
    "",
    "frobnicate",
    "kudos <@UBEN|ben>",
    "kudos thanks everyone for everything",
    "signup",
    "signup twelve",
    "cancel 0",
    'session new "Unclosed 2026-12-01 14:00 60m 5',
    "session new Title 2026-13-45 14:00 60m 5",
    "session new Title 2026-12-01 25:00 60m 5",
    "feedback 3 9",
    "digest year",
    "admin",
    "admin kudos-limit lots",
    "x" * 5000,
    "<@UBEN|ben> <#C1|general> &lt;script&gt;",
]


@pytest.mark.parametrize("text", MALFORMED)
async def test_malformed_commands_get_a_helpful_private_answer_within_three_seconds(
    slack: SlackHarness, text: str
) -> None:
    started = time.monotonic()
    response = await slack.command("/guild", text)
    body = await response.json() if response.content_type == "application/json" else {}
    if not body:  # a form or a command the grammar accepts: the answer follows through the response_url
        calls = await slack.fake.wait_for("respond:cmd-UANA", where=None, within=3)
        body = calls[0].body
    assert time.monotonic() - started < 3
    assert response.status == 200
    assert body.get("response_type", "ephemeral") == "ephemeral"
    assert body["text"].strip() and "Traceback" not in body["text"]
