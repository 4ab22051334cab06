"""Seats are never overbooked and a freed seat goes to exactly one waitlister, under real concurrency.

Each ``Core.handle`` opens its own database session, so ``asyncio.gather``
over many commands makes real concurrent transactions (PostgreSQL: concurrent
connections contending for the session row lock; SQLite: writers queueing for
the database lock).
"""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.context import CoreSettings
from handlers.core import Core
from storage.db import create_engine, is_sqlite, session_factory
from storage.models import TrainingSession
from storage.uow import UnitOfWork
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows, schedule, statuses

PEOPLE = [f"p{n:02d}" for n in range(50)]
SEATS = 5


def engine_for(database_url: str) -> AsyncEngine:
    """A pool with a connection per contender, so PostgreSQL sees them all at once."""
    if is_sqlite(database_url):
        return create_engine(database_url)
    return create_engine(database_url, pool_size=len(PEOPLE), max_overflow=0)


async def test_fifty_sign_ups_for_five_seats_then_five_cancellations(database_url: str) -> None:
    engine = engine_for(database_url)
    try:
        sessions = session_factory(engine)
        notifier = RecordingNotifier()
        core = Core(uow=lambda: UnitOfWork(sessions), notifier=notifier, clock=FakeClock(), settings=CoreSettings())
        chat = Chat(core)
        await make_trainer(chat, "tara")
        session_id = await schedule(chat, seats=SEATS)
        for person in PEOPLE:  # everyone exists beforehand, so the race is about seats only
            await chat.say(person, "help")

        replies = await asyncio.gather(*(chat.say(person, f"signup {session_id}") for person in PEOPLE))

        assert all("went wrong" not in r.text for r in replies), [r.text for r in replies]
        seated = await statuses(chat, session_id)
        assert Counter(seated.values()) == {"confirmed": SEATS, "waitlisted": len(PEOPLE) - SEATS}
        assert (await rows(chat, select(TrainingSession.taken)))[0][0] == SEATS
        place = {
            person: int(reply.text.split("number ")[1].split(" ")[0])
            for person, reply in zip(PEOPLE, replies, strict=True)
            if "waitlist" in reply.text
        }
        assert sorted(place.values()) == list(range(1, len(PEOPLE) - SEATS + 1))

        confirmed = [person for person, status in seated.items() if status == "confirmed"]
        await asyncio.gather(*(chat.say(person, f"cancel {session_id}") for person in confirmed))

        after = await statuses(chat, session_id)
        promoted = [p for p in PEOPLE if seated[p] == "waitlisted" and after[p] == "confirmed"]
        assert sorted(place[p] for p in promoted) == list(range(1, SEATS + 1))  # the head of the queue
        assert Counter(after.values()) == {
            "confirmed": SEATS, "cancelled": SEATS, "waitlisted": len(PEOPLE) - 2 * SEATS
        }
        assert (await rows(chat, select(TrainingSession.taken)))[0][0] == SEATS
        for person in promoted:
            assert len([t for t in notifier.dms_to(person) if "a seat opened up" in t]) == 1
        assert sum("a seat opened up" in reply.text for _, reply in notifier.told) == SEATS
    finally:
        await engine.dispose()
