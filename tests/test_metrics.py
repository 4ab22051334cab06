"""``GET /metrics`` and ``GET /readyz`` of the Guild that ``app.build`` wires, over real HTTP.

The numbers must move because real work happened: signed Slack commands and
Teams activities through the adapters, scheduled posts through the scheduler,
failures answered by the fake Slack Web API and the fake Bot Framework connector.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from alembic import command
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

import app
import config
from storage import inbox as rows
from storage import outbox
from storage.db import create_engine
from storage.migrate import alembic_config, head_revisions, upgrade
from storage.models import Kudos
from tests.bot.slack.conftest import SECRET, TOKEN, signed
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.bot.teams import activities as act
from tests.bot.teams.fake_connector import FakeConnector
from tests.fakes import FakeClock, next_friday_roundup

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Served:
    guild: app.Guild
    http: TestClient
    slack: FakeSlack
    connector: FakeConnector

    async def slash(self, user: str, text: str) -> None:
        body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": user, "command": "/guild",
                          "text": text, "response_url": self.slack.response_url(f"cmd-{user}"),
                          "trigger_id": "t1"})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
        response = await self.http.post("/slack/events", data=body, headers=headers)
        assert response.status == 200
        await self.guild.slack.idle()

    async def teams(self, activity: dict[str, object]) -> None:
        response = await self.http.post("/api/messages", json=activity)
        assert response.status in (200, 201)

    async def scrape(self) -> Samples:
        response = await self.http.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        return parsed(await response.text())


def parsed(exposition: str) -> Samples:
    """Every sample of a /metrics answer, by name and labels."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(exposition) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[Served]:
    slack, connector = FakeSlack(), FakeConnector()
    await slack.start()
    await connector.start()
    for user, name in (("UANA", "Ana"), ("UBEN", "Ben"), ("UADMIN", "Admin")):
        slack.add_user(user, name)
    settings = config.load({"DATABASE_URL": database_url, "HOST": "127.0.0.1", "SLACK_BOT_TOKEN": TOKEN,
                            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url, "TEAMS_DEV_MODE": "1",
                            "GUILD_ADMINS": "UADMIN"}, dotenv=None)
    guild = await app.build(settings, clock=FakeClock())
    http = TestClient(TestServer(guild.web_app(), host="127.0.0.1"))
    await http.start_server()
    yield Served(guild, http, slack, connector)
    await http.close()
    await guild.close()
    await slack.close()
    await connector.close()


async def test_commands_count_by_name_and_result_with_ack_and_completion_times(served: Served) -> None:
    before = await served.scrape()

    await served.slash("UANA", "kudos <@UBEN> thanks for the calm release demo")
    await served.slash("UANA", "kudos <@UANA> thanks to me for everything today")
    await served.slash("UANA", "kudos <@UBEN>")
    await served.teams(act.channel_message(served.connector.url, "ana", "kudos @ben thanks for the demo", ("ben",)))

    after = await served.scrape()
    moved = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)  # noqa: E731
    assert moved("guild_commands_total", command="KudosGive", result="ok") == 2
    assert moved("guild_commands_total", command="KudosGive", result="refused") == 1
    assert moved("guild_commands_total", command="kudos", result="usage") == 1
    assert moved("guild_ack_seconds_count", platform="slack") == 3
    assert moved("guild_completion_seconds_count", platform="slack") == 3
    assert moved("guild_ack_seconds_count", platform="teams") == 1
    assert moved("guild_completion_seconds_count", platform="teams") == 1
    assert value(after, "guild_ack_seconds_bucket", platform="slack", le="+Inf") == 3
    assert 0 < value(after, "guild_ack_seconds_sum", platform="slack") < 3 * 3  # each within Slack's 3 s
    async with served.guild.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Kudos)) == 2
    assert value(after, "guild_draining") == 0


