"""Guild's Teams endpoint on a test server, replying to a local fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import config
from bot.notify import RoutingNotifier
from bot.teams.adapter import TeamsAdapter
from handlers.context import CoreSettings
from handlers.core import Core
from tests.bot.teams.fake_connector import FakeConnector
from tests.fakes import FakeClock


@dataclass
class Teams:
    """The endpoint as Teams sees it, and what came back at the connector."""

    client: TestClient
    connector: FakeConnector
    adapter: TeamsAdapter
    core: Core

    @property
    def url(self) -> str:
        return self.connector.url

    async def send(self, activity: dict[str, Any], **headers: str) -> int:
        response = await self.client.post("/api/messages", json=activity, headers=headers)
        return response.status


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    yield fake
    await fake.close()


@pytest.fixture
async def teams(uow, clock: FakeClock, connector: FakeConnector) -> AsyncIterator[Teams]:  # type: ignore[no-untyped-def]
    settings = config.load({"TEAMS_DEV_MODE": "1", "HOST": "127.0.0.1"})
    router = RoutingNotifier()
    core = Core(uow=uow, notifier=router, clock=clock, settings=CoreSettings(admins=frozenset({"29:root"})))
    adapter = TeamsAdapter(settings=settings, core=core, uow=uow)
    router.register("teams", adapter.notifier)
    app = web.Application()
    adapter.mount(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield Teams(client, connector, adapter, core)
    await client.close()
    await adapter.close()
