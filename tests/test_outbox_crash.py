"""A real Guild process killed after Slack accepted its scheduled roundup: the roundup is posted once.

`python app.py run-job roundup` claims the week, writes the post to the outbox with the claim, and posts
it; Slack (the fake) keeps the message but its answer never arrives, and the process is SIGKILLed. The
claim is done and the outbox row is left in "sending". Once its lease has run out, a serving Guild takes
the row over, finds the message in the channel's history by its metadata, and records it — nothing is
posted again, and a second run-job skips the week.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import select, update

from storage.db import create_engine, session_factory
from storage.models import OutboxMessage
from storage.uow import UnitOfWork
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.teams.fake_connector import FakeConnector
from tests.fakes import next_friday_roundup
from tests.test_app_serve import ROOT, fakes, guild_env, run_job, serving, slash

__all__ = ["fakes"]  # the fixture, imported for this module's tests


async def rows(database_url: str) -> list[OutboxMessage]:
    """The roundup's outbox rows (the kudos' public thanks in CGENERAL is a post too)."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            found = list(await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "post",
                                                                              OutboxMessage.target == "CKUDOS")))
            uow.session.expunge_all()
            return found
    finally:
        await engine.dispose()


async def lease_runs_out(database_url: str) -> None:
    """What five minutes do to the dead process's lease."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            past = datetime.now(ZoneInfo("UTC")) - timedelta(seconds=1)
            await uow.session.execute(update(OutboxMessage).where(OutboxMessage.state == "sending")
                                      .values(claimed_until=past))
            await uow.commit()
    finally:
        await engine.dispose()


async def test_a_roundup_slack_took_before_the_process_was_killed_is_posted_once(
    database_url: str, fakes: tuple[FakeSlack, FakeConnector]
) -> None:
    slack, _ = fakes
    for user, name in (("UANA", "Ana"), ("UBEN", "Ben"), ("UADMIN", "Admin")):
        slack.add_user(user, name)
    env = guild_env(database_url, slack, GUILD_ADMINS="UADMIN", GUILD_TIMEZONE="Europe/Berlin",
                    GUILD_ROUNDUP_GRACE_HOURS="0.01")  # no catch-up post of a past week
    async with serving(env) as (base, _), aiohttp.ClientSession() as http:
        await slash(http, base, slack, "UADMIN", "admin channel roundup <#CKUDOS|kudos>")
        await slash(http, base, slack, "UANA", "kudos <@UBEN> thanks for the calm release demo #craft")
        await slack.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL", within=15)
    at = next_friday_roundup(datetime.now(ZoneInfo("Europe/Berlin"))).isoformat()

    slack.lost["chat.postMessage"] = answered = asyncio.Event()
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), "run-job", "roundup", "--at", at, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not slack.posted("CKUDOS"):
        assert time.monotonic() < deadline and process.returncode is None, "the roundup never reached Slack"
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    answered.set()
    del slack.lost["chat.postMessage"]
    [row] = await rows(database_url)
    assert row.state == "sending" and row.platform_ref is None

    await lease_runs_out(database_url)
    assert "already posted (or being posted) — skipped" in await run_job(env, "roundup", "--at", at)
    async with serving(env):  # its deliverer looks at the outbox at start
        deadline = time.monotonic() + 30
        while (await rows(database_url))[0].state != "sent":
            assert time.monotonic() < deadline, "the serving Guild never settled the row"
            await asyncio.sleep(0.1)

    [posted] = slack.posted("CKUDOS")
    assert posted["text"].startswith("Weekly recognition roundup")
    assert posted["metadata"] == {"event_type": "guild_outbox", "event_payload": {"id": str(row.id)}}
    [row] = await rows(database_url)
    assert (row.state, row.platform_ref) == ("sent", posted["ts"])
    assert [c.body["channel"] for c in slack.of("conversations.history")] == ["CKUDOS"]
