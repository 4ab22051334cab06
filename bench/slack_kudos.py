"""How fast Guild takes a `/kudos` from Slack, next to the floor: a bare Bolt app that acks and inserts one row.

Both apps get the same signed, form-encoded slash command, dispatched through
Bolt in-process (signature check included), one after another, on one SQLite
file database each, with the Web API answered by a local stub. For each
command it measures:

- ack:      until Bolt's HTTP answer is ready (what Slack's 3-second rule is about);
- recorded: until the kudos is committed (the floor's one insert; Guild's whole use case);
- complete: until the listener finished (Guild also announces in the channel and DMs the receiver).

Run:  .venv/bin/python bench/slack_kudos.py [--commands 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import config
from bot.inbox import Inbox, WorkQueue
from bot.notify import RoutingNotifier
from bot.slack.adapter import SlackAdapter
from bot.slack.runtime import InFlight
from bot.slack.to_command import command_text, to_message
from handlers.context import CoreSettings
from handlers.core import Core
from handlers.types import CommunityRef
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "TBENCH"
GIVERS = 50


@dataclass
class Timings:
    ack: list[float]
    recorded: list[float]
    complete: list[float]


async def stub_web_api() -> TestServer:
    """Answers every Web API method the way Slack would for these calls."""

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"team_id": TEAM, "user_id": "UBOT", "bot_id": "BBOT"},
            "users.info": {"user": {"id": request.query.get("user"), "tz": "Europe/Paris",
                                    "profile": {"display_name": "Someone"}}},
            "conversations.open": {"channel": {"id": "DRECEIVER"}},
            "chat.postMessage": {"channel": "CGENERAL", "ts": "1.000100"},
        }
        await request.read()
        return web.json_response({"ok": True, **answers.get(method, {})})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


def kudos_request(n: int) -> AsyncBoltRequest:
    body = urlencode({
        "team_id": TEAM, "team_domain": "bench", "channel_id": "CGENERAL", "user_id": f"UGIVER{n % GIVERS}",
        "command": "/kudos", "text": f"<@URECEIVER|receiver> thanks for the patient walkthrough number {n} #craft",
        "trigger_id": f"t{n}", "response_url": "",
    })
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    return AsyncBoltRequest(body=body, headers={
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [timestamp], "x-slack-signature": [signature]})


def commit_clock(engine: AsyncEngine) -> list[float]:
    """The time of every database commit, to see when a kudos was recorded."""
    commits: list[float] = []
    event.listen(engine.sync_engine, "commit", lambda _conn: commits.append(time.perf_counter()))
    return commits


async def measure(app: AsyncApp, idle: Callable[[], Awaitable[None]], commits: list[float], commands: int) -> Timings:
    timings = Timings([], [], [])
    for n in range(commands):
        request = kudos_request(n)
        commits.clear()
        started = time.perf_counter()
        response = await app.async_dispatch(request)
        acked = time.perf_counter()
        await asyncio.sleep(0)  # let the listener's background task start
        await idle()
        done = time.perf_counter()
        assert response.status == 200 and commits, f"command {n} was not recorded"
        timings.ack.append(acked - started)
        timings.recorded.append(commits[-1] - started)
        timings.complete.append(done - started)
    return timings


async def measure_core(core: Core, commits: list[float], commands: int) -> Timings:
    """The same kudos straight into ``core.handle``: Guild's use case without Slack around it."""
    timings = Timings([], [], [])
    team = CommunityRef("slack", TEAM, "bench")
    for n in range(commands):
        fields = dict(parse_qsl(kudos_request(n).raw_body))
        message = to_message(team, fields["user_id"], command_text("/kudos", fields["text"]), channel="CGENERAL")
        commits.clear()
        started = time.perf_counter()
        await core.handle(message)
        done = time.perf_counter()
        timings.ack.append(0.0)
        timings.recorded.append(commits[-1] - started)
        timings.complete.append(done - started)
    return timings


