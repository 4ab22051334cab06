"""What every Slack listener works with, built once by the adapter."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.inbox import Delivery, Inbox, Job, WorkQueue, passes
from bot.slack.inbox import delivery
from bot.slack.notifier import SlackNotifier
from bot.slack.people import People
from bot.slack.to_command import mentioned_ids, to_message
from handlers.core import Core
from handlers.types import CommunityRef, Message

Listener = TypeVar("Listener", bound=Callable[..., Awaitable[None]])
log = logging.getLogger("guild.slack")


class InFlight:
    """Listeners still running after their ack.

    A listener's remainder runs in a background task nobody awaits;
    counting them lets shutdown wait until each has handed its work to the
    queue (or finished it) instead of cutting it off (and lets tests wait for quiet).
    """

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def track(self, listener: Listener) -> Listener:
        @functools.wraps(listener)  # Bolt reads the wrapped function's argument names
        async def run(*args: Any, **kwargs: Any) -> None:
            self.enter()
            try:
                await listener(*args, **kwargs)
            finally:
                self.leave()

        return run  # type: ignore[return-value]

    def enter(self) -> None:
        self._running += 1
        self._idle.clear()

    def leave(self) -> None:
        self._running -= 1
        if not self._running:
            self._idle.set()

    async def idle(self) -> None:
        await self._idle.wait()


class _SignallingAck:
    """Bolt's ``ack``, which also opens ``gate`` once the acknowledgement is ready to go."""

    def __init__(self, ack: Any, gate: asyncio.Future[None]) -> None:
        self._ack, self._gate = ack, gate

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self._ack(*args, **kwargs)
        finally:
            if not self._gate.done():
                self._gate.set_result(None)


def acked_early(listener: Listener, inflight: InFlight) -> Listener:
    """Return to Bolt as soon as the listener has acknowledged, and finish the listener in the background.

    The app runs with ``process_before_response``, so Bolt sends its answer when the listener returns,
    instead of polling every 10 ms for the ack (Bolt's default, which put 10 ms on every ack). A failure
    before the ack reaches Bolt as before (its error handler, a 500); one after it is logged the same way.
    A listener that takes no ``ack`` (events, which Bolt acknowledges itself) returns at once.
    """

    @functools.wraps(listener)  # Bolt reads the wrapped function's argument names
    async def run(*args: Any, **kwargs: Any) -> None:
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if "ack" in kwargs:
            kwargs["ack"] = _SignallingAck(kwargs["ack"], gate)
        else:
            gate.set_result(None)
        inflight.enter()
        task = asyncio.create_task(listener(*args, **kwargs))

        def finished(done: asyncio.Task[None]) -> None:
            inflight.leave()
            if not gate.done():
                gate.set_result(None)
            elif not done.cancelled() and done.exception() is not None:
                log.error("slack listener failed", exc_info=done.exception(),
                          extra=context_fields(kwargs.get("body") or {}))

        task.add_done_callback(finished)
        await gate
        if task.done():
            task.result()  # a failure before the ack: Bolt's error handler answers it

    return run  # type: ignore[return-value]


@dataclass(frozen=True)
class Runtime:
    """The core, Slack's people and notifier, and the inbox with its work queue.

    A listener acknowledges, then hands its work to ``later``; ``track`` wraps
    every listener so that a request whose listener handed nothing on (a usage
    answer in the ack, a form opened) is marked done in the inbox at its end.
    """

    core: Core
    people: People
    notifier: SlackNotifier
    inbox: Inbox
    queue: WorkQueue | None  # None: worker processes do the work (GUILD_WORKERS), this one hands it on
    inflight: InFlight = field(default_factory=InFlight)

    def track(self, listener: Listener) -> Listener:
        """Count the listener in flight, and settle its inbox row unless its work went to the queue.

        The listener must take Bolt's ``context`` (where the recorder put the delivery).
        """

        @functools.wraps(listener)  # Bolt reads the wrapped function's argument names
        async def settled(*args: Any, **kwargs: Any) -> None:
            found = delivery(kwargs["context"])
            try:
                await listener(*args, **kwargs)
            except Exception as error:
                if not found.handed_on:
                    if passes(error):
                        await self.inbox.retry_later(found, error)
                    else:
                        await self.inbox.finish(found, f"{type(error).__name__}: {error}")
                raise
            if not found.handed_on:
                await self.inbox.finish(found)

        return acked_early(settled, self.inflight)  # type: ignore[arg-type]

    async def later(self, context: AsyncBoltContext, job: Job, *, busy: Job | None = None) -> None:
        """Run ``job`` (the work after the ack) through the bounded queue; when it is full, give the row
        back for a sweeper — here or on another instance — and tell the person with ``busy``. Without a
        queue (worker processes do the work) the row is handed to them, due at once."""
        found = delivery(context)
        if self.queue is None:
            found.handed_on = True
            await self.inbox.release(found)
            return
        if self.queue.offer(found, job):
            return
        found.handed_on = True
        self.inbox.event("busy")
        await self.inbox.release(found)
        if busy is not None and not found.recovered:
            await busy()

    async def message(
        self,
        client: AsyncWebClient,
        team: CommunityRef,
        user_id: str,
        text: str,
        *,
        channel: str | None = None,
        delivery_key: str | None = None,
        thread: str | None = None,
        also: tuple[str, ...] = (),
        inbox: Delivery | None = None,
    ) -> Message:
        """The neutral message for Slack ``text``, with the author's and mentioned people's names and zones.

        ``also`` names people the text does not mention but the use case needs (a reacted message's author).
        ``inbox``: the recorded delivery this message is the whole work of (the core marks it done with its
        change); only for a job that runs the core once.
        A message with a delivery key is durable: every Slack request is in the inbox before its ack, and
        its key (or one derived from its event) makes the inbox's run again a duplicate.
        """
        refs = await self.people.refs(client, team, [user_id, *mentioned_ids(text), *also])
        message = to_message(team, user_id, text, channel=channel, delivery_key=delivery_key, people=refs)
        return replace(message, thread=thread, durable=delivery_key is not None, inbox=inbox,
                       people={**message.people, **{uid: refs[uid] for uid in also}})


def context_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Log fields for a Slack payload: who and where, never tokens or text."""
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    kind = body.get("command") or body.get("type") or (body.get("event") or {}).get("type")
    return {"community": team, "person": user, "command": kind}
