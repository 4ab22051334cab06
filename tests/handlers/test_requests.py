"""Topic requests: asking, joining with +1 once, trainers told once at the threshold, answered by a session."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.models import RequestSupporter, TopicRequest
from tests.fakes import Chat, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows


async def volunteer(chat: Chat, user_id: str, topics: str) -> None:
    await make_trainer(chat, user_id)
    await chat.say(user_id, f"volunteer {topics}")


async def test_anyone_asks_for_a_topic_and_the_card_offers_plus_one(chat: Chat) -> None:
    reply = await chat.say("ana", "request Public speaking: I present to clients every week")
    assert reply.public and "<@ana> asked for a session on *public-speaking*" in reply.text
    [card] = reply.sections
    assert dict(card.fields) == {"Asked by": "<@ana>", "People who want it": "1",
                                 "Why": "I present to clients every week"}
    assert [(b.label, b.command) for b in card.buttons] == [("+1", "request public-speaking")]
    [(request,)] = await rows(chat, select(TopicRequest))
    assert (request.topic, request.status, request.reason) == ("public-speaking", "open", card.fields[2][1])


async def test_each_person_counts_once_and_the_trainers_hear_once_at_the_threshold(
    chat: Chat, notifier: RecordingNotifier
) -> None:
    await volunteer(chat, "tara", "public speaking")
    await volunteer(chat, "tom", "sql")
    await make_trainer(chat, "pat", status="paused")
    await chat.say("pat", "volunteer public speaking")
    await chat.say("ana", "request public speaking: for client demos")
    again = await chat.say("ana", "request public speaking")
    assert "already behind this request" in again.text and not again.public
    joined = await chat.say("ben", "request public speaking: me too")
    assert joined.text.startswith("Added you — 2 people want a session on *public-speaking*.")
    assert notifier.told == []
    third = await chat.say("cara", "request PUBLIC SPEAKING")
    assert "tell the 1 trainer of this topic" in third.text
    [told] = notifier.dms_to("tara")
    assert told.startswith("3 people asked for a session on *public-speaking*") and "for client demos" in told
    await chat.say("dan", "request public speaking")
    await chat.say("cara", "request public speaking")
    assert len(notifier.dms_to("tara")) == 1 and notifier.dms_to("tom") == notifier.dms_to("pat") == []
    assert len(await rows(chat, select(RequestSupporter.member_id))) == 4
    assert len(await rows(chat, select(TopicRequest.id))) == 1


async def test_concurrent_plus_ones_count_each_person_and_tell_the_trainers_once(
    chat: Chat, notifier: RecordingNotifier
) -> None:
    await volunteer(chat, "tara", "sql")
    await chat.say("ana", "request sql")
    people = ["ben", "cara", "dan", "eve", "fay"]
    await asyncio.gather(*(chat.say(p, "request sql") for p in people))
    assert len(await rows(chat, select(RequestSupporter.member_id))) == 6
    assert len(notifier.dms_to("tara")) == 1


async def test_a_session_on_the_topic_answers_the_request_and_everyone_who_asked_hears(
    chat: Chat, notifier: RecordingNotifier
) -> None:
    await volunteer(chat, "tara", "sql")
    for person in ("ana", "ben", "cara"):
        await chat.say(person, "request sql: joins confuse me")
    notifier.told.clear()
    await chat.say("tara", 'session new "Old SQL" 2026-11-20 10:00 60m 5 #sql')  # logged, not an answer
    assert [to.user_id for to, _ in notifier.told if to.user_id != "tara"] == []
    reply = await chat.say("tara", 'session new "SQL joins" 2026-12-01 14:00 60m 10 #sql')
    assert "I told the 3 people who asked for *sql*" in reply.text
    [(request,)] = await rows(chat, select(TopicRequest))
    assert (request.status, request.open_topic, request.session_id) == ("scheduled", None, 2)
    for person in ("ana", "ben", "cara"):
        [told] = [r for to, r in notifier.told if to.user_id == person]
        assert "you asked for a session on *sql*" in told.text and "Tue 1 Dec 2026, 14:00" in told.text
        assert [(b.label, b.command) for b in told.buttons] == [("Sign up", "signup 2")]
    listed = await chat.say("ana", "requests")
    assert "No open requests" in listed.text
    fresh = await chat.say("ana", "request sql: advanced window functions")
    assert fresh.public, "once answered, a new request on the topic starts afresh"
    assert len(await rows(chat, select(TopicRequest.id))) == 2


async def test_a_session_edited_onto_the_topic_answers_the_request_too(chat: Chat, notifier: RecordingNotifier) -> None:
    await volunteer(chat, "tara", "sql")
    for person in ("ana", "ben"):
        await chat.say(person, "request public speaking: I present to clients")
    await chat.say("tara", 'session new "Talks that land" 2026-12-01 14:00 60m 10 #sql')
    notifier.told.clear()
    reply = await chat.say("tara", "session edit 1 topic public speaking")
    assert "I told the 2 people who asked for *public-speaking*" in reply.text
    [(status, session_id)] = await rows(chat, select(TopicRequest.status, TopicRequest.session_id))
    assert (status, session_id) == ("scheduled", 1)
    for person in ("ana", "ben"):
        [told] = [r for to, r in notifier.told if to.user_id == person]
        assert "you asked for a session on *public-speaking*" in told.text
        assert [b.command for b in told.buttons] == ["signup 1"]
    again = await chat.say("tara", "session edit 1 topic sql")
    assert "asked for" not in again.text


async def test_requests_lists_open_ones_most_wanted_first(chat: Chat) -> None:
    await chat.say("ana", "request excel")
    for person in ("ana", "ben", "cara"):
        await chat.say(person, "request sql")
    await chat.say("dan", "request python")
    await chat.say("eve", "request python")
    reply = await chat.say("ben", "requests")
    assert reply.text == "3 open requests, most wanted first."
    assert [s.text.split(" — ")[0] for s in reply.sections] == ["*sql*", "*python*", "*excel*"]
    assert [dict(s.fields)["People who want it"] for s in reply.sections] == ["3", "2", "1"]
    only = await chat.say("ben", "requests Python")
    assert only.text == "1 open request on python, most wanted first."


async def test_bad_requests_get_usage(chat: Chat) -> None:
    for text in ("request", "request : why", "request " + "x" * 70):
        reply = await chat.say("ana", text)
        assert "Usage: `request <topic>[: why]`" in reply.text, text
    assert await rows(chat, select(TopicRequest.id)) == []


async def test_admins_set_the_threshold(chat: Chat, notifier: RecordingNotifier) -> None:
    await volunteer(chat, "tara", "sql")
    reply = await chat.say("root", "admin set request-threshold 2")
    assert reply.text == "A topic request's trainers are told once 2 people have asked for it."
    assert "Request threshold" in str((await chat.say("root", "admin show")).sections)
    await chat.say("ana", "request sql")
    assert notifier.dms_to("tara") == []
    await chat.say("ben", "request sql")
    assert len(notifier.dms_to("tara")) == 1
    assert "Only Guild admins" in (await chat.say("ana", "admin set request-threshold 9")).text
