"""``sessions mine``: my seats, my waitlist places with my position, and the sessions I run or must close."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakes import Chat, FakeClock
from tests.handlers.session_setup import make_trainer, schedule


async def test_a_learner_sees_seats_and_waitlist_places_with_position_and_buttons(
    chat: Chat, clock: FakeClock
) -> None:
    await make_trainer(chat, "tara")
    sql = await schedule(chat, title="SQL basics", seats=1)
    excel = await schedule(chat, title="Excel tricks", at="2026-11-30 10:00")
    for person in ("ben", "cem", "ana"):
        await chat.say(person, f"signup {sql}")
        clock.advance(minutes=1)
    await chat.say("ana", f"signup {excel}")
    await chat.say("tara", f"session edit {excel} where https://meet.example.com/excel")
    reply = await chat.say("ana", "sessions mine")
    assert reply.text == "You have 1 seat, 1 waitlist place."
    texts = [s.text for s in reply.sections]
    assert texts == ["*Your seats*", f"*Excel tricks* — session {excel}", "*On the waitlist*",
                     f"*SQL basics* — session {sql}, number 2 in the queue"]
    assert dict(reply.sections[1].fields)["Where"] == "https://meet.example.com/excel"
    assert [b.command for b in reply.sections[1].buttons] == [f"cancel {excel}"]
    assert [b.command for b in reply.sections[3].buttons] == [f"cancel {sql}"]
    assert (await chat.say("ana", "my sessions")).sections == reply.sections
    assert "no seats, waitlist places or sessions" in (await chat.say("zed", "sessions mine")).text


async def test_a_trainer_sees_sessions_to_run_and_those_waiting_to_be_closed(chat: Chat, clock: FakeClock) -> None:
    await make_trainer(chat, "tara")
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    held = await schedule(chat, title="Held this morning", at="2026-11-23 08:00")  # it started; nobody closed it
    ahead = await schedule(chat, title="Next week", at="2026-11-30 08:00")
    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    await schedule(chat, title="Logged", at="2026-11-20 08:00")  # already done: nothing to close
    reply = await chat.say("tara", "sessions mine")
    assert reply.text == "You have 1 session to run, 1 to close."
    assert [s.text for s in reply.sections] == ["*Sessions you run*", f"*Next week* — session {ahead}",
                                                "*Waiting to be closed*", f"*Held this morning* — session {held}"]
    assert [b.command for b in reply.sections[1].buttons] == [f"session show {ahead}", f"session edit {ahead}"]
    assert [b.command for b in reply.sections[3].buttons] == [f"session done {held}", f"session attend {held}"]
    assert "Usage:" in (await chat.say("tara", "my stuff")).text
