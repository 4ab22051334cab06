"""`volunteer capacity <n>`: a trainer's own monthly cap; scheduling beyond it asks to confirm first."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import TrainerProfile, TrainingSession
from tests.fakes import Chat
from tests.handlers.session_setup import make_trainer, rows, schedule


async def test_scheduling_beyond_the_monthly_capacity_asks_to_confirm(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    reply = await chat.say("tara", "volunteer capacity 2")
    assert reply.text.startswith("Got it: at most 2 sessions a month.")
    assert await rows(chat, select(TrainerProfile.capacity)) == [(2,)]
    await schedule(chat, at="2026-12-01 14:00")
    await schedule(chat, title="SQL joins", at="2026-12-20 14:00")
    await schedule(chat, title="SQL in January", at="2027-01-05 14:00")  # another month

    asked = await chat.say("tara", 'session new "Window functions" 2026-12-28 10:00 90m 8 #sql')
    assert not asked.public and asked.title == "Over your monthly capacity"
    assert asked.text.startswith("You already have 2 sessions in December 2026, and your capacity is 2 a month")
    [button] = asked.buttons
    assert (button.label, button.command) == (
        "Schedule anyway", "session new 'Window functions' 2026-12-28 10:00 90m 8 #sql confirm")
    assert len(await rows(chat, select(TrainingSession.id))) == 3, "nothing scheduled before the confirmation"

    done = await chat.say("tara", button.command)
    assert done.public and "scheduled a new session" in done.text
    assert ("Window functions", "sql", 90) in await rows(
        chat, select(TrainingSession.title, TrainingSession.topic, TrainingSession.duration_minutes))

    assert (await chat.say("tara", "volunteer capacity none")).text == "No monthly cap on your sessions any more."
    await schedule(chat, title="One more", at="2026-12-29 10:00")
    assert len(await rows(chat, select(TrainingSession.id))) == 5


async def test_capacity_is_for_trainers_and_takes_a_number(chat: Chat) -> None:
    assert "for trainers" in (await chat.say("ana", "volunteer capacity 3")).text
    await make_trainer(chat, "tara")
    bad = await chat.say("tara", "volunteer capacity lots")
    assert not bad.public and "volunteer capacity" in bad.text
    assert await rows(chat, select(TrainerProfile.capacity)) == [(None,)]
