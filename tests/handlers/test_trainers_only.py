"""Trainers-only sessions (`session new … for trainers`): stored, shown, and only trainers take a seat."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from handlers.grammar import SessionNew, parse
from handlers.workload import session_text
from storage.models import Enrollment, TopicRequest, TrainingSession
from tests.fakes import Chat, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows


async def test_a_session_for_trainers_is_stored_and_says_so_on_its_card_and_in_the_listing(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    reply = await chat.say("tara", 'session new "Giving feedback" 2026-12-01 14:00 60m 8 #feedback for trainers')
    [(session,)] = await rows(chat, select(TrainingSession))
    assert (session.trainers_only, session.topic, session.seats) == (True, "feedback", 8)
    assert reply.public and reply.text == "<@tara> scheduled a new session for trainers."
    assert dict(reply.sections[0].fields)["Who"] == "Trainers only"

    await chat.say("tara", 'session new "SQL basics" 2026-12-02 14:00 60m 8')
    listed = await chat.say("ana", "sessions")
    titles = [s.text for s in listed.sections]
    assert titles == [f"*Giving feedback* — session {session.id} · #feedback · trainers only",
                      f"*SQL basics* — session {session.id + 1}"]
    shown = await chat.say("ana", f"session show {session.id}")
    assert dict(shown.sections[0].fields)["Who"] == "Trainers only"
    assert "Who" not in dict((await chat.say("ana", f"session show {session.id + 1}")).sections[0].fields)


async def test_only_trainers_sign_up_and_everyone_else_hears_why(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    await make_trainer(chat, "olly", status="onboarding")
    await make_trainer(chat, "pat", status="paused")
    reply = await chat.say("tara", 'session new "Handling conflict" 2026-12-01 14:00 60m 8 for trainers')
    session_id = int(reply.sections[0].text.rsplit(" ", 1)[1])

    refused = await chat.say("ana", f"signup {session_id}")
    assert not refused.public
    assert refused.text.startswith("*Handling conflict* is for trainers only")
    assert "`volunteer <topic>` makes you a trainer" in refused.text
    paused = await chat.say("pat", f"signup {session_id}")
    assert "your trainer profile is paused. `volunteer resume`" in paused.text
    assert "You're in" in (await chat.say("olly", f"signup {session_id}")).text

    seated = await rows(chat, select(Enrollment.status))
    assert seated == [("confirmed",)]


async def test_edit_opens_a_session_to_everyone_and_back(chat: Chat, notifier: RecordingNotifier) -> None:
    await make_trainer(chat, "tara")
    await chat.say("tara", 'session new "SQL for all" 2026-12-01 14:00 60m 8')
    [(session_id,)] = await rows(chat, select(TrainingSession.id))
    await chat.say("ana", f"signup {session_id}")

    closed = await chat.say("tara", f"session edit {session_id} for trainers")
    assert "for everyone → trainers" in closed.text
    assert "People who signed up before keep their seats" in closed.text
    assert "for trainers only" in (await chat.say("ben", f"signup {session_id}")).text
    assert not [t for t in notifier.dms_to("ana") if "has changed" in t], "no news for those already seated"

    renamed = await chat.say("tara", f"session edit {session_id} title SQL for all of us")
    assert "title SQL for all → SQL for all of us" in renamed.text, "a title may say `for`"
    opened = await chat.say("tara", f"session edit {session_id} for everyone")
    assert "for trainers → everyone" in opened.text
    assert "You're in" in (await chat.say("ben", f"signup {session_id}")).text
    [(stored,)] = await rows(chat, select(TrainingSession.trainers_only))
    assert stored is False


async def test_a_session_for_trainers_leaves_employees_requests_open(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    await chat.say("ana", "request sql")
    reply = await chat.say("tara", 'session new "SQL for trainers" 2026-12-01 14:00 60m 8 #sql for trainers')
    assert "asked for" not in reply.text
    assert await rows(chat, select(TopicRequest.status)) == [("open",)]


def test_the_schedule_anyway_button_keeps_the_session_for_trainers() -> None:
    text = session_text("Handling conflict", "2026-12-01", "14:00", 60, 8, "conflict", 3, trainers_only=True)
    assert parse(text + " confirm") == SessionNew("Handling conflict", date(2026, 12, 1), time(14, 0), 60, 8,
                                                  "conflict", 3, confirm=True, trainers_only=True)
