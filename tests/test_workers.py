"""`python app.py serve` with GUILD_WORKERS=1: the serving process records and acknowledges, a worker process
does the work; SIGTERM drains both and leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from urllib.parse import urlencode

import aiohttp
import pytest

from storage.db import is_sqlite
from tests.bot.slack.conftest import signed
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.test_app_serve import ROOT, free_port, guild_env, wait_healthy
from tests.test_drain import count_kudos, until


async def test_a_worker_process_does_the_acknowledged_work_and_stops_with_the_server(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("worker processes are for PostgreSQL (on SQLite every writer shares one file lock)")
    slack = FakeSlack()
    await slack.start()
    port = free_port()
    env = {**guild_env(database_url, slack, GUILD_WORKERS="1"), "PORT": str(port)}
    process = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "app.py"), "serve", env=env, cwd=ROOT,
                                                   stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, process)
        async with aiohttp.ClientSession() as http:
            for n in range(5):
                body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": f"UG{n}", "command": "/kudos",
                                  "text": f"<@UR{n}> thanks for worker demo {n}", "trigger_id": f"t{n}",
                                  "response_url": slack.response_url(f"k{n}")})
                headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
                async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                    assert response.status == 200

        async def all_recorded() -> bool:
            return await count_kudos(database_url) == 5

        await until(all_recorded, within=30)
        await slack.wait_for("chat.postMessage", 5, where=lambda c: c.body.get("channel") == "CGENERAL", within=10)

        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 40)
        assert process.returncode == 0, err.decode()
        await asyncio.sleep(0.5)
        with pytest.raises(ProcessLookupError):  # the worker process went with it
            os.killpg(process.pid, 0)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        await slack.close()