Built = tuple[AsyncApp, Callable[[], Awaitable[None]], list[float], Callable[[], Awaitable[None]]]


async def guild(directory: Path, api_url: str) -> tuple[Built, Core]:
    url = f"sqlite:///{directory / 'guild.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    settings = config.load({"DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                            "SLACK_API_URL": api_url}, dotenv=None)
    sessions = session_factory(engine)
    router = RoutingNotifier()
    core = Core(uow=lambda: UnitOfWork(sessions), notifier=router, clock=lambda: datetime.now(UTC),
                settings=CoreSettings(admins=frozenset({"UADMIN"})))
    team = CommunityRef("slack", TEAM, "bench")
    await core.handle(to_message(team, "UADMIN", "admin kudos-limit 1000"))  # many kudos a day per giver
    inbox = Inbox(ack_engine=engine, work_engine=engine, lease=timedelta(seconds=60))
    queue = WorkQueue(inbox=inbox, workers=5, size=100)
    adapter = SlackAdapter(settings=settings, core=core, inbox=inbox, queue=queue)
    router.register("slack", adapter.notifier)

    async def close() -> None:
        await adapter.close()
        await queue.close()
        await engine.dispose()

    return (adapter.app, adapter.idle, commit_clock(engine), close), core


async def floor(directory: Path, api_url: str) -> Built:
    engine = create_engine(f"sqlite:///{directory / 'floor.db'}")
    async with engine.begin() as connection:
        await connection.execute(text(
            "CREATE TABLE kudos (id INTEGER PRIMARY KEY, giver TEXT, receiver TEXT, message TEXT, created_at TEXT)"))
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)
    inflight = InFlight()

    @app.command("/kudos")
    @inflight.track
    async def record(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO kudos (giver, receiver, message, created_at) VALUES (:g, :r, :m, CURRENT_TIMESTAMP)"),
                {"g": body["user_id"], "r": "URECEIVER", "m": body["text"]},
            )

    return app, inflight.idle, commit_clock(engine), engine.dispose


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


async def main(commands: int, warmup: int) -> None:
    server = await stub_web_api()
    api_url = str(server.make_url("/api/"))
    results: dict[str, Timings] = {}
    with tempfile.TemporaryDirectory() as folder:
        app, idle, commits, close = await floor(Path(folder), api_url)
        try:
            await measure(app, idle, commits, warmup)
            results["floor: bare Bolt, ack + one insert"] = await measure(app, idle, commits, commands)
        finally:
            await close()
        (app, idle, commits, close), core = await guild(Path(folder), api_url)
        try:
            await measure(app, idle, commits, warmup)
            results["Guild /kudos"] = await measure(app, idle, commits, commands)
            results["  of which core.handle alone"] = await measure_core(core, commits, commands)
        finally:
            await close()
    await server.close()

    print(f"{commands} signed /kudos commands each, dispatched through Bolt in-process (SQLite, stub Web API)\n")
    print(f"{'':38}{'ack ms':>16}{'recorded ms':>18}{'complete ms':>18}")
    print(f"{'':38}{'median   p99':>16}{'median   p99':>18}{'median   p99':>18}")
    for name, timing in results.items():
        cells = [summary(timing.ack), summary(timing.recorded), summary(timing.complete)]
        print(f"{name:38}" + "".join(f"{m:>9.2f}{p:>7.2f}  " for m, p in cells))
    floor_t, guild_t, _core = results.values()
    for label, attribute in (("recorded", "recorded"), ("complete", "complete")):
        base, ours = summary(getattr(floor_t, attribute)), summary(getattr(guild_t, attribute))
        print(f"\nGuild / floor, {label}: median {ours[0] / base[0]:.2f}x, p99 {ours[1] / base[1]:.2f}x", end="")
    print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=GIVERS + 10)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.commands, arguments.warmup))
