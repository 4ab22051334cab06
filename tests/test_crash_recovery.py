"""SIGKILL of a real `python app.py serve` in the middle of a burst of signed `/kudos`, then a restart.

The promise the inbox keeps: every command Slack got a 200 for is recorded
exactly once after the restart (the new process's sweeper takes over what the
dead one had recorded and not finished), and a command whose ack never left
is recorded at most once (Slack would show the person an error for it). The
whole process group dies, as with a machine that stops: with ``GUILD_WORKERS=1``
the worker process goes with the serving one.

Everything Guild says about a kudos goes through the outbox, written with the
kudos: the DM each receiver gets and the public thanks in the channel (the
command's answer; the replayed delivery is a duplicate and answers nothing, so
the answer must already be committed). Once the dead process's 5-minute leases
have run out (a deliverer whose clock is 10 minutes ahead stands for that wait),
each is posted exactly once: a row the dead process may have handed to Slack is
looked for by its metadata before it is sent again.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func, select

import app
import config
from storage.db import create_engine, is_sqlite, session_factory
from storage.models import InboxItem, Kudos
from storage.uow import UnitOfWork
from tests.bot.slack.conftest import signed
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.test_app_serve import ROOT, free_port, guild_env, wait_healthy

BURST = 200
KILL_AFTER_ACKS = 80


async def start(env: dict[str, str], port: int, log: Path) -> asyncio.subprocess.Process:
    """`python app.py serve`, its output appended to ``log`` (what a failure of this test shows)."""
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "app.py"), "serve", env={**env, "PORT": str(port)}, cwd=ROOT,
            stdout=output, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
    await wait_healthy(f"http://127.0.0.1:{port}", process)
    return process


async def why_lost(database_url: str, slack: FakeSlack, lost: list[int], log: Path) -> str:
    """For acknowledged kudos not recorded once: their inbox rows, their answers and the servers' warnings."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = {n: (await conn.execute(
                select(InboxItem.received_at, InboxItem.attempts, InboxItem.claimed_by, InboxItem.done_at,
                       InboxItem.last_error).where(InboxItem.payload.contains(f"burst+demo+{n}&")))).all()
                    for n in lost}
    finally:
        await engine.dispose()
    answers = {n: [c.body.get("text") for c in slack.of(f"respond:k{n}")] for n in lost}
    return f"inbox rows {rows}; answers {answers}; server warnings and errors:\n" + "\n".join(warnings(log)[-40:])


def warnings(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines()
            if '"level": "' in line and '"level": "INFO"' not in line and "users.info failed" not in line]


async def deliver_what_the_dead_process_held(database_url: str, slack: FakeSlack) -> None:
    """The outbox's takeover once the dead process's 5-minute leases ran out (the clock is 10 minutes ahead)."""
    settings = config.load(guild_env(database_url, slack), dotenv=None)
    guild = await app.build(settings, clock=lambda: datetime.now(UTC) + timedelta(minutes=10))
    try:
        await guild.core.delivery.drain()
    finally:
        await guild.close()


async def kudos_by_message(database_url: str) -> tuple[dict[str, int], int]:
    """How many kudos each message text has, and how many inbox rows are not done."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            counted = dict((await uow.session.execute(
                select(Kudos.message, func.count()).group_by(Kudos.message))).all())
            open_rows = int(await uow.session.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.done_at.is_(None))) or 0)
            return counted, open_rows
    finally:
        await engine.dispose()


@pytest.mark.parametrize("workers", ["0", "1"])
async def test_every_acknowledged_kudos_is_recorded_once_after_a_sigkill_mid_burst(database_url: str, workers: str,
                                                                                    tmp_path: Path) -> None:
    if is_sqlite(database_url):
        pytest.skip("several serving processes on one database: PostgreSQL (SQLite is covered by the sweeper tests)")
    slack = FakeSlack(slow={"users.info": 0.05})  # the work lags the acks, so the kill finds some unfinished
    await slack.start()
    port = free_port()
    env = guild_env(database_url, slack, GUILD_CLAIM_LEASE_SECONDS="2", LOG_LEVEL="WARNING", GUILD_WORKERS=workers)
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    process = await start(env, port, log)
    acked: set[int] = set()
    killed = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as http:
            async def send(n: int) -> None:
                await asyncio.sleep(n * 0.004)  # ~250 a second, open loop
                body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": f"UG{n}",
                                  "command": "/kudos", "text": f"<@UR{n}> thanks for burst demo {n}",
                                  "trigger_id": f"t{n}", "response_url": slack.response_url(f"k{n}")})
                headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
                try:
                    async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                        if response.status == 200:
                            acked.add(n)
                except aiohttp.ClientError:
                    return  # the process is gone: Slack would show this person an error
                if len(acked) >= KILL_AFTER_ACKS and not killed.is_set():
                    killed.set()
                    os.killpg(process.pid, signal.SIGKILL)

            await asyncio.gather(*(send(n) for n in range(BURST)))
        await process.wait()
        recorded_at_kill, unfinished_at_kill = await kudos_by_message(database_url)
        assert killed.is_set() and unfinished_at_kill > 0, "the kill should find acknowledged work unfinished"
        assert sum(recorded_at_kill.values()) < len(acked)

        process = await start(env, port, log)
        deadline = time.monotonic() + 60
        while True:
            counted, unfinished = await kudos_by_message(database_url)
            if not unfinished:
                break
            assert time.monotonic() < deadline, f"{unfinished} inbox rows still not done after the restart"
            await asyncio.sleep(0.2)

        texts = {n: f"thanks for burst demo {n}" for n in range(BURST)}
        lost = sorted(n for n in acked if counted.get(texts[n], 0) != 1)
        if lost:
            why = await why_lost(database_url, slack, lost, log)
            pytest.fail(f"acknowledged kudos {lost} not recorded once: {why}")
        assert all(counted.get(texts[n], 0) <= 1 for n in range(BURST))

        await deliver_what_the_dead_process_held(database_url, slack)
        recorded = {n for n in range(BURST) if counted.get(texts[n])}
        posts = slack.of("chat.postMessage")
        dms = {n: sum(c.body.get("channel") == f"DUR{n}" for c in posts) for n in range(BURST)}
        thanks = {n: sum(c.body.get("channel") == "CGENERAL" and re.search(rf"burst demo {n}\b", str(c.body))
                         is not None for c in posts) for n in range(BURST)}
        assert {n: dms[n] for n in recorded} == dict.fromkeys(recorded, 1)
        assert not any(dms[n] for n in set(range(BURST)) - recorded)
        assert {n: thanks[n] for n in recorded} == dict.fromkeys(recorded, 1)
        assert not any(thanks[n] for n in set(range(BURST)) - recorded)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.communicate(), 30)
        await slack.close()
