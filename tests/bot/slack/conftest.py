"""Guild's Slack adapter served over real HTTP, signed like Slack signs, against a fake Web API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import config
from bot.inbox import Inbox, WorkQueue
from bot.notify import RoutingNotifier
from bot.slack.adapter import SlackAdapter
from handlers.context import CoreSettings
from handlers.core import Core
from storage.db import create_engine, session_factory
from storage.uow import UnitOfWork
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
_ids = count(1)


def slack_env(database_url: str, api_url: str, **more: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "GUILD_ADMINS": "UADMIN",
        **more,
    }


def signed(body: str, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    timestamp = str(at if at is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def work_queue(engine: AsyncEngine, *, workers: int = 5, size: int = 100,
               lease: timedelta = timedelta(seconds=60)) -> tuple[Inbox, WorkQueue]:
    """An inbox on ``engine`` (for the ack path too) and a work queue, as ``app.build`` makes them."""
    inbox = Inbox(ack_engine=engine, work_engine=engine, lease=lease)
    return inbox, WorkQueue(inbox=inbox, workers=workers, size=size)


@dataclass
class SlackHarness:
    """Sends Slack's wire formats to Guild and reads what Guild did."""

    http: TestClient
    fake: FakeSlack
    core: Core
    adapter: SlackAdapter

    async def idle(self) -> None:
        """Wait until Guild finished everything it acknowledged (for asserting that nothing happened)."""
        await asyncio.wait_for(self.adapter.idle(), 10)

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> web.Response:
        all_headers = {"Content-Type": content_type, **signed(body), **(headers or {})}
        return await self.http.post("/slack/events", data=body.encode(), headers=all_headers)

    async def command(self, command: str, text: str, *, user: str = "UANA", channel: str = "CGENERAL") -> Any:
        body = urlencode({
            "token": "verification-token-unused",
            "team_id": TEAM,
            "team_domain": "guild-test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AGUILD",
            "response_url": self.fake.response_url(f"cmd-{user}"),
            "trigger_id": f"trigger-{next(_ids)}",
        })
        return await self.post(body, "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict[str, Any]) -> Any:
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    async def click(self, value: str, *, user: str = "UANA", channel: str = "CGENERAL", home: bool = False) -> Any:
        container: dict[str, Any] = {"type": "message", "message_ts": "1700000001.000100", "channel_id": channel}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "AGUILD",
            "token": "verification-token-unused",
            "trigger_id": f"trigger-{next(_ids)}",
            "team": {"id": TEAM, "domain": "guild-test"},
            "actions": [{
                "action_id": "guild:0", "block_id": "b0", "type": "button", "value": value,
                "text": {"type": "plain_text", "text": "Go"}, "action_ts": f"{time.time():.6f}",
            }],
        }
        if home:
            payload |= {"container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "type": "home"}}
        else:
            payload |= {"container": container, "channel": {"id": channel, "name": "general"},
                        "response_url": self.fake.response_url(f"click-{user}")}
        return await self.interaction(payload)

    async def submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str = "UANA",
                     view_id: str = "VFORM1") -> Any:
        submitted = {**view, "id": view_id, "hash": "h1", "state": {
            "values": {block: {"value": element} for block, element in values.items()}}}
        return await self.interaction({
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "guild-test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "AGUILD",
            "token": "verification-token-unused",
            "trigger_id": f"trigger-{next(_ids)}",
            "view": submitted,
        })

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    headers: dict[str, str] | None = None) -> Any:
        body = json.dumps({
            "token": "verification-token-unused",
            "team_id": TEAM,
            "api_app_id": "AGUILD",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
        })
        return await self.post(body, "application/json", headers)

    async def count(self, model: Any, *where: Any) -> int:
        async with self.core.uow() as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@asynccontextmanager
async def serving_slack(database_url: str, fake: FakeSlack, clock: FakeClock, *, workers: int = 5,
                        size: int = 100, hand_off: bool = False) -> AsyncIterator[SlackHarness]:
    """Guild's Slack adapter on ``database_url`` over real HTTP, with a work queue of ``workers`` and ``size``
    (``hand_off``: without one, as a serving process whose worker processes do the work)."""
    settings = config.load(slack_env(database_url, fake.api_url), dotenv=None)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    router = RoutingNotifier()
    core = Core(uow=lambda: UnitOfWork(sessions), notifier=router, clock=clock,
                settings=CoreSettings(admins=settings.admins, timezone=settings.timezone))
    inbox, queue = work_queue(engine, workers=workers, size=size)
    adapter = SlackAdapter(settings=settings, core=core, inbox=inbox, queue=None if hand_off else queue)
    router.register("slack", adapter.notifier)
    web_app = web.Application()
    adapter.mount(web_app)
    http = TestClient(TestServer(web_app, host="127.0.0.1"))
    await http.start_server()
    try:
        yield SlackHarness(http=http, fake=fake, core=core, adapter=adapter)
    finally:
        await http.close()
        await adapter.close()
        await queue.close()
        await engine.dispose()


@pytest.fixture
async def slack(database_url: str, fake_slack: FakeSlack, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with serving_slack(database_url, fake_slack, clock) as harness:
        yield harness
