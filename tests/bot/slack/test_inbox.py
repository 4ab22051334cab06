"""The inbox under Slack: replays and retries are one delivery, unfinished work is recovered exactly once,
a database outage is retried instead of answered with "Sorry", and a full work queue still acknowledges."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

import app
import config
from bot.inbox import Delivery, Sweeper, utc_now
from storage import inbox as rows
from storage.models import InboxItem, Kudos
from tests.bot.slack.conftest import SlackHarness, serving_slack, signed, slack_env
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock
from tests.handlers.test_round_trips import counting

FORM = "application/x-www-form-urlencoded"


def kudos(fake: FakeSlack, n: int) -> str:
    """A signed-to-be ``/kudos`` from giver ``UG<n>`` to ``UR<n>`` (nobody reaches a daily limit)."""
    return urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": f"UG{n}", "command": "/kudos",
                      "text": f"<@UR{n}> thanks for demo number {n}", "trigger_id": f"t{n}",
                      "response_url": fake.response_url(f"kudos-{n}")})


def sweeper(slack: SlackHarness) -> Sweeper:
    adapter = slack.adapter
    return Sweeper(inbox=adapter.inbox, queue=adapter.queue, replayers={"slack": adapter.replay}, interval=1)


async def left_unfinished(slack: SlackHarness, body: str, key: str) -> None:
    """A row recorded by a process that died before finishing it: its lease ran out a minute ago."""
    async with slack.adapter.inbox.work_engine.begin() as conn:
        await rows.record(conn, platform="slack", key=key, kind="command", payload=body, content_type=FORM,
                          owner="dead:1", now=utc_now() - timedelta(minutes=2), lease=timedelta(minutes=1))


async def inbox_rows(slack: SlackHarness) -> list[Any]:
    async with slack.core.uow() as uow:
        return list((await uow.session.execute(
            select(InboxItem.key, InboxItem.done_at, InboxItem.attempts, InboxItem.last_error))).all())


async def test_a_signed_command_replayed_within_five_minutes_records_nothing_new(slack: SlackHarness) -> None:
    body = kudos(slack.fake, 1)
    headers = signed(body)
    first = await slack.post(body, FORM, headers)
    await slack.idle()
    replayed = await slack.post(body, FORM, headers)
    await slack.idle()

    assert first.status == replayed.status == 200 and await replayed.text() == ""
    assert await slack.count(Kudos) == 1
    assert len(await inbox_rows(slack)) == 1
    assert len(slack.fake.of("respond:kudos-1")) == 0  # the thanks is public: one post in the channel
    assert len([c for c in slack.fake.of("chat.postMessage") if c.body.get("channel") == "CGENERAL"]) == 1


async def test_a_retried_event_is_one_inbox_row(slack: SlackHarness) -> None:
    said = {"type": "message", "channel": "CGENERAL", "channel_type": "channel", "user": "UANA",
            "text": "<@UBEN> :clap: thanks for the calm release", "ts": "1763888400.000100"}
    await slack.event(said, event_id="EvInbox1")
    retried = await slack.event(said, event_id="EvInbox1", headers={"X-Slack-Retry-Num": "1"})
    await slack.idle()

    assert retried.status == 200
    [(key, done_at, _, _)] = await inbox_rows(slack)
    assert key == "slack:event:EvInbox1" and done_at is not None
    assert await slack.count(Kudos) == 1


async def test_a_row_left_unfinished_is_recovered_once(slack: SlackHarness) -> None:
    await left_unfinished(slack, kudos(slack.fake, 2), "slack:request:died")

    assert await sweeper(slack).sweep() == 1
    await slack.idle()
    assert await sweeper(slack).sweep() == 0
    await slack.idle()

    assert await slack.count(Kudos) == 1
    [(_, done_at, attempts, _)] = await inbox_rows(slack)
    assert done_at is not None and attempts == 1
    assert len([c for c in slack.fake.of("chat.postMessage") if c.body.get("channel") == "CGENERAL"]) == 1


async def test_two_instances_sweeping_at_once_run_each_row_once(database_url: str, fake_slack: FakeSlack,
                                                                 clock: FakeClock) -> None:
    async with serving_slack(database_url, fake_slack, clock, size=4) as one, \
            serving_slack(database_url, fake_slack, clock, size=4) as other:
        for n in range(12):
            await left_unfinished(one, kudos(fake_slack, n), f"slack:request:died-{n}")
        claimed = 0
        for _ in range(10):
            counts = await asyncio.gather(sweeper(one).sweep(), sweeper(other).sweep())
            await asyncio.gather(one.idle(), other.idle())
            claimed += sum(counts)

        assert claimed == 12
        assert await one.count(Kudos) == 12
        async with one.core.uow() as uow:
            givers = list(await uow.session.scalars(select(Kudos.message)))
        assert sorted(givers) == sorted(f"thanks for demo number {n}" for n in range(12))
        assert all(done_at is not None for _, done_at, _, _ in await inbox_rows(one))


@contextmanager
def database_blink(engine: AsyncEngine) -> Iterator[None]:
    """Every kudos INSERT fails as if the server had gone away, until the block ends."""
    def fail(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO KUDOS"):
            raise OperationalError(statement, {}, ConnectionError("server closed the connection unexpectedly"))

    event.listen(engine.sync_engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", fail)


async def test_a_database_blink_leaves_the_row_for_a_later_try_instead_of_sorry(slack: SlackHarness) -> None:
    with database_blink(slack.adapter.inbox.work_engine):
        assert (await slack.post(kudos(slack.fake, 3), FORM)).status == 200
        await slack.idle()
        [(_, done_at, attempts, error)] = await inbox_rows(slack)
        assert done_at is None and attempts == 0 and "Unavailable" in error
        assert await slack.count(Kudos) == 0
        assert not slack.fake.of("respond:kudos-3")  # nobody was told "Sorry"
        assert await sweeper(slack).sweep() == 0  # not due yet: it backs off

    inbox = slack.adapter.inbox
    inbox.clock = lambda: utc_now() + timedelta(seconds=30)
    assert await sweeper(slack).sweep() == 1
    await slack.idle()

    assert await slack.count(Kudos) == 1
    [(_, done_at, attempts, _)] = await inbox_rows(slack)
    assert done_at is not None and attempts == 1
    assert [c for c in slack.fake.of("chat.postMessage") if c.body.get("channel") == "CGENERAL"]


async def test_slack_unreachable_during_the_work_leaves_the_row_for_a_later_try_instead_of_sorry(
    slack: SlackHarness,
) -> None:
    """The connection to Slack breaks while the work looks people up: nothing is lost, nobody is told "Sorry"."""
    slack.fake.dropping.add("users.info")
    assert (await slack.post(kudos(slack.fake, 5), FORM)).status == 200
    await slack.idle()
    [(_, done_at, attempts, error)] = await inbox_rows(slack)
    assert done_at is None and attempts == 0 and "Disconnected" in error
    assert await slack.count(Kudos) == 0
    assert not slack.fake.of("respond:kudos-5")

    slack.fake.dropping.clear()
    slack.adapter.inbox.clock = lambda: utc_now() + timedelta(seconds=30)
    assert await sweeper(slack).sweep() == 1
    await slack.idle()

    assert await slack.count(Kudos) == 1
    [(_, done_at, attempts, _)] = await inbox_rows(slack)
    assert done_at is not None and attempts == 1


async def test_a_socket_mode_command_whose_work_failed_is_replayed_from_the_payload_kept_for_it(
    database_url: str, fake_slack: FakeSlack,
) -> None:
    """Socket Mode brings no signed body to keep: the inbox keeps Bolt's parsed payload as JSON, and a
    sweeper's replay of it does the work once, as if it had just arrived over the websocket."""
    env = slack_env(database_url, fake_slack.api_url, SLACK_APP_TOKEN="xapp-1-test")
    del env["SLACK_SIGNING_SECRET"]
    guild = await app.build(config.load(env, dotenv=None), clock=FakeClock())
    try:
        await guild.slack.start_socket_mode()
        payload = {"team_id": TEAM, "user_id": "UANA", "command": "/kudos", "channel_id": "CGENERAL",
                   "text": "<@UBEN> thanks for the calm release #care", "response_url": fake_slack.response_url("ws")}
        with database_blink(guild.slack.inbox.work_engine):
            await fake_slack.push({"envelope_id": "env-kudos", "type": "slash_commands",
                                   "accepts_response_payload": True, "payload": payload})
            while not fake_slack.socket_acks:  # noqa: ASYNC110  (the fake's websocket, in this loop)
                await asyncio.sleep(0.005)
            await guild.slack.idle()
        async with guild.uow() as uow:
            [stored] = (await uow.session.execute(
                select(InboxItem.done_at, InboxItem.content_type, InboxItem.payload))).all()
        assert [ack["envelope_id"] for ack in fake_slack.socket_acks] == ["env-kudos"]
        assert stored.done_at is None and stored.content_type == "application/json"
        assert json.loads(stored.payload)["text"] == payload["text"]
        assert not fake_slack.of("respond:ws")  # nobody was told "Sorry"

        guild.slack.inbox.clock = lambda: utc_now() + timedelta(seconds=30)
        assert guild.sweeper is not None and await guild.sweeper.sweep() == 1
        await guild.slack.idle()
        assert await guild.sweeper.sweep() == 0

        async with guild.uow() as uow:
            [message] = list(await uow.session.scalars(select(Kudos.message)))
            [done_at] = list(await uow.session.scalars(select(InboxItem.done_at)))
        assert "calm release" in message and done_at is not None
        [announced] = [c for c in fake_slack.of("chat.postMessage") if c.body.get("channel") == "CGENERAL"]
        assert "calm release" in announced.body["text"]
    finally:
        await guild.close()


