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
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.bot.slack.conftest import SECRET, TOKEN, signed
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.bot.teams.activities import personal_message
from tests.bot.teams.fake_connector import FakeConnector

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


async def test_serve_answers_slack_and_teams_and_stops_cleanly(
    database_url: str, fakes: tuple[FakeSlack, FakeConnector]
) -> None:
    slack, connector = fakes
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    env.update(DATABASE_URL=database_url, HOST="127.0.0.1", PORT=str(port), SLACK_BOT_TOKEN=TOKEN,
               SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url, TEAMS_DEV_MODE="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = await wait_healthy(base, process)
        assert health.status == 200

        body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": "UANA", "command": "/guild",
                          "text": "help", "response_url": slack.response_url("serve"), "trigger_id": "t1"})
        async with aiohttp.ClientSession() as http:
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
            async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
            forged = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
            async with http.post(f"{base}/slack/events", data=body, headers=forged) as response:
                assert response.status == 401
            activity = personal_message(connector.url, "ana", "help")
            async with http.post(f"{base}/api/messages", json=activity) as response:
                assert response.status in (200, 201)
            async with http.post(f"{base}/api/messages", data="not json",
                                 headers={"Content-Type": "application/json"}) as response:
                assert 400 <= response.status < 500

        responded = await slack.wait_for("respond:serve", within=15)
        assert "what I can do" in json.dumps(responded[-1].body)
        assert any("what I can do" in " ".join(call.texts) for call in connector.sent())
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert TOKEN not in stderr.decode() and SECRET not in stderr.decode()
