"""How many SQL statements each hot command costs, pinned so that a regression shows up here.

Counted with SQLAlchemy's ``before_cursor_execute`` event on the engine: every
statement that reaches the driver (SQLite's ``BEGIN IMMEDIATE`` included;
asyncpg's BEGIN and COMMIT are protocol messages, not statements). The
community is read once per process (``CommunityCache``), the giver's lock and
daily count are one statement, the kudos rows and their values one INSERT each.
A command from a platform carries a delivery key, which costs one INSERT into
``deliveries`` in the same transaction. A Slack command or button comes from
the inbox instead: one INSERT on the ack path's own pool, and one UPDATE
marking the row done in the use case's own transaction, in place of the
delivery key (``tests/bot/slack/test_inbox.py`` counts those).

A command that tells someone else (the kudos receiver, the trainer of a
session signed up for) also writes its notices to the outbox in the same
transaction (one multi-row INSERT), and after the commit marks them sent (one
UPDATE: in autocommit on PostgreSQL, its own short transaction on SQLite, BEGIN IMMEDIATE + UPDATE). That is
the price of never losing a notice to a crash: +2 on PostgreSQL, +3 on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.context import CoreSettings
from handlers.core import Core
from storage.db import create_engine, is_sqlite, session_factory
from storage.models import Kudos
from storage.uow import UnitOfWork
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, schedule

# statements per command once the community and the people are known: (SQLite, PostgreSQL)
EXPECTED = {
    "kudos": (8, 6),  # members, lock + daily count, kudos rows, their values, the outbox; marked sent
    "sessions": (3, 2),  # members, the page with its total
    "signup": (9, 7),  # members, the session locked with its trainer, my place, the seat, the enrollment, the
    # outbox; marked sent
    "me": (4, 3),  # members, the counts, the trainer profile
    "kudos with a delivery key": (9, 7),  # the delivery's key claimed, then as "kudos"
}


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_hot_commands_take_the_fewest_statements(engine: AsyncEngine, chat: Chat, database_url: str) -> None:
    column = 0 if is_sqlite(database_url) else 1
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, seats=5)
    for person in ("ana", "ben", "cara"):
        await chat.say(person, "help")  # everyone known, the community cached
    commands = {
        "kudos": ("ana", "kudos @ben thanks for the patient SQL demo #teamwork"),
        "sessions": ("ana", "sessions"),
        "signup": ("ben", f"signup {session_id}"),
        "me": ("cara", "me"),
        "kudos with a delivery key": ("cara", "kudos @ana thanks for the clear notes #teamwork"),
    }
    counted = {}
    for name, (who, text) in commands.items():
        with counting(engine) as statements:
            reply = await chat.say(who, text, key="slack:request:1" if "key" in name else None)
        assert "went wrong" not in reply.text
        counted[name] = len(statements)
    assert counted == {name: pair[column] for name, pair in EXPECTED.items()}


async def test_an_admin_change_reaches_the_next_command_despite_the_community_cache(chat: Chat) -> None:
    await chat.say("ana", "kudos @ben thanks for the patient SQL demo")  # the community is cached now
    await chat.say("root", "admin kudos-limit 1")
    refused = await chat.say("ana", "kudos @cara thanks for the careful review")
    assert "all 1 of today's kudos" in refused.text


@pytest.mark.parametrize("tries", [12])
async def test_concurrent_kudos_from_one_giver_never_pass_the_daily_limit(database_url: str, tries: int) -> None:
    """Each ``Core.handle`` is its own transaction; on PostgreSQL they wait for the giver's row lock."""
    engine = create_engine(database_url, **({} if is_sqlite(database_url) else {"pool_size": tries}))
    try:
        sessions = session_factory(engine)
        core = Core(uow=lambda: UnitOfWork(sessions), notifier=RecordingNotifier(), clock=FakeClock(),
                    settings=CoreSettings(admins=frozenset({"root"})))
        chat = Chat(core)
        await chat.say("root", "admin kudos-limit 3")
        for n in range(tries):
            await chat.say(f"p{n}", "help")
        replies = await asyncio.gather(*(chat.say("ana", f"kudos @p{n} thanks for the patient demo")
                                         for n in range(tries)))
        async with core.uow() as uow:
            recorded = len(list(await uow.session.scalars(select(Kudos.id))))
        assert recorded == 3
        assert sum("thanked" in r.text for r in replies) == 3
        assert all("went wrong" not in r.text for r in replies)
    finally:
        await engine.dispose()


async def test_a_pooled_connection_that_died_is_replaced_without_a_ping_and_nothing_is_lost(
    database_url: str,
) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite has no server connection to lose")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        sessions = session_factory(engine)
        core = Core(uow=lambda: UnitOfWork(sessions), notifier=RecordingNotifier(), clock=FakeClock())
        chat = Chat(core)
        await chat.say("ana", "kudos @ben thanks for the patient SQL demo")
        killer = create_engine(database_url, isolation_level="AUTOCOMMIT")
        async with killer.connect() as connection:  # the server drops the pooled connection
            await connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        await killer.dispose()

        reply = await chat.say("ana", "kudos @cara thanks for the careful review")

        assert reply.public and "<@cara>" in reply.text
        async with core.uow() as uow:
            assert len(list(await uow.session.scalars(select(Kudos.id)))) == 2
    finally:
        await engine.dispose()