async def test_a_full_work_queue_still_acknowledges_says_busy_and_the_work_is_done_afterwards(
    database_url: str, fake_slack: FakeSlack, clock: FakeClock,
) -> None:
    async with serving_slack(database_url, fake_slack, clock, workers=1, size=1) as slack:
        fake_slack.held["users.info"] = release = asyncio.Event()  # the one worker waits on Slack
        assert (await slack.post(kudos(fake_slack, 1), FORM)).status == 200
        await fake_slack.wait_for("users.info")
        assert (await slack.post(kudos(fake_slack, 2), FORM)).status == 200  # queued
        third = await slack.post(kudos(fake_slack, 3), FORM)  # no room

        assert third.status == 200
        [busy] = await fake_slack.wait_for("respond:kudos-3")
        assert busy.body["response_type"] == "ephemeral" and "busy" in busy.body["text"]
        release.set()
        await slack.idle()
        assert await slack.count(Kudos) == 2
        assert await sweeper(slack).sweep() == 1
        await slack.idle()

        assert await slack.count(Kudos) == 3
        assert all(done_at is not None for _, done_at, _, _ in await inbox_rows(slack))


async def test_a_command_costs_the_inbox_one_insert_before_the_ack_and_is_marked_done_with_its_change(
    slack: SlackHarness,
) -> None:
    """The row is settled inside the use case's transaction: no delivery key, no transaction of its own."""
    inbox = slack.adapter.inbox
    with counting(inbox.ack_engine) as acked, counting(inbox.work_engine) as worked:
        assert (await slack.post(kudos(slack.fake, 4), FORM)).status == 200
        await slack.idle()

    statements = acked if inbox.ack_engine is inbox.work_engine else [*acked, *worked]
    touching = [s.split()[0].upper() for s in statements if re.search(r"\binbox\b", s)]
    assert touching == ["INSERT", "UPDATE"]
    assert not [s for s in statements if re.search(r"\bdeliveries\b", s)]
    settled = next(n for n, s in enumerate(statements) if s.startswith("UPDATE") and re.search(r"\binbox\b", s))
    kudos_row = next(n for n, s in enumerate(statements) if s.startswith("INSERT INTO kudos "))
    assert settled < kudos_row  # before the change, in its transaction
    assert all(done_at is not None for _, done_at, _, _ in await inbox_rows(slack))
    assert await slack.count(Kudos) == 1


