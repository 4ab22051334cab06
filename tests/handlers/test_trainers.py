"""``trainers [topic]``: the directory of trainers — topics, sessions delivered, learners, rating from 3 up."""

from __future__ import annotations

from datetime import timedelta

from tests.fakes import Chat, FakeClock
from tests.handlers.session_setup import make_trainer, schedule


async def deliver(chat: Chat, clock: FakeClock, trainer: str, attendees: list[str], ratings: list[int],
                  topic: str | None = None) -> int:
    """A session held yesterday, its attendees marked and their ratings given."""
    at = (clock.now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    session_id = await schedule(chat, trainer, at=at, topic=topic)
    if attendees:
        await chat.say(trainer, f"session attend {session_id} " + " ".join(f"@{p}" for p in attendees))
    for person, rating in zip(attendees, ratings, strict=False):
        await chat.say(person, f"feedback {session_id} {rating}")
    return session_id


async def test_the_directory_lists_active_trainers_with_their_figures(chat: Chat, clock: FakeClock) -> None:
    await make_trainer(chat, "tara")
    await make_trainer(chat, "tom")
    await make_trainer(chat, "olga", status="onboarding")
    await make_trainer(chat, "pat", status="paused")
    await chat.say("tara", "volunteer SQL, public speaking")
    await chat.say("tom", "volunteer excel")
    await deliver(chat, clock, "tara", ["ana", "ben", "cem"], [5, 4, 4])
    clock.now += timedelta(days=2)
    await deliver(chat, clock, "tara", ["ana"], [])
    await deliver(chat, clock, "tom", ["ana", "ben"], [5, 5])
    scheduled = await schedule(chat, "tom", at="2026-12-20 10:00")  # not delivered yet: not counted
    await chat.say("ana", f"signup {scheduled}")
    reply = await chat.say("ana", "trainers")
    assert reply.text == "3 trainers, most sessions delivered first."
    assert [s.text for s in reply.sections] == [
        "<@tara> — #public-speaking, #sql", "<@tom> — #excel", "<@olga> (onboarding) — no topics listed"]
    tara, tom, olga = (dict(s.fields) for s in reply.sections)
    assert tara == {"Sessions delivered": "2", "Learners": "4", "Rating": "4.3 / 5 from 3 ratings",
                    "Level": "Trainer"}
    assert tom == {"Sessions delivered": "1", "Learners": "2", "Rating": "not yet (2 of 3 ratings needed)",
                   "Level": "Trainer"}
    assert olga["Sessions delivered"] == "0" and "Level" not in olga


async def test_a_topic_finds_its_trainers_however_it_is_written(chat: Chat, clock: FakeClock) -> None:
    await make_trainer(chat, "tara")
    await make_trainer(chat, "tom")
    await make_trainer(chat, "uma")
    await chat.say("tara", "volunteer public speaking")
    await deliver(chat, clock, "tom", ["ana"], [], topic="Public_Speaking")
    await chat.say("uma", "volunteer excel")
    for typed in ("public speaking", "#Public-Speaking", "public_speaking"):
        reply = await chat.say("ana", f"trainers {typed}")
        assert reply.title == "Trainers on #public-speaking"
        assert sorted(s.text.split(" — ")[0] for s in reply.sections) == ["<@tara>", "<@tom>"]
    assert "No trainers on #cooking yet" in (await chat.say("ana", "trainers cooking")).text
