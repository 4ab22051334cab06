"""Slack requests in the inbox: recorded right after Bolt verified them, replayed by the sweeper.

``Recorder`` is a Bolt global middleware, so it runs after Bolt's signature
check (nothing forged is ever recorded) and before any listener. Its key says
which requests are one delivery:

- an Events API callback is its ``event_id``, which Slack's retries share;
- a command or an interaction is the hash of its signed request
  (``X-Slack-Request-Timestamp`` and the body), so a captured request replayed
  within Slack's five minutes is the same delivery: an empty 200, nothing done.

A sweeper's replay (``replay``) dispatches the stored body through the same
app as a Socket Mode request — Bolt skips its signature check for those, and
there is no signature to check for a request Guild itself recorded — with the
recovered ``Delivery`` already in the context, so the recorder lets it pass.
Answers through a ``response_url`` still reach the person within Slack's 30 minutes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.inbox import AckTraffic, Delivery, Inbox
from storage.inbox import Item

PLATFORM = "slack"
CONTEXT = "guild_delivery"
JSON = "application/json"


class Recorder(AsyncMiddleware):
    """Records each verified request in the inbox before any listener acknowledges it."""

    def __init__(self, inbox: Inbox, traffic: AckTraffic | None = None) -> None:
        """``traffic``: this process's work queue's, which holds its next job back until the ack has gone."""
        self.inbox = inbox
        self.traffic = traffic or AckTraffic()

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        if req.context.get(CONTEXT) is not None:  # a sweeper's replay: recorded long ago
            return await next()
        with self.traffic.acking():
            return await self._record_and_ack(req, next)

    async def _record_and_ack(self, req: AsyncBoltRequest, next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        key, kind = delivery_key(req)
        raw, content_type = stored(req)
        if not await self.inbox.record(platform=PLATFORM, key=key, kind=kind, payload=raw, content_type=content_type):
            return BoltResponse(status=200, body="")  # a retry or a replay of a delivery already recorded
        req.context[CONTEXT] = Delivery(PLATFORM, key)
        return await next()


def delivery(context: AsyncBoltContext) -> Delivery:
    """The inbox delivery of the request a listener is serving (the recorder put it there)."""
    found = context.get(CONTEXT)
    if not isinstance(found, Delivery):
        raise RuntimeError("a Slack request reached a listener without being recorded in the inbox")
    return found


def delivery_key(req: AsyncBoltRequest) -> tuple[str, str]:
    """The inbox key and kind of a request: see the module's docstring."""
    body: dict[str, Any] = req.body
    if body.get("type") == "event_callback" and body.get("event_id"):
        kind = f"event:{(body.get('event') or {}).get('type') or ''}"
        return f"{PLATFORM}:event:{body['event_id']}"[:128], kind[:32]
    kind = "command" if body.get("command") else str(body.get("type") or "request")
    timestamp = (req.headers.get("x-slack-request-timestamp") or [""])[0]
    raw, _ = stored(req)
    digest = hashlib.sha256(f"{timestamp}:{raw}".encode()).hexdigest()
    return f"{PLATFORM}:request:{digest}", kind[:32]


def stored(req: AsyncBoltRequest) -> tuple[str, str]:
    """The body as it is kept for a replay, and its content type (Socket Mode's parsed payloads as JSON)."""
    if req.raw_body:
        return req.raw_body, (req.headers.get("content-type") or ["application/x-www-form-urlencoded"])[0]
    return json.dumps(req.body, sort_keys=True, ensure_ascii=False), JSON


async def replay(app: AsyncApp, inbox: Inbox, item: Item) -> None:
    """Run a recorded request again, as a sweeper does with one whose work never finished."""
    found = Delivery(PLATFORM, item.key, recovered=True, attempts=item.attempts)
    request = AsyncBoltRequest(
        body=item.payload, headers={"content-type": item.content_type}, mode="socket_mode",
        context={CONTEXT: found},
    )
    response = await app.async_dispatch(request)
    if response.status == 404 and not found.handed_on:  # no listener wants it (any more): nothing to do
        await inbox.finish(found)
