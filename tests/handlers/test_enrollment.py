"""Sign-ups: seats, the first-come-first-served waitlist and giving seats back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Enrollment, TrainingSession
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows, schedule, statuses


@pytest.fixture
async def full_session(chat: Chat) -> int:
    """Two seats, taken by ana and ben."""
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, seats=2)
    for person in ("ana", "ben"):
        await chat.say(person, f"signup {session_id}")
    return session_id


async def taken(chat: Chat, session_id: int) -> int:
    return (await rows(chat, select(TrainingSession.taken).where(TrainingSession.id == session_id)))[0][0]


async def test_signing_up_takes_a_seat_and_tells_the_trainer(chat: Chat, notifier: RecordingNotifier) -> None:
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, seats=5)
    reply = await chat.say("ana", f"signup {session_id}")
    assert "You're in: *SQL basics*, Tue 1 Dec 2026, 14:00 (UTC)" in reply.text and not reply.public
    assert await statuses(chat, session_id) == {"ana": "confirmed"}
    assert await taken(chat, session_id) == 1
    assert notifier.dms_to("tara") == ["<@ana> signed up for *SQL basics* (1 of 5 seats)."]


async def test_a_full_session_queues_people_in_the_order_they_came(
    chat: Chat, full_session: int, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    for place, person in enumerate(("cem", "dan", "eva"), start=1):
        clock.advance(minutes=1)
        reply = await chat.say(person, f"signup {full_session}")
        assert f"number {place} on the waitlist" in reply.text
    assert await taken(chat, full_session) == 2
    assert (await statuses(chat, full_session))["eva"] == "waitlisted"
    assert notifier.dms_to("tara")[-1] == "<@eva> joined the waitlist for *SQL basics* (number 3)."


async def test_signing_up_twice_records_once(chat: Chat, full_session: int) -> None:
    assert "already signed up" in (await chat.say("ana", f"signup {full_session}")).text
    await chat.say("cem", f"signup {full_session}")
    again = await chat.say("cem", f"signup {full_session}")
    assert "already on the waitlist for *SQL basics* (number 1)" in again.text
    enrolled = await rows(chat, select(Enrollment.id).where(Enrollment.session_id == full_session))
    assert len(enrolled) == 3
    assert await taken(chat, full_session) == 2


async def test_a_freed_seat_goes_to_the_head_of_the_waitlist(
    chat: Chat, full_session: int, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    for person in ("cem", "dan"):
        clock.advance(minutes=1)
        await chat.say(person, f"signup {full_session}")
    reply = await chat.say("ana", f"cancel {full_session}")
    assert "given up your seat" in reply.text
    assert await statuses(chat, full_session) == {
        "ana": "cancelled", "ben": "confirmed", "cem": "confirmed", "dan": "waitlisted"
    }
    assert await taken(chat, full_session) == 2
    (told,) = notifier.dms_to("cem")
    assert told.startswith("Good news — a seat opened up and it's yours: *SQL basics*")
    assert notifier.dms_to("dan") == []
    assert notifier.dms_to("tara")[-1] == (
        "<@ana> gave up their seat in *SQL basics*; <@cem> from the waitlist has it now."
    )
    now_first = await chat.say("dan", f"signup {full_session}")
    assert "already on the waitlist for *SQL basics* (number 1)" in now_first.text


async def test_a_freed_seat_with_nobody_waiting_is_free_again(chat: Chat, full_session: int) -> None:
    await chat.say("ben", f"cancel {full_session}")
    assert await taken(chat, full_session) == 1
    assert "You're in" in (await chat.say("cem", f"signup {full_session}")).text
    assert await taken(chat, full_session) == 2


async def test_someone_who_cancelled_can_sign_up_again(chat: Chat, full_session: int) -> None:
    await chat.say("ana", f"cancel {full_session}")
    assert "You're in" in (await chat.say("ana", f"signup {full_session}")).text
    assert (await statuses(chat, full_session))["ana"] == "confirmed"
    assert len(await rows(chat, select(Enrollment.id).where(Enrollment.session_id == full_session))) == 2


async def test_leaving_the_waitlist_moves_everyone_behind_up(
    chat: Chat, full_session: int, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    for person in ("cem", "dan"):
        clock.advance(minutes=1)
        await chat.say(person, f"signup {full_session}")
    assert "left the waitlist" in (await chat.say("cem", f"cancel {full_session}")).text
    assert await taken(chat, full_session) == 2
    assert "(number 1)" in (await chat.say("dan", f"signup {full_session}")).text
    assert notifier.dms_to("tara")[-1] == "<@cem> left the waitlist for *SQL basics*."


async def test_cancel_without_a_seat_is_refused(chat: Chat, full_session: int) -> None:
    assert "not signed up" in (await chat.say("cem", f"cancel {full_session}")).text


async def test_sessions_that_are_over_or_your_own_take_no_sign_ups(
    chat: Chat, full_session: int, clock: FakeClock
) -> None:
    assert "You're the trainer" in (await chat.say("tara", f"signup {full_session}")).text
    logged = await schedule(chat, at="2026-11-20 10:00")
    assert "already started" in (await chat.say("ana", f"signup {logged}")).text
    clock.now = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)
    assert "already started" in (await chat.say("cem", f"signup {full_session}")).text
    assert "already started" in (await chat.say("ana", f"cancel {full_session}")).text
    assert (await statuses(chat, full_session))["ana"] == "confirmed"
    assert "can't find session 99" in (await chat.say("ana", "signup 99")).text
