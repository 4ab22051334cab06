"""Serving Slack: only signed, fresh requests get in; HTTP mode needs its signing secret; OAuth installs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import app
import config
from bot.slack.adapter import SlackAdapter
from handlers.core import Core
from storage.db import create_engine
from storage.models import Kudos
from tests.bot.slack.conftest import SECRET, SlackHarness, signed, slack_env, work_queue
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock, RecordingNotifier

KUDOS = urlencode({"team_id": TEAM, "user_id": "UANA", "command": "/kudos", "channel_id": "CGENERAL",
                   "text": "<@UBEN|ben> thanks for the patient SQL walkthrough", "trigger_id": "t1"})
FORM = "application/x-www-form-urlencoded"


async def _post(slack: SlackHarness, headers: dict[str, str]) -> int:
    response = await slack.http.post("/slack/events", data=KUDOS.encode(), headers={"Content-Type": FORM, **headers})
    return response.status


async def test_unsigned_forged_and_stale_requests_are_refused(slack: SlackHarness) -> None:
    assert await _post(slack, {}) == 401
    assert await _post(slack, signed(KUDOS, secret="not-the-secret")) == 401
    assert await _post(slack, signed(KUDOS, at=int(time.time()) - 6 * 60)) == 401
    assert await _post(slack, signed(KUDOS.replace("UANA", "UADMIN"))) == 401  # signed for another body
    assert await slack.count(Kudos) == 0

    assert await _post(slack, signed(KUDOS)) == 200
    await slack.fake.wait_for("chat.postMessage")
    assert await slack.count(Kudos) == 1


async def test_url_verification_is_answered(slack: SlackHarness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    response = await slack.post(body, "application/json")
    assert response.status == 200 and (await response.json())["challenge"] == "c-123"


def test_http_mode_refuses_to_start_without_a_signing_secret() -> None:
    settings = config.Settings(slack_bot_token="xoxb-1")
    core = Core(uow=lambda: None, notifier=RecordingNotifier(), clock=FakeClock())  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(settings=settings, core=core, **_work())


async def test_tokens_and_secrets_never_reach_the_logs(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    await slack.command("/kudos", "<@UBEN|ben> thanks for the patient SQL walkthrough")
    await slack.fake.wait_for("chat.postMessage", 2)
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "xoxb-test-token" not in logged and SECRET not in logged


async def test_the_whole_app_serves_slack_beside_healthz(database_url: str, fake_slack: FakeSlack) -> None:
    guild = await app.build(config.load(slack_env(database_url, fake_slack.api_url), dotenv=None), clock=FakeClock())
    http = TestClient(TestServer(guild.web_app(), host="127.0.0.1"))
    await http.start_server()
    try:
        assert (await http.get("/healthz")).status == 200
        body = urlencode({"team_id": TEAM, "user_id": "UANA", "command": "/guild", "text": "me",
                          "channel_id": "CGENERAL", "response_url": fake_slack.response_url("app")})
        response = await http.post("/slack/events", data=body.encode(), headers={"Content-Type": FORM, **signed(body)})
        assert response.status == 200
        [answer] = await fake_slack.wait_for("respond:app")
        assert answer.body["response_type"] == "ephemeral" and "profile" in answer.body["text"].lower()
    finally:
        await http.close()
        await guild.close()


async def test_oauth_install_redirects_to_slack_with_the_manifest_scopes(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'oauth.db'}"
    env = slack_env(database, "http://127.0.0.1:9/api/", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="shh")
    del env["SLACK_BOT_TOKEN"]
    settings = config.load(env, dotenv=None)
    core = Core(uow=lambda: None, notifier=RecordingNotifier(), clock=FakeClock())  # type: ignore[arg-type,return-value]
    adapter = SlackAdapter(settings=settings, core=core, **_work())
    web_app = web.Application()
    adapter.mount(web_app)
    http = TestClient(TestServer(web_app, host="127.0.0.1"))
    await http.start_server()  # creates the installation and state stores' tables
    try:
        response = await http.get("/slack/install", allow_redirects=False)
        assert response.status == 302
        target = urlparse(response.headers["Location"])
        query = parse_qs(target.query)
        assert (target.netloc, target.path) == ("slack.com", "/oauth/v2/authorize")
        assert query["client_id"] == ["111.222"] and query["state"][0]
        assert set(query["scope"][0].split(",")) >= {"commands", "chat:write", "im:write", "users:read"}
        assert response.cookies["slack-app-oauth-state"].value == query["state"][0]
    finally:
        await http.close()
        await adapter.close()


async def test_socket_mode_takes_commands_over_the_websocket(database_url: str, fake_slack: FakeSlack) -> None:
    env = slack_env(database_url, fake_slack.api_url, SLACK_APP_TOKEN="xapp-1-test")
    del env["SLACK_SIGNING_SECRET"]
    guild = await app.build(config.load(env, dotenv=None), clock=FakeClock())
    http = TestClient(TestServer(guild.web_app(), host="127.0.0.1"))
    await http.start_server()
    try:
        await guild.slack.start_socket_mode()
        [opened] = fake_slack.of("apps.connections.open")
        assert opened.token == "xapp-1-test"
        await fake_slack.push({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                               "payload": {"team_id": TEAM, "user_id": "UANA", "command": "/guild", "text": "me",
                                           "channel_id": "CGENERAL", "response_url": fake_slack.response_url("ws")}})
        [answer] = await fake_slack.wait_for("respond:ws")
        assert "profile" in answer.body["text"].lower()
        assert [ack["envelope_id"] for ack in fake_slack.socket_acks] == ["env-1"]
        # without a signing secret there is no HTTP route to send requests to
        headers = {"Content-Type": FORM, **signed(KUDOS)}
        assert (await http.post("/slack/events", data=KUDOS.encode(), headers=headers)).status in (404, 405)
    finally:
        await http.close()
        await guild.close()


async def test_web_api_and_response_url_calls_reuse_a_few_kept_alive_connections(slack: SlackHarness) -> None:
    for n in range(1, 11):
        await slack.command("/kudos", f"<@UBEN|ben> thanks for walkthrough {n}")
        await slack.fake.wait_for("chat.postMessage", 2 * n)  # the announcement and Ben's DM
        await slack.command("/guild", "me")
        await slack.fake.wait_for("respond:cmd-UANA", n)
        await slack.idle()
    calls = len(slack.fake.calls)
    assert calls >= 30
    assert slack.fake.connections() <= 3, f"{slack.fake.connections()} connections for {calls} calls"


async def test_the_http_session_is_closed_with_the_app(database_url: str, fake_slack: FakeSlack) -> None:
    guild = await app.build(config.load(slack_env(database_url, fake_slack.api_url), dotenv=None), clock=FakeClock())
    session = guild.slack.http
    assert guild.slack.client.session is session and not session.closed
    await guild.close()
    assert session.closed


def _work() -> dict[str, Any]:
    """An inbox and a work queue on a database nobody touches (the adapter is refused or only installs)."""
    inbox, queue = work_queue(create_engine("sqlite://"))
    return {"inbox": inbox, "queue": queue}
