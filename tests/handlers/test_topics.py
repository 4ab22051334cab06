"""One topic, one slug: volunteering, sessions and their lists compare the same spelling."""

from __future__ import annotations

from sqlalchemy import select

from handlers import grammar
from handlers.tokens import slug
from storage.models import TrainerTopic, TrainingSession
from tests.fakes import Chat
from tests.handlers.session_setup import make_trainer, rows, schedule


def test_every_spelling_of_a_topic_is_one_slug() -> None:
    assert {slug(t) for t in ("public speaking", "#Public-Speaking", "public_speaking", "  Public   Speaking ",
                              "#public--speaking")} == {"public-speaking"}
    assert slug("#") == "" and slug("SQL") == "sql"


def test_a_multi_word_topic_after_a_hash_needs_its_hyphen() -> None:
    command = grammar.parse('session new "Feedback" 2026-12-01 10:00 60m 5 #feedback-skills')
    assert command.topic == "feedback-skills"
    try:
        grammar.parse('session new "Feedback" 2026-12-01 10:00 60m 5 #feedback skills')
    except grammar.UsageError as error:
        assert "join its words with hyphens, like `#feedback-skills`" in error.message
    else:
        raise AssertionError("a topic of two words after # was read")


async def test_volunteering_scheduling_and_listing_meet_on_the_slug(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    reply = await chat.say("tara", "volunteer public speaking, Public_Speaking, SQL")
    assert "public-speaking" in reply.text
    assert sorted(t for (t,) in await rows(chat, select(TrainerTopic.topic))) == ["public-speaking", "sql"]
    session_id = await schedule(chat, topic="Public-Speaking")
    assert await rows(chat, select(TrainingSession.topic)) == [("public-speaking",)]
    for typed in ("public speaking", "#public-speaking", "Public_Speaking"):
        listed = await chat.say("ana", f"sessions {typed}")
        assert [s.text for s in listed.sections] == [f"*SQL basics* — session {session_id} · #public-speaking"]
