"""The floor for bench/load.py: a bare Bolt ``AsyncApp`` on aiohttp that acks every slash command and inserts one row.

Nothing Guild does can cost less than this: Bolt's signature check and ack,
then one INSERT on the same kind of database through the same driver. Each row
keeps the command's ``response_url`` (the benchmark's key for it) and the time
it was written, so the benchmark can count lost work and time the completion.

Run by bench/load.py:  FLOOR_DATABASE_URL=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… python bench/floor.py
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import create_engine  # the same engine set-up Guild uses

TABLE = "CREATE TABLE IF NOT EXISTS floor_commands (id SERIAL PRIMARY KEY, key TEXT NOT NULL, at DOUBLE PRECISION)"
SQLITE_TABLE = ("CREATE TABLE IF NOT EXISTS floor_commands "
                "(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, at REAL)")


async def main() -> None:
    url = os.environ["FLOOR_DATABASE_URL"]
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(SQLITE_TABLE if url.startswith("sqlite") else TABLE))
    client = AsyncWebClient(token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-floor"), base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command(re.compile(".*"))
    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO floor_commands (key, at) VALUES (:key, :at)"),
                                     {"key": body.get("response_url") or "", "at": time.time()})

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(os.environ["PORT"])).start()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        with suppress(Exception):
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
