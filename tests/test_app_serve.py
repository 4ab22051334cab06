"""`python app.py` with platform variables serves Slack and Teams over HTTP, as the README says.

This drives the real entry point in a child process — configuration, migrations,
the aiohttp server, both adapters, the scheduler and a clean stop on SIGTERM —
against the local fakes of the Slack Web API and the Bot Framework connector.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.bot.slack.conftest import SECRET, TOKEN, signed
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.bot.teams import activities as act
from tests.bot.teams.fake_connector import FakeConnector
from tests.fakes import next_friday_roundup

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeSlack, FakeConnector]]:
    slack, connector = FakeSlack(), FakeConnector()
    await slack.start()
    await connector.start()
    yield slack, connector
    await slack.close()
    await connector.close()


async def wait_healthy(base: str, process: asyncio.subprocess.Process) -> aiohttp.ClientResponse:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            assert process.returncode is None, "Guild exited before serving"
            try:
                async with http.get(f"{base}/healthz") as response:
                    await response.read()
                    return response
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("Guild did not start serving within 30 s")


def guild_env(database_url: str, slack: FakeSlack, **extra: str) -> dict[str, str]:
    """The environment an operator would set: Slack over HTTP against the fake Web API, Teams in dev mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_", "GUILD_"))}
    env.update(DATABASE_URL=database_url, HOST="127.0.0.1", SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
               SLACK_API_URL=slack.api_url, TEAMS_DEV_MODE="1", **extra)
    return env


@asynccontextmanager
async def serving(env: dict[str, str]) -> AsyncIterator[tuple[str, list[bytes]]]:
    """`python app.py` serving on a free port until the block ends; yields its base URL and, after, its stderr."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), env={**env, "PORT": str(port)}, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    stderr: list[bytes] = []
    try:
        health = await wait_healthy(base, process)
        assert health.status == 200
        yield base, stderr
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
        stderr.append(err)
    assert process.returncode == 0, err.decode()


async def slash(http: aiohttp.ClientSession, base: str, slack: FakeSlack, user: str, text: str) -> None:
    body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": user, "command": "/guild",
                      "text": text, "response_url": slack.response_url(user), "trigger_id": "t1"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
    async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
        assert response.status == 200


async def test_serve_answers_slack_and_teams_and_stops_cleanly(
    database_url: str, fakes: tuple[FakeSlack, FakeConnector]
) -> None:
    slack, connector = fakes
    async with serving(guild_env(database_url, slack)) as (base, stderr), aiohttp.ClientSession() as http:
        body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": "UANA", "command": "/guild",
                          "text": "help", "response_url": slack.response_url("serve"), "trigger_id": "t1"})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
        async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
            assert response.status == 200
        forged = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
        async with http.post(f"{base}/slack/events", data=body, headers=forged) as response:
            assert response.status == 401
        activity = act.personal_message(connector.url, "ana", "help")
        async with http.post(f"{base}/api/messages", json=activity) as response:
            assert response.status in (200, 201)
        async with http.post(f"{base}/api/messages", data="not json",
                             headers={"Content-Type": "application/json"}) as response:
            assert 400 <= response.status < 500

        responded = await slack.wait_for("respond:serve", within=15)
        assert "what I can do" in json.dumps(responded[-1].body)
        assert any("what I can do" in " ".join(call.texts) for call in connector.sent())
    logged = b"".join(stderr).decode()
    assert TOKEN not in logged and SECRET not in logged


async def test_run_job_posts_the_roundup_once_to_the_slack_and_teams_channels(
    database_url: str, fakes: tuple[FakeSlack, FakeConnector]
) -> None:
    """The operator's `run-job roundup --at …`, as the scheduler issue's "done when" describes it."""
    slack, connector = fakes
    for user, name in (("UANA", "Ana"), ("UBEN", "Ben"), ("UADMIN", "Admin")):
        slack.add_user(user, name)
    env = guild_env(database_url, slack, GUILD_ADMINS="UADMIN,29:root", GUILD_TIMEZONE="Europe/Berlin")
    async with serving(env) as (base, _), aiohttp.ClientSession() as http:
        await slash(http, base, slack, "UADMIN", "admin channel roundup <#CKUDOS|kudos>")
        await slash(http, base, slack, "UANA", "kudos <@UBEN> thanks for the calm release demo #craft")
        naming = act.channel_message(connector.url, "ana", "admin channel roundup")
        naming["from"] = {"id": "29:root", "name": "Root Admin"}
        thanks = act.channel_message(connector.url, "ana", "kudos @ben thanks for the demo #craft", ("ben",))
        for activity in (naming, thanks):
            async with http.post(f"{base}/api/messages", json=activity) as response:
                assert response.status in (200, 201)
        await slack.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL", within=15)
    at = next_friday_roundup(datetime.now(ZoneInfo("Europe/Berlin"))).isoformat()
    before = len(connector.to(act.CHANNEL))

    runs = [await run_job(env, "roundup", "--at", at) for _ in range(2)]

    assert sum("posted to CKUDOS" in out for out in runs) == 1
    assert sum(f"posted to {act.CHANNEL}" in out for out in runs) == 1
    assert runs[1].count("already posted") == 2
    [slack_post] = [c for c in slack.of("chat.postMessage") if c.body.get("channel") == "CKUDOS"]
    assert slack_post.body["text"].startswith("Weekly recognition roundup") and "#craft" in str(slack_post.body)
    [teams_post] = connector.to(act.CHANNEL)[before:]
    assert teams_post.text.startswith("Weekly recognition roundup") and "<at>Ben Ng</at>" in teams_post.text


async def run_job(env: dict[str, str], *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), "run-job", *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()
