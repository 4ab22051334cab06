"""The floors for bench/load.py: bare Bolt ``AsyncApp``s on aiohttp, with nothing of Guild's in them.

- ``FLOOR_WORK=row`` (the default; the ``floor`` target): ack every slash command and insert one row.
  Nothing Guild does can cost less than this: Bolt's signature check and ack, then one INSERT on the
  same kind of database through the same driver.
- ``FLOOR_WORK=kudos`` (the ``io`` target): the input and output a ``/kudos`` cannot do without, and no
  rule. The request is recorded before the ack (one INSERT, as Guild's inbox does, so an acknowledged
  command survives a crash); after the ack, one transaction writes the kudos row and marks the
  recorded request done; then the channel is told and the receiver gets a DM (two Web API calls on one
  keep-alive session, as Guild makes them). No member lookup, no daily limit, no outbox, no duplicate
  check beyond the recorded key: what Guild costs above this floor is its rules and its code.

Each floor row keeps the command's ``response_url`` (the benchmark's key for it) and the time it was
written, so the benchmark can count lost work and time the completion.

Run by bench/load.py:  FLOOR_DATABASE_URL=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… [FLOOR_WORK=kudos]
python bench/floor.py
"""

from __future__ import annotations

import asyncio
import hashlib
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
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.slack import http  # the same keep-alive session Guild uses
from storage.db import create_engine  # the same engine set-up Guild uses

TABLES = {
    "postgresql": ["CREATE TABLE IF NOT EXISTS floor_commands (id SERIAL PRIMARY KEY, key TEXT NOT NULL, "
                   "at DOUBLE PRECISION)",
                   "CREATE TABLE IF NOT EXISTS floor_inbox (key TEXT PRIMARY KEY, payload TEXT NOT NULL, "
                   "done BOOLEAN NOT NULL DEFAULT false)"],
    "sqlite": ["CREATE TABLE IF NOT EXISTS floor_commands (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, "
               "at REAL)",
               "CREATE TABLE IF NOT EXISTS floor_inbox (key TEXT PRIMARY KEY, payload TEXT NOT NULL, "
               "done BOOLEAN NOT NULL DEFAULT 0)"],
}
RECORD = text("INSERT INTO floor_inbox (key, payload) VALUES (:key, :payload) ON CONFLICT DO NOTHING")
WRITE = text("INSERT INTO floor_commands (key, at) VALUES (:key, :at)")
DONE = text("UPDATE floor_inbox SET done = true WHERE key = :key")
RECEIVER = re.compile(r"<@(\w+)")


def row_floor(app: AsyncApp, engine: AsyncEngine) -> None:
    @app.command(re.compile(".*"))
    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        async with engine.begin() as connection:
            await connection.execute(WRITE, {"key": body.get("response_url") or "", "at": time.time()})


def kudos_floor(app: AsyncApp, engine: AsyncEngine, client: AsyncWebClient) -> None:
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @app.middleware
    async def record(req: AsyncBoltRequest, next: Any) -> BoltResponse:
        key = hashlib.sha256(req.raw_body.encode()).hexdigest()
        async with autocommit.connect() as connection:
            await connection.execute(RECORD, {"key": key, "payload": req.raw_body})
        req.context["key"] = key
        return await next()

    @app.command(re.compile(".*"))
    async def command(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
        await ack()
        async with engine.begin() as connection:
            await connection.execute(WRITE, {"key": body.get("response_url") or "", "at": time.time()})
            await connection.execute(DONE, {"key": context["key"]})
        receiver = RECEIVER.search(body.get("text") or "")
        await client.chat_postMessage(channel=body["channel_id"], text=f"<@{body['user_id']}> thanked someone")
        if receiver:
            await client.chat_postMessage(channel=f"D{receiver.group(1)}", text="You were thanked")


async def main() -> None:
    url = os.environ["FLOOR_DATABASE_URL"]
    engine = create_engine(url)
    async with engine.begin() as connection:
        for statement in TABLES["sqlite" if url.startswith("sqlite") else "postgresql"]:
            await connection.execute(text(statement))
    session = http.session()
    client = AsyncWebClient(token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-floor"), base_url=os.environ["SLACK_API_URL"],
                            session=session)
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    if os.environ.get("FLOOR_WORK", "row") == "kudos":
        kudos_floor(app, engine, client)
    else:
        row_floor(app, engine)

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
        await session.close()
        with suppress(Exception):
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
