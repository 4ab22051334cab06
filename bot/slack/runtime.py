"""What every Slack listener works with, built once by the adapter."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.notifier import SlackNotifier
from bot.slack.people import People
from bot.slack.to_command import mentioned_ids, to_message
from handlers.core import Core
from handlers.types import CommunityRef, Message

Listener = TypeVar("Listener", bound=Callable[..., Awaitable[None]])


class InFlight:
    """Listener work still running after its ack.

    Bolt runs a listener's remainder in a background task nobody awaits;
    counting them lets shutdown finish what was acknowledged instead of
    cutting it off mid-transaction (and lets tests wait for quiet).
    ``on_done`` is told each listener's duration, ack included (app.py feeds
    it to the completion-latency metric).
    """

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.on_done: Callable[[float], None] | None = None

    def track(self, listener: Listener) -> Listener:
        @functools.wraps(listener)  # Bolt reads the wrapped function's argument names
        async def run(*args: Any, **kwargs: Any) -> None:
            self._running += 1
            self._idle.clear()
            started = time.perf_counter()
            try:
                await listener(*args, **kwargs)
            finally:
                self._running -= 1
                if not self._running:
                    self._idle.set()
                if self.on_done is not None:
                    self.on_done(time.perf_counter() - started)

        return run  # type: ignore[return-value]

    async def idle(self) -> None:
        await self._idle.wait()


@dataclass(frozen=True)
class Runtime:
    core: Core
    people: People
    notifier: SlackNotifier
    inflight: InFlight = field(default_factory=InFlight)

    async def message(
        self,
        client: AsyncWebClient,
        team: CommunityRef,
        user_id: str,
        text: str,
        *,
        channel: str | None = None,
        delivery_key: str | None = None,
        also: tuple[str, ...] = (),
    ) -> Message:
        """The neutral message for Slack ``text``, with the author's and mentioned people's names and zones.

        ``also`` names people the text does not mention but the use case needs (a reacted message's author).
        """
        refs = await self.people.refs(client, team, [user_id, *mentioned_ids(text), *also])
        message = to_message(team, user_id, text, channel=channel, delivery_key=delivery_key, people=refs)
        if not also:
            return message
        return replace(message, people={**message.people, **{uid: refs[uid] for uid in also}})


def context_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Log fields for a Slack payload: who and where, never tokens or text."""
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    kind = body.get("command") or body.get("type") or (body.get("event") or {}).get("type")
    return {"community": team, "person": user, "command": kind}
