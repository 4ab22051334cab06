"""`python app.py serve` with GUILD_WORKERS=1: the serving process records and acknowledges, a worker process
does the work; SIGTERM drains both and leaves no process behind; with PROMETHEUS_MULTIPROC_DIR the serving
process's /metrics counts the worker's work too."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from storage.db import is_sqlite
from tests.bot.slack.conftest import signed
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.test_app_serve import ROOT, free_port, guild_env, wait_healthy
from tests.test_drain import count_kudos, until
from tests.test_metrics import Samples, parsed, value


@asynccontextmanager
async def serving_with_a_worker(database_url: str, slack: FakeSlack,
                                **extra: str) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """`python app.py serve` with one worker process; at the end of the block SIGTERM, and it must exit cleanly."""
    if is_sqlite(database_url):
        pytest.skip("worker processes are for PostgreSQL (on SQLite every writer shares one file lock)")
    port = free_port()
    env = {**guild_env(database_url, slack, GUILD_WORKERS="1", **extra), "PORT": str(port)}
    process = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "app.py"), "serve", env=env, cwd=ROOT,
                                                   stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, process)
        yield base, process
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 40)
        assert process.returncode == 0, err.decode()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


async def send_kudos(http: aiohttp.ClientSession, base: str, slack: FakeSlack, count: int) -> None:
    """``count`` signed /kudos, each from another giver, all acknowledged."""
    for n in range(count):
        body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": f"UG{n}", "command": "/kudos",
                          "text": f"<@UR{n}> thanks for worker demo {n}", "trigger_id": f"t{n}",
                          "response_url": slack.response_url(f"k{n}")})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
        async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
            assert response.status == 200


async def test_a_worker_process_does_the_acknowledged_work_and_stops_with_the_server(
    database_url: str, fake_slack: FakeSlack,
) -> None:
    async with serving_with_a_worker(database_url, fake_slack) as (base, process):
        async with aiohttp.ClientSession() as http:
            await send_kudos(http, base, fake_slack, 5)

        async def all_recorded() -> bool:
            return await count_kudos(database_url) == 5

        await until(all_recorded, within=30)
        await fake_slack.wait_for("chat.postMessage", 5, where=lambda c: c.body.get("channel") == "CGENERAL", within=10)

    await asyncio.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # the worker process went with it
        os.killpg(process.pid, 0)


async def test_the_serving_process_metrics_count_the_work_its_worker_did(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path,
) -> None:
    shared = tmp_path / "metrics"
    shared.mkdir()
    (shared / "counter_99999.db").write_bytes(b"left by an earlier run")
    async with serving_with_a_worker(database_url, fake_slack, PROMETHEUS_MULTIPROC_DIR=str(shared)) as (base, _), \
            aiohttp.ClientSession() as http:
        await send_kudos(http, base, fake_slack, 3)

        async def scrape() -> Samples:
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                return parsed(await response.text())

        async def all_done() -> bool:
            return value(await scrape(), "guild_completion_seconds_count", platform="slack") == 3

        await until(all_done, within=30)
        samples = await scrape()

    assert value(samples, "guild_commands_total", command="KudosGive", result="ok") == 3  # counted by the worker
    assert value(samples, "guild_ack_seconds_count", platform="slack") == 3  # by the serving process
    assert [v for (name, _), v in samples.items() if name == "guild_inbox_depth"] == [0.0]  # one, not per process
    assert not (shared / "counter_99999.db").exists()
