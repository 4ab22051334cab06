"""Through the whole app: an admin names a Slack or Teams channel, people give kudos, the roundup lands there once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier

import app
import config
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.bot.teams import activities as act
from tests.bot.teams.fake_connector import FakeConnector
from tests.fakes import FakeClock

FRIDAY_16 = datetime(2026, 11, 27, 15, 5, tzinfo=UTC)  # five past the roundup, Fri 16:00 in Berlin
SECRET = "test-signing-secret"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    yield fake
    await fake.close()


def slash(text: str, user: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "channel_name": "general", "user_id": user,
                      "user_name": user.lower(), "command": "/guild", "text": text, "api_app_id": "AGUILD",
                      "response_url": response_url, "trigger_id": f"trigger-{user}-{len(text)}"})
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


async def test_the_roundup_arrives_once_in_the_slack_channel_an_admin_chose(database_url: str,
                                                                            clock: FakeClock) -> None:
    fake = FakeSlack()
    await fake.start()
    for user, name in (("UANA", "Ana"), ("UBEN", "Ben"), ("UADMIN", "Admin")):
        fake.add_user(user, name)
    settings = config.load({"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET":
                            SECRET, "SLACK_API_URL": fake.api_url, "GUILD_ADMINS": "UADMIN",
                            "GUILD_TIMEZONE": "Europe/Berlin"}, dotenv=None)
    guild = await app.build(settings, clock=clock)
    try:
        async with TestClient(TestServer(guild.web_app())) as client:
            for text, user in (("admin channel roundup <#CKUDOS|kudos>", "UADMIN"),
                               ("kudos <@UBEN> thanks for the demo #craft", "UANA")):
                body, headers = slash(text, user, fake.response_url(user))
                assert (await client.post("/slack/events", data=body, headers=headers)).status == 200
            await guild.slack.idle()
        assert await guild.scheduler.run_job("roundup", FRIDAY_16) == [
            "roundup 2026-W48 · slack:T0GUILD: posted to CKUDOS"
        ]
        assert await guild.scheduler.run_job("roundup", FRIDAY_16) == [
            "roundup 2026-W48 · slack:T0GUILD: already posted (or being posted) — skipped"
        ]
    finally:
        await guild.close()
        await fake.close()
    [post] = [c for c in fake.of("chat.postMessage") if c.body.get("channel") == "CKUDOS"]
    assert post.body["text"].startswith("Weekly recognition roundup")
    assert "1 kudos" in str(post.json("blocks")) and "#craft" in str(post.json("blocks"))


async def test_the_roundup_arrives_once_in_the_teams_channel_an_admin_chose(database_url: str, clock: FakeClock,
                                                                            connector: FakeConnector) -> None:
    settings = config.load({"DATABASE_URL": database_url, "TEAMS_DEV_MODE": "1", "HOST": "127.0.0.1",
                            "GUILD_ADMINS": "29:root", "GUILD_TIMEZONE": "Europe/Berlin"}, dotenv=None)
    guild = await app.build(settings, clock=clock)
    try:
        async with TestClient(TestServer(guild.web_app())) as client:
            naming = act.channel_message(connector.url, "ana", "admin channel roundup")
            naming["from"] = {"id": "29:root", "name": "Root Admin"}
            assert (await client.post("/api/messages", json=naming)).status == 201
            thanks = act.channel_message(connector.url, "ana", "kudos @ben thanks for the demo", ("ben",))
            assert (await client.post("/api/messages", json=thanks)).status == 201
        before = len(connector.to(act.CHANNEL))
        lines = await guild.scheduler.run_job("roundup", FRIDAY_16)
        assert lines == [f"roundup 2026-W48 · teams:{act.TENANT}: posted to {act.CHANNEL}"]
        await guild.scheduler.run_job("roundup", FRIDAY_16)
    finally:
        await guild.close()
    [post] = connector.to(act.CHANNEL)[before:]
    assert post.text.startswith("Weekly recognition roundup")
    assert "**1 kudos** for 1 person: <at>Ben Ng</at> (1)." in post.text
    assert "> — <at>Ana Lima</at> to <at>Ben Ng</at>" in post.text
