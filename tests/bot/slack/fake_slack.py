"""A local fake of the Slack Web API that records every call and answers like Slack.

Guild's AsyncWebClient points here through ``SLACK_API_URL``; ``respond()``
posts to the ``response_url`` the tests put in each payload, which points here
too. Nothing leaves the machine. Tests wait for what the listeners did after
their ack with ``await fake.wait_for(...)``, which polls with a deadline.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

TEAM = "T0GUILD"
BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    token: str | None = None

    def json(self, key: str) -> Any:
        """A field the client may have sent as JSON text (form encoding) or as JSON."""
        value = self.body.get(key)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class Upload:
    """A file uploaded with files_upload_v2: announced, sent to its upload URL, then shared (or not yet)."""

    file_id: str
    filename: str
    length: int
    content: bytes = b""
    title: str | None = None
    channel: str | None = None


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)  # seconds a Web API method takes to answer
    not_in: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    rate_limited: dict[str, int] = field(default_factory=dict)
    retry_after: str = "0"  # the Retry-After header of a rate-limited answer, in seconds
    peers: list[tuple[str, int]] = field(default_factory=list)  # the client's (address, port) of every call
    held: dict[str, asyncio.Event] = field(default_factory=dict)  # a method answers once its event is set
    # a method does its work (a message is posted) but its answer waits for the event: an answer lost in transit
    lost: dict[str, asyncio.Event] = field(default_factory=dict)
    server: TestServer | None = None
    uploads: dict[str, Upload] = field(default_factory=dict)
    # every message Guild posted, per channel, oldest first, as conversations.history returns them
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failing: dict[str, list[str]] = field(default_factory=dict)  # method → error codes answered next, one each
    dropping: set[str] = field(default_factory=set)  # methods whose connection breaks before any answer
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def api_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def response_url(self, name: str = "r") -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/respond/{name}"))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to every connected client (wait for one to connect first)."""
        deadline = time.monotonic() + 5
        while not self._sockets:
            if time.monotonic() > deadline:
                raise AssertionError("no Socket Mode client connected")
            await asyncio.sleep(0.005)
        for socket in self._sockets:
            await socket.send_json(envelope)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for frame in socket:
            self.socket_acks.append(json.loads(frame.data))
        self._sockets.remove(socket)
        return socket

    def add_user(self, user_id: str, name: str, tz: str | None = "Europe/Paris") -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name.lower(),
            "real_name": name,
            "tz": tz,
            "profile": {"display_name": name, "real_name": name},
        }

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, method: str, count: int = 1, *, where: Callable[[Call], bool] | None = None, within: float = 5.0
    ) -> list[Call]:
        """The calls of ``method`` (matching ``where``) once there are ``count``; fails after ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            found = [c for c in self.of(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {count} {method} call(s), got {len(found)}; all calls: {seen}")
            await asyncio.sleep(0.005)

    def connections(self) -> int:
        """How many distinct TCP connections the calls so far came over."""
        return len(set(self.peers))

    async def _body(self, request: web.Request) -> dict[str, Any]:
        """Query parameters and the form or JSON body together (slack_sdk uses all three)."""
        self.peers.append(request.transport.get_extra_info("peername")[:2] if request.transport else ("?", 0))
        raw = await request.text()
        body = json.loads(raw or "{}") if request.content_type == "application/json" else dict(parse_qsl(raw))
        return {**request.query, **body}

    def shared(self, channel: str | None = None) -> list[Upload]:
        """Uploads completed into a channel (``channel``, or any), in the order they were shared."""
        return [u for u in self.uploads.values() if u.channel and channel in (None, u.channel)]

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: takes the raw bytes, answers like Slack."""
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload.content = await request.read()
        self.calls.append(Call(f"upload:{upload.file_id}", {"length": len(upload.content)}))
        return web.Response(text=f"OK - {len(upload.content)}")

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call(f"respond:{request.match_info['name']}", await self._body(request)))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._body(request)
        auth = request.headers.get("Authorization", "")
        self.calls.append(Call(method, body, auth.removeprefix("Bearer ") or body.get("token")))
        if method in self.dropping:  # a transport failure (Slack unreachable mid-call), not an API error
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        if self.slow.get(method):
            await asyncio.sleep(self.slow[method])
        if method in self.held:
            await self.held[method].wait()
        if self.rate_limited.get(method):
            self.rate_limited[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": self.retry_after})
        if self.failing.get(method):
            return web.json_response({"ok": False, "error": self.failing[method].pop(0)})
        answer = self._answer(method, body)
        if method in self.lost:
            await self.lost[method].wait()
        return web.json_response(answer)

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "team_id": TEAM, "team": "Guild Test", "user_id": BOT_USER, "bot_id": "BBOT",
                    "url": "https://guild-test.slack.com/"}
        if method in ("chat.postMessage", "chat.update"):
            channel = body.get("channel", "")
            if channel in self.not_in:
                return {"ok": False, "error": "not_in_channel"}
            ts = f"{1700000000 + next(self._ts)}.000100"
            if method == "chat.postMessage":
                self._keep(channel, ts, body)
            return {"ok": True, "channel": channel, "ts": ts}
        if method == "chat.postEphemeral":
            if body.get("channel", "") in self.not_in:
                return {"ok": False, "error": "not_in_channel"}
            return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", "")).split(",")[0]}}
        if method == "users.info":
            user = self.users.get(str(body.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", "hash": "h"}}
        if method == "apps.connections.open":
            assert self.server is not None
            return {"ok": True, "url": str(self.server.make_url("/socket")).replace("http", "ws", 1)}
        if method == "files.getUploadURLExternal":
            assert self.server is not None
            file_id = f"F{next(self._ts):06d}"
            self.uploads[file_id] = Upload(file_id, str(body.get("filename")), int(body.get("length", 0)))
            return {"ok": True, "file_id": file_id, "upload_url": str(self.server.make_url(f"/upload/{file_id}"))}
        if method == "files.completeUploadExternal":
            files = json.loads(body["files"]) if isinstance(body.get("files"), str) else body.get("files", [])
            channel = body.get("channel_id")
            if channel in self.not_in:
                return {"ok": False, "error": "not_in_channel"}
            shared = []
            for item in files:
                upload = self.uploads.get(item["id"])
                if upload is None or len(upload.content) != upload.length:
                    return {"ok": False, "error": "invalid_arguments"}
                upload.title, upload.channel = item.get("title"), channel
                shared.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
            return {"ok": True, "files": shared}
        if method == "conversations.history":
            found = self.history.get((str(body.get("channel")), str(body.get("latest"))))
            if found:
                return {"ok": True, "messages": [found], "has_more": False}
            return self._history(body)
        return {"ok": False, "error": "unknown_method"}

    def _keep(self, channel: str, ts: str, body: dict[str, Any]) -> None:
        """A posted message as Slack stores it: a bot message, its metadata kept apart (shown on request)."""
        message: dict[str, Any] = {"type": "message", "user": BOT_USER, "bot_id": "BBOT", "app_id": "AGUILD",
                                   "text": body.get("text", ""), "ts": ts}
        blocks = body.get("blocks")
        if blocks:
            message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
        metadata = body.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages.setdefault(channel, []).append(message)

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: newest first, between ``oldest`` and ``latest``, ``limit`` a page with a cursor;
        ``metadata`` only with ``include_all_metadata``."""
        channel = str(body.get("channel"))
        if channel in self.not_in:
            return {"ok": False, "error": "not_in_channel"}
        oldest, latest = float(body.get("oldest") or 0), float(body.get("latest") or "inf")
        newest_first = [m for m in reversed(self.messages.get(channel, [])) if oldest < float(m["ts"]) <= latest]
        start = int(body.get("cursor") or 0)
        limit = int(body.get("limit") or 100)
        page = newest_first[start:start + limit]
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(newest_first)
        return {"ok": True, "messages": messages, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages in ``channel`` (a DM is ``D<user id>``), oldest first, metadata included."""
        return self.messages.get(channel, [])
