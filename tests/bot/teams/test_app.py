"""Teams through the whole app: ``app.build`` with TEAMS_DEV_MODE on loopback serves ``/api/messages``."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

import app
import config
from storage.models import Kudos
from tests.bot.teams import activities as act
from tests.bot.teams.fake_connector import FakeConnector
from tests.fakes import FakeClock


async def test_the_built_app_answers_teams_and_routes_notices_to_it(database_url: str, connector: FakeConnector,
                                                                    clock: FakeClock) -> None:
    settings = config.load({"DATABASE_URL": database_url, "TEAMS_DEV_MODE": "1", "HOST": "127.0.0.1"})
    guild = await app.build(settings, clock=clock)
    try:
        async with TestClient(TestServer(guild.web_app())) as client:
            assert (await client.get("/healthz")).status == 200
            message = act.channel_message(connector.url, "ana", "kudos @ben thanks for the demo", ("ben",))
            response = await client.post("/api/messages", json=message)

        assert response.status == 201
        async with guild.uow() as work:
            assert (await work.session.scalar(select(Kudos.message))) == "thanks for the demo"
        [chat] = connector.created()
        assert "thanked you" in connector.to(chat.answered_id)[0].text, "the core's notice went out through Teams"
        assert "thanked <at>Ben Ng</at>" in connector.to(message["conversation"]["id"])[0].text
    finally:
        await guild.close()
