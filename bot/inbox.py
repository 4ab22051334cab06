"""Acknowledged work that is never lost: the inbox, the bounded work queue and the sweeper.

An adapter records each delivery in the inbox before its ack (``Inbox.record``,
one INSERT on the inbox's own small engine, so that no burst of work can keep
an ack waiting for a connection), then offers the work to the ``WorkQueue``.
The queue is bounded by the database pool: its workers run at most as many
jobs at once as there are connections, and when it is full the work is not
started at all — the row is given back, due at once, and the sweeper of
whichever instance has room runs it. A row is marked done once its work
finished; the use case's delivery key (the inbox key) makes a second run of a
committed use case a no-op, so re-running is always safe.

The ``Sweeper`` (one per serving process) takes over rows whose lease ran out
— their process died, or their last try met a database outage and is due
again — and replays them through the platform adapter's ``replay``. Outages
(the database, or the platform's API, out of reach: ``passes``) are retried
with backoff up to ``MAX_ATTEMPTS`` tries, then the row stays, visible
(``guild_inbox_failed``, a log line), for an operator.

This module knows no platform; ``bot/slack/inbox.py`` records and replays Slack requests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.core import is_outage, outages_raise
from storage import inbox as rows
from storage.db import one_statement
from storage.inbox import Depth, Item

log = logging.getLogger("guild.inbox")

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 5.0  # after the n-th failed try, wait 5 · 2^(n-1) s (at most BACKOFF_CAP_SECONDS)
BACKOFF_CAP_SECONDS = 300.0
KEEP_DONE = timedelta(days=1)  # a finished row's key answers retries and replays this long
PRUNE_EVERY_SECONDS = 300.0
JOBS_PER_CONNECTION = 20  # queue length per pooled connection: a short wait, never a pool timeout

Job = Callable[[], Awaitable[None]]
Replay = Callable[[Item], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def passes(error: BaseException) -> bool:
    """A failure that passes, so the work is due again later rather than done with the error: the database
    out of reach, or the connection to the platform's API lost (after its client's own retries)."""
    return is_outage(error) or isinstance(error, aiohttp.ClientError)


@dataclass
class Delivery:
    """One recorded delivery on its way through a listener: its inbox key, whether a sweeper replays it
    (and how many take-overs it had), whether the work was handed on (then the queue, not the
    listener, finishes the row), and whether the core already marked it done with the work's own
    change (``settled``: see ``Message.inbox``)."""

    platform: str
    key: str
    recovered: bool = False
    attempts: int = 0
    handed_on: bool = False
    settled: bool = False
    started: float = field(default_factory=time.perf_counter)


@dataclass
class _Batch:
    """Keys to release in one statement, and when that statement is done."""

    keys: list[str] = field(default_factory=list)
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Inbox:
    """The inbox table as adapters and workers use it.

    ``record`` runs on ``ack_engine`` (the ack path's own pool); everything else
    runs on ``work_engine``, with the work it accounts for.
    """

    def __init__(self, *, ack_engine: AsyncEngine, work_engine: AsyncEngine, lease: timedelta,
                 clock: Callable[[], datetime] = utc_now, owner: str | None = None) -> None:
        self.ack_engine = ack_engine
        self.work_engine = work_engine
        self.lease = lease
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.on_event: list[Callable[[str], None]] = []  # recorded, duplicate, busy, recovered, retry, failed
        # Told (platform, seconds from the request's arrival) when a delivery's work is done (metrics).
        self.on_done: list[Callable[[str, float], None]] = []
        self._releasing: _Batch | None = None
        self._release_lock = asyncio.Lock()

    async def record(self, *, platform: str, key: str, kind: str, payload: str, content_type: str) -> bool:
        """Record before the ack; False for a key seen before (a retry or a replay: answer it, do nothing)."""
        async with self.ack_engine.begin() as conn:
            new = await rows.record(conn, platform=platform, key=key, kind=kind, payload=payload,
                                    content_type=content_type, owner=self.owner, now=self.clock(), lease=self.lease)
        self.event("recorded" if new else "duplicate")
        return new

    async def finish(self, delivery: Delivery, error: str | None = None) -> None:
        if not delivery.settled or error:  # settled: the core marked it done with the work's change
            async with self.work_engine.begin() as conn:
                await rows.finish(conn, delivery.key, self.clock(), error)
        for observe in self.on_done:
            observe(delivery.platform, time.perf_counter() - delivery.started)

    async def retry_later(self, delivery: Delivery, error: BaseException) -> None:
        """An outage: due again after a backoff; after ``MAX_ATTEMPTS`` take-overs no sweeper claims it any
        more, and it stays — logged, counted, in ``guild_inbox_failed`` — for an operator."""
        if delivery.attempts >= MAX_ATTEMPTS:
            log.error("inbox delivery failed for good after %d tries; it stays in the inbox for an operator",
                      delivery.attempts + 1, extra={"result": delivery.key})
            self.event("failed")
        else:
            self.event("retry")
        wait = min(BACKOFF_SECONDS * 2 ** delivery.attempts, BACKOFF_CAP_SECONDS)
        async with self.work_engine.begin() as conn:
            await rows.retry_at(conn, delivery.key, self.clock() + timedelta(seconds=wait),
                                f"{type(error).__name__}: {error}")

    async def release(self, delivery: Delivery) -> None:
        """No room here (or worker processes do the work): due at once for whichever process has room.

        Releases that arrive while one is being written go together in the next statement: under load
        every command is handed on, and one UPDATE per command would cost the acks their CPU. Not on the
        ack path's engine: its connections stay free for the acks. A claimed row (``recovered``) is given
        back untried instead, its claim's count undone."""
        if delivery.recovered:
            async with self.work_engine.begin() as conn:
                await rows.give_back(conn, delivery.key, self.clock())
            return
        batch = self._releasing
        if batch is None:
            batch = self._releasing = _Batch()
            asyncio.get_running_loop().create_task(self._release(batch))
        batch.keys.append(delivery.key)
        await asyncio.shield(batch.done)

    async def _release(self, batch: _Batch) -> None:
        async with self._release_lock:  # one statement at a time; keys arriving meanwhile join the next
            self._releasing = None
            try:
                async with one_statement(self.work_engine) as conn:
                    await rows.release(conn, batch.keys, self.clock())
            except Exception as error:
                batch.done.set_exception(error)
                batch.done.exception()  # every caller re-raises it; none may be left to retrieve it
            else:
                batch.done.set_result(None)

    async def claim(self, limit: int) -> list[Item]:
        async with self.work_engine.begin() as conn:
            return await rows.claim(conn, owner=self.owner, now=self.clock(), lease=self.lease, limit=limit,
                                    max_attempts=MAX_ATTEMPTS)

    async def depth(self) -> Depth:
        async with self.work_engine.connect() as conn:
            return await rows.depth(conn, MAX_ATTEMPTS)

    async def prune(self) -> int:
        async with self.work_engine.begin() as conn:
            return await rows.prune(conn, self.clock() - KEEP_DONE)

    def event(self, name: str) -> None:
        for observe in self.on_event:
            observe(name)


class AckTraffic:
    """Requests of this process on their way to their ack.

    One event loop serves the acks and the work; it cannot rank callbacks, but
    the work queue can wait to start its next job until no ack is on its way.
    In a burst the acks go first, and the work waits in the queue (or, once it
    is full, in the inbox): slower, never lost, and never a late ack.
    """

    def __init__(self) -> None:
        self._pending = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @contextmanager
    def acking(self) -> Iterator[None]:
        self._pending += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._pending -= 1
            if not self._pending:
                self._quiet.set()

    async def quiet(self) -> None:
        """Returns once no ack is on its way (at once, without yielding, when none is)."""
        await self._quiet.wait()


class WorkQueue:
    """A bounded queue of acknowledged work and the workers that run it, each job to the end of its row.
    A worker starts its next job only when no ack is on its way (``traffic``)."""

    def __init__(self, *, inbox: Inbox, workers: int, size: int) -> None:
        self.inbox = inbox
        self.traffic = AckTraffic()
        self._queue: asyncio.Queue[tuple[Delivery, Job]] = asyncio.Queue(maxsize=size)
        self._workers = workers
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def room(self) -> int:
        """How many more jobs the queue takes now."""
        return self._queue.maxsize - self._queue.qsize()

    def offer(self, delivery: Delivery, job: Job) -> bool:
        """Queue ``job`` for ``delivery``; False when full (then the caller gives the row back)."""
        self._start()
        try:
            self._queue.put_nowait((delivery, job))
        except asyncio.QueueFull:
            return False
        delivery.handed_on = True
        return True

    async def idle(self) -> None:
        """Returns once nothing is queued or running (for the drain on SIGTERM, and tests)."""
        await self._queue.join()

    async def close(self) -> None:
        """Stop the workers; what is still queued stays in the inbox for the next sweep (here or elsewhere)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def _start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._work(), name=f"guild-worker-{n}") for n in range(self._workers)]

    async def _work(self) -> None:
        while True:
            delivery, job = await self._queue.get()
            await self.traffic.quiet()
            try:
                await run(self.inbox, delivery, job)
            finally:
                self._queue.task_done()


async def run(inbox: Inbox, delivery: Delivery, job: Job) -> None:
    """Run one job and settle its row: done, due again after an outage, or done with the error noted."""
    try:
        with outages_raise():
            await job()
    except Exception as error:
        if passes(error):
            if not is_outage(error):  # the core logs the database's outages itself
                log.warning("acknowledged work deferred: the platform's API is out of reach (%s)",
                            type(error).__name__, extra={"result": delivery.key})
            with suppress(Exception):  # the database may still be away: the lease runs out, a sweeper retries
                await inbox.retry_later(delivery, error)
            return
        log.exception("acknowledged work failed", extra={"result": delivery.key})
        with suppress(Exception):
            await inbox.finish(delivery, f"{type(error).__name__}: {error}")
        return
    try:
        await inbox.finish(delivery)
    except Exception as error:  # done but not marked: a sweeper replays it, the delivery key makes that a no-op
        log.warning("could not mark inbox delivery done (%s)", type(error).__name__, extra={"result": delivery.key})


class Sweeper:
    """Takes over rows nobody is working on and replays them through their platform's adapter."""

    def __init__(self, *, inbox: Inbox, queue: WorkQueue, replayers: dict[str, Replay], interval: float) -> None:
        self.inbox = inbox
        self.queue = queue
        self.replayers = replayers
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._pruned_at = 0.0

    async def sweep(self) -> int:
        """One pass: claim as many due rows as the queue has room for and replay them; returns how many."""
        if self.queue.room <= 0:
            return 0
        items = await self.inbox.claim(self.queue.room)
        # All at once: a replay waits for its listener's ack (Bolt polls for it every 10 ms), not for its work.
        await asyncio.gather(*(self._replay(item) for item in items))
        if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
            self._pruned_at = time.monotonic()
            await self.inbox.prune()
        return len(items)

    async def _replay(self, item: Item) -> None:
        replay = self.replayers.get(item.platform)
        if replay is None:  # a platform this instance does not serve: leave it to one that does
            await self.inbox.release(Delivery(item.platform, item.key, recovered=True))
            return
        if item.taken_over:
            log.info("inbox delivery recovered", extra={"result": item.key, "platform": item.platform})
            self.inbox.event("recovered")
        try:
            await replay(item)
        except Exception as error:
            if not passes(error):
                log.exception("inbox replay failed", extra={"result": item.key})
            await self.inbox.retry_later(Delivery(item.platform, item.key, recovered=True, attempts=item.attempts),
                                         error)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="guild-inbox-sweeper")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                claimed = await self.sweep()
            except Exception as error:  # the database is away: the next pass tries again
                log.warning("inbox sweep failed (%s)", type(error).__name__)
                claimed = 0
            await asyncio.sleep(self.interval if not claimed else 0)  # more may be due: look again at once
