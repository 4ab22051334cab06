"""The inbox's bookkeeping beside the work: releases go together, a claimed row given back keeps its tries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.inbox import Delivery, Inbox, Sweeper, WorkQueue, utc_now
from storage import inbox as rows
from storage.models import InboxItem
from tests.handlers.test_round_trips import counting

LEASE = timedelta(minutes=1)


@pytest.fixture
async def inbox(engine: AsyncEngine) -> AsyncIterator[Inbox]:
    yield Inbox(ack_engine=engine, work_engine=engine, lease=LEASE, owner="serving:1")


async def recorded(inbox: Inbox, *keys: str) -> None:
    for key in keys:
        assert await inbox.record(platform="slack", key=key, kind="command", payload="{}",
                                  content_type="application/json")


async def states(inbox: Inbox) -> dict[str, tuple[str | None, int]]:
    async with inbox.work_engine.connect() as conn:
        found = await conn.execute(select(InboxItem.key, InboxItem.claimed_by, InboxItem.attempts))
        return {key: (owner, attempts) for key, owner, attempts in found}


async def test_releases_that_arrive_together_are_one_statement_and_due_at_once(inbox: Inbox) -> None:
    keys = [f"slack:request:{n}" for n in range(5)]
    await recorded(inbox, *keys)

    with counting(inbox.work_engine) as statements:
        await asyncio.gather(*(inbox.release(Delivery("slack", key)) for key in keys))

    assert [s.split()[0] for s in statements if "inbox" in s] == ["UPDATE"]
    assert await states(inbox) == {key: (None, 0) for key in keys}
    async with inbox.work_engine.begin() as conn:
        claimed = await rows.claim(conn, owner="worker:1", now=utc_now(), lease=LEASE, limit=10, max_attempts=5)
    assert sorted(item.key for item in claimed) == keys


async def test_a_release_that_fails_fails_every_caller_of_its_statement(inbox: Inbox,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    await recorded(inbox, "slack:request:a", "slack:request:b")

    async def database_away(*_: object) -> None:
        raise ConnectionError("the database is away")

    monkeypatch.setattr(rows, "release", database_away)
    outcomes = await asyncio.gather(inbox.release(Delivery("slack", "slack:request:a")),
                                    inbox.release(Delivery("slack", "slack:request:b")), return_exceptions=True)

    assert [type(outcome) for outcome in outcomes] == [ConnectionError, ConnectionError]
    monkeypatch.undo()
    await inbox.release(Delivery("slack", "slack:request:a"))  # the next statement is a fresh one
    assert (await states(inbox))["slack:request:a"] == (None, 0)


async def test_a_row_of_a_platform_this_instance_does_not_serve_is_given_back_untried(inbox: Inbox) -> None:
    await recorded(inbox, "teams:activity:1")
    await inbox.release(Delivery("teams", "teams:activity:1"))
    sweeper = Sweeper(inbox=inbox, queue=WorkQueue(inbox=inbox, workers=1, size=5), replayers={}, interval=1)

    assert await sweeper.sweep() == 1

    assert await states(inbox) == {"teams:activity:1": (None, 0)}
