"""The core's front door: every adapter, the console and the scheduler come in here.

``Core.handle`` parses command text and runs the matching use case in one
transaction; ``Core.execute`` runs any use case function the same way (chat
kudos from an emoji, a reaction taken back). Either way the person gets one
private or public ``Reply``, and a delivery seen before is ignored. Notices to
others are written to the outbox in the use case's own transaction (so a change
and what it tells people commit together, or neither does) and sent right after
the commit by the deliverer (``handlers.delivery``), which retries what fails and
picks up what a crashed process left. So is the public answer to a durable
message (``Message.durable``, run from the inbox): its run again after a crash
is a duplicate that answers nothing, so the answer must commit with the change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from handlers import grammar, reply_json
from handlers.context import Context, CoreSettings, Refusal
from handlers.delivery import Deliverer
from handlers.ports import Clock, Notifier
from handlers.routes import ROUTES
from handlers.types import CommunityRef, Message, Outcome, Reply, private
from storage import deliveries, inbox, members, outbox
from storage.models import Member
from storage.uow import UnitOfWork

log = logging.getLogger("guild.core")

UseCase = Callable[[Context], Awaitable[Reply | Outcome]]
Queued = tuple[int, outbox.Item, Reply]  # an outbox row this process committed and sends at once
TOKEN = re.compile(r"<@([^<>|\s]+)>")
RETRIES = 3
SORRY = "Sorry — something went wrong on my side and nothing was saved. Please try again in a moment."
_OUTAGES_RAISE: ContextVar[bool] = ContextVar("guild_outages_raise", default=False)


class Core:
    def __init__(
        self,
        *,
        uow: Callable[[], UnitOfWork],
        notifier: Notifier,
        clock: Clock,
        settings: CoreSettings | None = None,
    ) -> None:
        self.uow = uow
        self.notifier = notifier
        self.clock = clock
        self.delivery = Deliverer(uow=uow, notifier=notifier, clock=clock)
        self.settings = settings or CoreSettings()
        self.on_settings_changed: list[Callable[[CommunityRef], Awaitable[None]]] = []
        # Told (command name, result) for every command; app.py counts them for /metrics.
        self.on_command: list[Callable[[str, str], None]] = []
        self.communities = members.CommunityCache()

    async def handle(self, message: Message) -> Reply | None:
        """Run the command in ``message.text``; None: nothing left for the caller to answer (a duplicate
        delivery, already handled, or a durable message's public answer, which the outbox posts)."""
        try:
            command = grammar.parse(message.text)
        except grammar.UsageError as error:
            log.info("usage", extra={"community": message.community.external_id, "person": message.author.user_id,
                                     "command": message.text.split(" ", 1)[0][:40]})
            self.record(usage_name(message.text, error), "usage")
            return usage_reply(error.message, error.usage)
        route = ROUTES.get(type(command))
        if route is None:
            return private("That command isn't available here yet.")
        name = type(command).__name__
        return await self.execute(message, lambda ctx: route(ctx, command), name=name)

    async def execute(self, message: Message, use_case: UseCase, *, name: str = "use_case") -> Reply | None:
        """Run ``use_case`` as ``message.author`` in one transaction, retrying lost races; None as ``handle``."""
        for attempt in range(1, RETRIES + 1):
            try:
                result = await self._attempt(message, use_case)
            except Refusal as refusal:
                self._log(message, name, "refused")
                return usage_reply(refusal.text, refusal.usage)
            except DBAPIError as error:
                if attempt < RETRIES and (_transient(error) or error.connection_invalidated):
                    continue  # a lost race, or a pooled connection that had died: nothing was written
                self._raise_if_deferred(error, message, name)
                log.exception("use case failed", extra=self._fields(message, name))
                self.record(name, "error")
                return private(SORRY)
            except Exception as error:
                self._raise_if_deferred(error, message, name)
                log.exception("use case failed", extra=self._fields(message, name))
                self.record(name, "error")
                return private(SORRY)
            if result is None:
                self._log(message, name, "duplicate")
                return None
            reply, notices, settings_changed = result
            self._log(message, name, "ok")
            await self.delivery.send_now(message.community, notices)
            if settings_changed:
                for listener in self.on_settings_changed:
                    await listener(message.community)
            return reply
        return private(SORRY)

    async def _attempt(self, message: Message, use_case: UseCase,
                       ) -> tuple[Reply | None, list[Queued], bool] | None:
        now = self.clock()
        async with self.uow() as uow:
            session = uow.session
            ref = message.community
            community, fresh = await self.communities.get(session, ref.platform, ref.external_id, ref.name)
            row = message.inbox
            if row is not None and not await inbox.settle(await session.connection(), row.key, now):
                return None
            key = message.delivery_key
            if key and key != (row and row.key) and not await deliveries.first_time(session, community.id, key, now):
                return None
            # A token no adapter resolved (a button's command naming people) still names a member.
            unnamed: tuple[str | None, str | None] = (None, None)
            everyone = dict.fromkeys(TOKEN.findall(message.text), unnamed)
            everyone.update({p.user_id: (p.display_name, p.timezone) for p in message.people.values()})
            everyone[message.author.user_id] = (message.author.display_name, message.author.timezone)
            people = await members.members(session, community.id, everyone, seen_at=now)
            ctx = Context(
                uow=uow,
                community_ref=ref,
                community=community,
                member=people[message.author.user_id],
                people=people,
                now=now,
                settings=self.settings,
                channel=message.channel,
            )
            result = await use_case(ctx)
            outcome = result if isinstance(result, Outcome) else Outcome(result)
            reply = await _named(ctx, outcome.reply)
            notices = [replace(n, reply=await _named(ctx, n.reply)) for n in [*outcome.notices, *ctx.notices]]
            items = [outbox.Item("tell", n.to.user_id, reply_json.dumps(n.reply)) for n in notices]
            sends = [n.reply for n in notices]
            answered = reply.public and message.durable and message.channel is not None
            if answered:
                items.append(outbox.Item("post", str(message.channel), reply_json.dumps(reply),
                                         thread=message.thread, answering=message.author.user_id))
                sends.append(reply)
            ids = await self.delivery.queue(session, community.id, items, now)  # commits with the change, or not at all
            changed = ctx.settings_changed or session.is_modified(community)
            try:
                await uow.commit()
            except DBAPIError as error:
                if error.connection_invalidated:  # the COMMIT may have gone through: never run it twice
                    raise CommitUnknown("the connection was lost during COMMIT") from error
                raise
            if row is not None:
                row.settled = True
            if changed:
                self.communities.forget(ref.platform, ref.external_id)
            elif fresh:
                self.communities.keep(community)
        return None if answered else reply, list(zip(ids, items, sends, strict=True)), ctx.settings_changed

    def _raise_if_deferred(self, error: Exception, message: Message, name: str) -> None:
        """Under ``outages_raise``, a database outage is the caller's to retry later: no "Sorry" to anyone."""
        if _OUTAGES_RAISE.get() and is_outage(error):
            log.warning("use case deferred: the database is unavailable (%s)", type(error).__name__,
                        extra=self._fields(message, name))
            self.record(name, "deferred")
            raise Unavailable(type(error).__name__) from error

    def _fields(self, message: Message, name: str) -> dict[str, Any]:
        return {"community": message.community.external_id, "person": message.author.user_id, "command": name}

    def _log(self, message: Message, name: str, result: str) -> None:
        log.info("command %s", result, extra={**self._fields(message, name), "result": result})
        self.record(name, result)

    def record(self, name: str, result: str) -> None:
        """Tell the ``on_command`` observers; an adapter that answers a usage error itself calls it too."""
        for observe in self.on_command:
            observe(name, result)


def usage_name(text: str, error: grammar.UsageError) -> str:
    """The command a usage error is about, from a fixed set (never the typed word): ``unknown`` if none."""
    typed = text.strip().lstrip("/").split(" ", 1)[0].lower()
    if error.command and (error.command != "help" or typed == "help"):
        return error.command
    return "unknown"


class CommitUnknown(Exception):
    """The database connection broke while committing; whether the work was saved is unknown."""


class Unavailable(Exception):
    """The database was unavailable after the retries; nothing was answered (see ``outages_raise``)."""


@contextmanager
def outages_raise() -> Iterator[None]:
    """Within this block (this task), a use case the database could not run raises ``Unavailable``
    instead of answering "Sorry": the caller kept the delivery (the inbox) and runs it again later,
    and the delivery key makes that second run count once."""
    token = _OUTAGES_RAISE.set(True)
    try:
        yield
    finally:
        _OUTAGES_RAISE.reset(token)


def is_outage(error: BaseException) -> bool:
    """The database, not the request, is the problem: unreachable, restarting, a connection lost, the pool
    exhausted, or a COMMIT whose fate is unknown (the delivery key settles it on the next run)."""
    if isinstance(error, Unavailable | CommitUnknown | OperationalError | InterfaceError | PoolTimeout
                  | ConnectionError | TimeoutError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def usage_reply(text: str, usage: str | None) -> Reply:
    return private(f"{text}\nUsage: `{usage}`" if usage else text)


async def _named(ctx: Context, reply: Reply) -> Reply:
    """Attach display names for every ``<@id>`` in the reply (one query, none for people already loaded)."""
    texts = [reply.text, reply.title or "", *(s.text for s in reply.sections),
             *(v for s in reply.sections for _, v in s.fields)]
    ids = {m for text in texts for m in TOKEN.findall(text)} - set(reply.names)
    if not ids:
        return reply
    known = {uid: m.display_name for uid, m in [*ctx.people.items(), *ctx.seen.items()]
             if uid in ids and m.display_name}
    missing = ids - set(known)
    if missing:
        rows = await ctx.session.execute(
            select(Member.user_id, Member.display_name).where(
                Member.community_id == ctx.community.id, Member.user_id.in_(missing)
            )
        )
        known.update({uid: name for uid, name in rows if name})
    return replace(reply, names={**reply.names, **known})


def _transient(error: DBAPIError) -> bool:
    """Deadlocks, serialisation failures and SQLite's busy errors are worth another try."""
    text = str(error.orig).lower()
    return any(marker in text for marker in ("deadlock", "could not serialize", "database is locked", "40001", "40p01"))
