"""The deliverer: sends what the outbox holds, each message once, with retries — in every Guild process.

Rows reach it two ways. The process that commits them (``queue``) sends them at
once (``send_now``: the core after a use case, a scheduled job after its claim), so
people hear from Guild as promptly as before. Everything else — retries after
a backoff, rows of a process that died — is picked up by ``run``'s loop, which
wakes every ``POLL`` seconds (or when ``wake`` is called) and claims what is due
(``storage.outbox.claim_due``), whichever process wrote it.

Exactly once: a row found in ``sending`` with its lease over was handed to the
platform by someone who never heard back. Before sending it again the
deliverer asks the platform (``Notifier.find``: Slack looks for the row's
metadata in the conversation). Found: its id is recorded and nothing is sent.
Where the platform cannot tell (Teams), the row is not sent again: it is kept
as failed, for an operator to retry — Guild prefers a message missed and
visible over a message twice.

Retries: a failure the platform calls temporary (Slack 429 after slack_sdk's own
retries, Teams 429/412/5xx, lost connections) waits ``Retry-After`` when given,
else ``BASE_DELAY`` doubled per attempt up to ``MAX_DELAY``; a permanent one
(no such channel or person) or the ``MAX_ATTEMPTS``-th failure leaves the row
``failed``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Collection, Sequence
from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import reply_json
from handlers.ports import CannotTell, Clock, Failure, Notifier
from handlers.types import CommunityRef, Recipient, Reply
from storage import outbox
from storage.uow import UnitOfWork

log = logging.getLogger("guild.outbox")

LEASE = timedelta(minutes=5)  # longer than any one send, slack_sdk's own 429 retries included
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)
POLL = 5.0  # seconds between looks at the outbox when nobody wakes the loop
BATCH = 50
STOP_WAIT = 10.0  # seconds a stopping process gives the batch it is sending
KEEP_SENT = timedelta(days=30)  # sent messages are the record of what Guild said, for a while
PRUNE_EVERY = timedelta(hours=1)

Observer = Callable[[str, str, str], None]  # (platform, kind, outcome: sent | found | retried | failed)


def instance_name() -> str:
    """Who holds a lease: host, process and a random suffix, unique per process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 5 s, 10 s, 20 s … at most an hour."""
    return min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def message_key(row_id: int) -> str:
    return str(row_id)


class Deliverer:
    def __init__(self, *, uow: Callable[[], UnitOfWork], notifier: Notifier, clock: Clock,
                 instance: str | None = None, platforms: Callable[[], Collection[str] | None] | None = None) -> None:
        """``platforms`` names the platforms this process can reach (None: all), so that a Slack-only
        process leaves Teams rows to a process that serves Teams."""
        self.uow = uow
        self.notifier = notifier
        self.clock = clock
        self.instance = instance or instance_name()
        self.platforms = platforms or (lambda: None)
        self.on_result: list[Observer] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- sending ----------------------------------------------------------------------------------------------------

    async def queue(self, session: AsyncSession, community_id: int, items: Sequence[outbox.Item],
                    now: datetime) -> list[int]:
        """Write ``items`` in the caller's transaction, leased to this process, which sends them with
        ``send_now`` after the commit; if it dies first, the lease runs out and any deliverer takes over."""
        return await outbox.add(session, community_id, items, at=now, by=self.instance, until=now + LEASE)

    async def send_now(self, community: CommunityRef, rows: Sequence[tuple[int, outbox.Item, Reply]]) -> set[int]:
        """Send rows this process has just committed with ``queue``; the ids the platform took. What fails is
        left to the loop's retries (or kept as failed)."""
        sent: list[tuple[int, str | None]] = []
        try:
            for row_id, item, reply in rows:
                ref = await self._attempt(community, row_id, item, reply, attempts=1, uncertain=False, since=None)
                if ref is not None:
                    sent.append(ref)
            await self._mark_sent(sent)
        except Exception:  # the database went away: the rows keep their lease, then any deliverer takes over
            log.exception("outbox: sending at once failed", extra={"community": community.external_id})
            return set()
        return {row_id for row_id, _ in sent}

    async def send_due(self, limit: int = BATCH) -> int:
        """Claim and send up to ``limit`` due rows; how many were claimed."""
        now = self.clock()
        async with self.uow() as uow:
            claimed = await outbox.claim_due(uow.session, at=now, by=self.instance, until=now + LEASE, limit=limit,
                                             platforms=self.platforms())
            await uow.commit()
        sent: list[tuple[int, str | None]] = []
        for row in claimed:
            community = CommunityRef(row.platform, row.external_id, row.community_name)
            try:
                reply = reply_json.loads(row.payload)
            except (ValueError, KeyError, TypeError) as error:
                await self._fail(row.id, f"unreadable payload: {type(error).__name__}", row.platform, row.kind)
                continue
            item = outbox.Item(row.kind, row.target, row.payload, thread=row.thread, answering=row.answering)
            ref = await self._attempt(community, row.id, item, reply, attempts=row.attempts,
                                      uncertain=row.uncertain, since=row.created_at)
            if ref is not None:
                sent.append(ref)
        await self._mark_sent(sent)
        return len(claimed)

    async def drain(self) -> None:
        """Send everything due now, batch after batch (tests and one-shot commands call this)."""
        while await self.send_due():
            pass

    async def _attempt(self, community: CommunityRef, row_id: int, item: outbox.Item, reply: Reply, *,
                       attempts: int, uncertain: bool, since: datetime | None) -> tuple[int, str | None] | None:
        """One try at one row: (id, platform ref) when the platform has it; otherwise the row is rescheduled
        or failed here and None returned."""
        key = message_key(row_id)
        kind, target = item.kind, item.target
        try:
            if uncertain:
                found = await self.notifier.find(community, kind, target, key, since or self.clock(),  # type: ignore[arg-type]
                                                 answering=item.answering)
                if found is not None:
                    log.info("outbox: already delivered before a crash; not sent again",
                             extra={"community": community.external_id, "result": f"row {row_id}"})
                    self._observe(community.platform, kind, "found")
                    return row_id, found
            if kind == "tell":
                ref = await self.notifier.tell(Recipient(community, target), reply, key=key)
            else:
                ref = await self.notifier.post(community, target, reply, key=key, thread=item.thread,
                                               answering=item.answering)
        except CannotTell:
            await self._fail(row_id, "uncertain: the platform may have it and cannot say; not sent again "
                                     "(python app.py outbox retry to send anyway)", community.platform, kind)
            return None
        except Exception as error:
            failure = self.notifier.failure(error) or Failure(type(error).__name__[:60])
            await self._failed(community, row_id, kind, attempts, uncertain, failure)
            return None
        self._observe(community.platform, kind, "sent")
        return row_id, ref

    async def _failed(self, community: CommunityRef, row_id: int, kind: str, attempts: int, uncertain: bool,
                      failure: Failure) -> None:
        fields = {"community": community.external_id, "result": f"row {row_id}: {failure.kind}"}
        if failure.permanent or attempts >= MAX_ATTEMPTS:
            log.warning("outbox: delivery failed for good", extra=fields)
            why = failure.kind if failure.permanent else f"{failure.kind} (after {attempts} attempts)"
            await self._fail(row_id, why, community.platform, kind)
            return
        wait = timedelta(seconds=failure.retry_after) if failure.retry_after is not None else backoff(attempts)
        log.info("outbox: delivery failed; retrying in %ss", int(wait.total_seconds()), extra=fields)
        async with self.uow() as uow:
            await outbox.retry_later(uow.session, row_id, at=self.clock() + wait, error=failure.kind,
                                     uncertain=uncertain or failure.uncertain)
            await uow.commit()
        self._observe(community.platform, kind, "retried")

    async def _fail(self, row_id: int, error: str, platform: str, kind: str) -> None:
        async with self.uow() as uow:
            await outbox.fail(uow.session, row_id, error=error)
            await uow.commit()
        self._observe(platform, kind, "failed")

    async def _mark_sent(self, sent: list[tuple[int, str | None]]) -> None:
        if sent:
            async with self.uow() as uow:
                await outbox.mark_sent(uow.session, sent, at=self.clock())
                await uow.commit()

    def _observe(self, platform: str, kind: str, outcome: str) -> None:
        for observe in self.on_result:
            observe(platform, kind, outcome)

    # --- the loop ---------------------------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="guild-outbox")

    async def stop(self) -> None:
        """Let the batch being sent finish (at most ``STOP_WAIT`` seconds), then stop: a message cut off
        mid-send would be uncertain (on Teams, kept as failed)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_WAIT)
        except TimeoutError:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Deliver what is due until stopped; a failing database is logged and tried again at the next poll.
        Sent messages older than ``KEEP_SENT`` are deleted now and then (failed ones stay)."""
        pruned: datetime | None = None
        while not self._stopping:
            try:
                while not self._stopping and await self.send_due():
                    pass
                now = self.clock()
                if pruned is None or now - pruned >= PRUNE_EVERY:
                    async with self.uow() as uow:
                        await outbox.prune(uow.session, before=now - KEEP_SENT)
                        await uow.commit()
                    pruned = now
            except Exception:
                log.exception("outbox: delivery pass failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL)
            self._wake.clear()