async def test_scheduled_posts_outbox_deliveries_and_slack_api_errors_by_kind(served: Served) -> None:
    await served.slash("UADMIN", "admin channel roundup <#CKUDOS|kudos>")
    await served.slash("UANA", "kudos <@UBEN> thanks for the calm release demo")
    at = next_friday_roundup(served.guild.core.clock())
    served.slack.not_in.add("CKUDOS")

    failed = await served.guild.scheduler.run_job("roundup", at)
    before = await served.scrape()
    served.slack.not_in.clear()
    served.slack.rate_limited["chat.postMessage"] = 1
    async with served.guild.uow() as uow:  # what `python app.py outbox retry all` does
        assert len(await outbox.requeue(uow.session, None, at=served.guild.core.clock())) == 1
        await uow.commit()
    await served.guild.core.delivery.drain()
    again = await served.guild.scheduler.run_job("roundup", at)

    assert "post to CKUDOS failed" in failed[0] and "already posted" in again[0]
    assert value(before, "guild_outbox_depth", state="failed") == 1
    samples = await served.scrape()
    for outcome in ("queued", "skipped"):
        assert value(samples, "guild_scheduled_posts_total", job="roundup", outcome=outcome) == 1, outcome
    assert value(samples, "guild_outbox_deliveries_total", platform="slack", kind="post", outcome="failed") == 1
    # the roundup, and the kudos' thanks in the channel (a command's public answer goes through the outbox too)
    assert value(samples, "guild_outbox_deliveries_total", platform="slack", kind="post", outcome="sent") == 2
    assert value(samples, "guild_outbox_deliveries_total", platform="slack", kind="tell", outcome="sent") == 1
    assert value(samples, "guild_outbox_depth", state="failed") == 0
    assert value(samples, "guild_outbox_oldest_age_seconds") == 0
    assert value(samples, "guild_platform_api_errors_total", platform="slack", kind="not_in_channel") == 1
    assert value(samples, "guild_platform_api_errors_total", platform="slack", kind="ratelimited") == 1
    assert len([c for c in served.slack.of("chat.postMessage") if c.body.get("channel") == "CKUDOS"]) == 3


async def test_teams_connector_errors_are_counted_by_status(served: Served) -> None:
    served.connector.failing.extend([502, 502])  # the reply, then the apology for the failed turn

    await served.teams(act.personal_message(served.connector.url, "ana", "help"))

    samples = await served.scrape()
    assert value(samples, "guild_platform_api_errors_total", platform="teams", kind="http_502") == 2
    assert value(samples, "guild_commands_total", command="Help", result="ok") == 1
    await served.teams(act.personal_message(served.connector.url, "ana", "help"))
    assert value(await served.scrape(), "guild_platform_api_errors_total", platform="teams", kind="http_502") == 2


def _downgrade_one(connection: Connection) -> None:
    alembic = alembic_config()
    alembic.attributes["connection"] = connection
    command.downgrade(alembic, "-1")


async def test_inbox_events_depth_and_age_of_the_oldest_unfinished_row(served: Served) -> None:
    await served.slash("UANA", "kudos <@UBEN> thanks for the calm release demo")
    replayed = await served.scrape()
    assert value(replayed, "guild_inbox_events_total", event="recorded") == 1
    assert value(replayed, "guild_inbox_depth") == 0 and value(replayed, "guild_inbox_oldest_age_seconds") == 0

    inbox = served.guild.inbox
    assert inbox is not None
    async with inbox.work_engine.begin() as conn:  # a row its process never finished, received 90 s ago
        await rows.record(conn, platform="slack", key="slack:request:stuck", kind="command", payload="",
                          content_type="application/x-www-form-urlencoded", owner="dead:1",
                          now=inbox.clock() - timedelta(seconds=90), lease=timedelta(hours=1))

    samples = await served.scrape()
    assert value(samples, "guild_inbox_depth") == 1
    assert 90 <= value(samples, "guild_inbox_oldest_age_seconds") < 120
    assert value(samples, "guild_inbox_failed") == 0


async def test_readyz_needs_the_schema_at_head_and_an_instance_not_draining(served: Served) -> None:
    ready = await served.http.get("/readyz")
    assert ready.status == 200 and await ready.json() == {"status": "ok"}

    async with served.guild.engine.begin() as connection:
        await connection.run_sync(_downgrade_one)
    try:
        behind = await served.http.get("/readyz")
        reason = (await behind.json())["status"]
        assert behind.status == 503
        [head] = head_revisions()
        previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
        assert reason == f"schema at {previous}, this version needs {head}: run python app.py migrate"
        assert (await served.http.get("/healthz")).status == 200  # alive, just not ready
    finally:
        await upgrade(served.guild.engine)
    assert (await served.http.get("/readyz")).status == 200

    await served.guild.drain()  # nothing in flight: returns at once, and the instance stays not ready

    draining = await served.http.get("/readyz")
    assert draining.status == 503 and await draining.json() == {"status": "draining"}
    assert value(await served.scrape(), "guild_draining") == 1


async def test_readyz_is_503_when_the_database_does_not_answer(served: Served) -> None:
    original, served.guild.engine = served.guild.engine, create_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        response = await served.http.get("/readyz")
        assert response.status == 503 and await response.json() == {"status": "database unavailable"}
    finally:
        await served.guild.engine.dispose()
        served.guild.engine = original
