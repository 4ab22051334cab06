"""A local stand-in for the Bot Framework connector (the ``serviceUrl`` Teams gives a bot).

It records every request — method, path, JSON body and Authorization header —
and answers ``{"id": …}`` like the real service, so tests can assert exactly
what Guild sent back to Teams without touching the network.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any
    authorization: str | None
    answered_id: str

    @property
    def conversation(self) -> str:
        """The conversation id of a ``/v3/conversations/{id}/activities…`` call."""
        return self.path.split("/")[3]

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in (self.body or {}).get("attachments") or []]

    @property
    def texts(self) -> list[str]:
        """Every visible text of the activity: its text and its cards' TextBlocks and facts."""
        found = [self.body["text"]] if (self.body or {}).get("text") else []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "TextBlock":
                    found.append(node["text"])
                if node.get("type") == "FactSet":
                    found.extend(f"{f['title']}: {f['value']}" for f in node["facts"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.cards)
        return found

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    failing: list[int] = field(default_factory=list)  # statuses for the next requests, one each, before the ids
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._record)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _record(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = await request.json() if raw else None
        number = next(self._ids)
        creates = request.method == "POST" and request.path == "/v3/conversations"
        answered_id = f"a:new-chat-{number}" if creates else f"sent-{number}"
        self.calls.append(Call(request.method, request.path, body, request.headers.get("Authorization"), answered_id))
        if self.failing:
            status = self.failing.pop(0)
            return web.json_response({"error": {"code": "ServiceError", "message": "failed"}}, status=status)
        return web.json_response({"id": answered_id}, status=201)

    def sent(self) -> list[Call]:
        """Activities posted into conversations (replies and new messages), in order."""
        return [c for c in self.calls if c.method == "POST" and "/activities" in c.path]

    def created(self) -> list[Call]:
        """Conversations Guild created (new 1:1 chats, new channel threads)."""
        return [c for c in self.calls if c.method == "POST" and c.path == "/v3/conversations"]

    def to(self, conversation_id: str) -> list[Call]:
        return [c for c in self.sent() if c.conversation == conversation_id]
