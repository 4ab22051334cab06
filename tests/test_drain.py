"""A real `python app.py serve` stopped with SIGTERM while acknowledged work is still running.

What an orchestrator relies on: ``/readyz`` turns 503 at once (so no new
traffic is routed here), the work Slack already got its ack for still finishes
— stored and answered — and only then does the process exit, with status 0.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import func, select

from storage.db import create_engine, session_factory
from storage.models import Kudos
from storage.uow import UnitOfWork
from tests.bot.slack.conftest import signed
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.test_app_serve import ROOT, free_port, guild_env, wait_healthy


async def readyz(http: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, str]]:
    async with http.get(f"{base}/readyz") as response:
        return response.status, await response.json()


async def until(condition_met, within: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not await condition_met():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def count_kudos(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(Kudos)) or 0)
    finally:
        await engine.dispose()


async def test_sigterm_drains_acknowledged_work_before_exiting(database_url: str) -> None:
    slack = FakeSlack()
    await slack.start()
    for user, name in (("UANA", "Ana"), ("UBEN", "Ben")):
        slack.add_user(user, name)
    port = free_port()
    env = {**guild_env(database_url, slack), "PORT": str(port), "GUILD_DRAIN_SECONDS": "60"}
    process = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "app.py"), "serve", env=env, cwd=ROOT,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, process)
        async with aiohttp.ClientSession() as http:
            assert await readyz(http, base) == (200, {"status": "ok"})
            slack.held["users.info"] = release = asyncio.Event()  # the work after the ack waits on Slack
            body = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": "UANA", "command": "/kudos",
                              "text": "<@UBEN> thanks for the calm release demo", "trigger_id": "t1",
                              "response_url": slack.response_url("drain")})
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
            async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200  # acknowledged
            await slack.wait_for("users.info")

            process.send_signal(signal.SIGTERM)

            async def not_ready() -> bool:
                return (await readyz(http, base))[0] == 503

            await until(not_ready)
            assert await readyz(http, base) == (503, {"status": "draining"})
            async with http.get(f"{base}/healthz") as health:
                assert health.status == 200
            assert process.returncode is None and await count_kudos(database_url) == 0
            release.set()

        _, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()
        assert await count_kudos(database_url) == 1
        posted = {c.body.get("channel"): str(c.body) for c in slack.of("chat.postMessage")}
        assert "UBEN" in posted["CGENERAL"]  # the public thanks
        assert "DUBEN" in posted  # and Ben's DM
        logged = err.decode()
        assert '"event": "draining"' in logged and '"event": "drained"' in logged
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await slack.close()