async def test_the_work_queue_starts_no_job_while_an_ack_is_on_its_way(slack: SlackHarness) -> None:
    queue, started = slack.adapter.queue, []

    async def job() -> None:
        started.append(True)

    with queue.traffic.acking():
        assert queue.offer(Delivery("slack", "slack:request:held", settled=True), job)
        await asyncio.sleep(0.05)  # the loop is free, but an ack is pending: the job waits
        assert started == []
    await asyncio.wait_for(queue.idle(), 1)
    assert started == [True]


async def test_a_serving_process_with_workers_hands_every_command_on_due_at_once(
    database_url: str, fake_slack: FakeSlack, clock: FakeClock,
) -> None:
    """GUILD_WORKERS: the serving process records, acks and releases; a worker's sweep does the work once."""
    async with serving_slack(database_url, fake_slack, clock, hand_off=True) as serving, \
            serving_slack(database_url, fake_slack, clock) as worker:
        answers = await asyncio.gather(*(serving.post(kudos(fake_slack, n), FORM) for n in range(6)))
        await serving.idle()
        assert [a.status for a in answers] == [200] * 6
        assert await serving.count(Kudos) == 0
        assert await serving.count(InboxItem, InboxItem.claimed_by.is_(None), InboxItem.done_at.is_(None)) == 6

        assert await sweeper(worker).sweep() == 6
        await worker.idle()
        assert await worker.count(Kudos) == 6
        assert all(done_at is not None for _, done_at, _, _ in await inbox_rows(worker))
