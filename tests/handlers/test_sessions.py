"""Sessions: scheduling, logging, listing, showing, cancelling, finishing, attendance and notes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.types import CommunityRef
from storage.models import OnboardingStep, SessionNote, TrainingSession
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows, schedule, statuses


@pytest.fixture
async def tara(chat: Chat) -> str:
    await make_trainer(chat, "tara")
    return "tara"


async def stored(chat: Chat, session_id: int) -> TrainingSession:
    (row,) = await rows(chat, select(TrainingSession).where(TrainingSession.id == session_id))
    return row[0]


async def test_a_trainer_schedules_a_session_in_their_own_time_zone(core, tara: str) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(core, timezones={"tara": "Europe/Paris"})
    reply = await chat.say("tara", 'session new "SQL basics" 2026-12-01 14:00 90m 8 #sql')
    session = (await rows(chat, select(TrainingSession)))[0][0]
    assert session.starts_at == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert (session.status, session.seats, session.duration_minutes, session.topic) == ("scheduled", 8, 90, "sql")
    assert reply.public
    card = reply.sections[0]
    assert f"session {session.id}" in card.text and "SQL basics" in card.text
    assert dict(card.fields) == {
        "When": "Tue 1 Dec 2026, 14:00 (Europe/Paris)",
        "Length": "90 min",
        "Trainer": "<@tara>",
        "Seats": "8",
        "Topic": "sql",
    }
    assert [b.command for b in reply.buttons] == [f"signup {session.id}", f"session show {session.id}"]


async def test_a_past_date_logs_a_session_that_already_happened(chat: Chat, tara: str, clock: FakeClock) -> None:
    session_id = await schedule(chat, at="2026-11-20 10:00")
    session = await stored(chat, session_id)
    assert (session.status, session.done_at) == ("done", clock.now)
    reply = await chat.say("tara", 'session new "Pivot tables" 2026-11-21 10:00 60m 5')
    assert not reply.public and "session attend" in reply.text
    steps = await rows(chat, select(OnboardingStep.step).order_by(OnboardingStep.step))
    assert steps == [("first-scheduled",), ("first-session",)]


async def test_only_trainers_schedule_sessions(chat: Chat) -> None:
    reply = await chat.say("ana", 'session new "SQL basics" 2026-12-01 14:00 60m 5')
    assert "volunteer" in reply.text and not reply.public
    await make_trainer(chat, "pat", status="paused")
    assert "paused" in (await chat.say("pat", 'session new "SQL basics" 2026-12-01 14:00 60m 5')).text
    assert await rows(chat, select(TrainingSession.id)) == []


async def test_a_trainer_in_onboarding_may_schedule(chat: Chat) -> None:
    await make_trainer(chat, "olga", status="onboarding")
    assert await schedule(chat, "olga")


async def test_dates_far_away_are_refused(chat: Chat, tara: str) -> None:
    reply = await chat.say("tara", 'session new "Someday" 2029-01-01 14:00 60m 5')
    assert "two years" in reply.text
    reply = await chat.say("tara", 'session new "Long ago" 2020-01-01 14:00 60m 5')
    assert "two years" in reply.text
    assert await rows(chat, select(TrainingSession.id)) == []


async def test_session_new_alone_explains_what_to_type(chat: Chat, tara: str) -> None:
    reply = await chat.say("tara", "session new")
    assert 'session new "<title>"' in reply.text


async def test_the_list_shows_upcoming_sessions_with_seats_and_buttons(chat: Chat, tara: str) -> None:
    sql = await schedule(chat, title="SQL basics", at="2026-12-01 14:00", seats=2, topic="sql")
    excel = await schedule(chat, title="Excel tricks", at="2026-11-30 10:00", seats=3, topic="excel")
    await schedule(chat, title="Old one", at="2026-11-20 10:00")
    for person in ("ana", "ben", "cem"):
        await chat.say(person, f"signup {sql}")
    reply = await chat.say("ana", "sessions")
    assert [s.text.split(" — ")[0] for s in reply.sections] == ["*Excel tricks*", "*SQL basics*"]
    excel_line, sql_line = reply.sections
    assert dict(sql_line.fields)["Seats"] == "0 of 2 left, 1 waiting"
    assert dict(excel_line.fields)["Seats"] == "3 of 3 left"
    assert dict(sql_line.fields)["Trainer"] == "<@tara>"
    assert [b.command for b in sql_line.buttons] == [f"cancel {sql}"]
    assert [b.command for b in excel_line.buttons] == [f"signup {excel}"]
    assert [b.command for b in (await chat.say("cem", "sessions")).sections[1].buttons] == [f"cancel {sql}"]
    assert [b.command for b in (await chat.say("dan", "sessions")).sections[1].buttons] == [f"signup {sql}"]
    topical = await chat.say("ana", "sessions #sql")
    assert [s.text for s in topical.sections] == [f"*SQL basics* — session {sql} · #sql"]
    assert "No upcoming sessions on cooking" in (await chat.say("ana", "sessions cooking")).text


async def test_the_list_shows_ten_and_counts_the_rest(chat: Chat, tara: str, clock: FakeClock) -> None:
    for day in range(1, 13):
        await schedule(chat, title=f"Day {day}", at=f"2026-12-{day:02d} 09:00")
    cancelled = await schedule(chat, title="Called off", at="2026-12-01 08:00")
    await chat.say("tara", f"session cancel {cancelled}")
    reply = await chat.say("ana", "sessions")
    assert len(reply.sections) == 10 and reply.more == 2
    assert reply.sections[0].text.startswith("*Day 1*")
    clock.now = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
    assert "No upcoming sessions" in (await chat.say("ana", "sessions")).text


async def test_show_gives_details_notes_and_the_right_buttons(chat: Chat, tara: str, clock: FakeClock) -> None:
    session_id = await schedule(chat, seats=1)
    await chat.say("ana", f"signup {session_id}")
    await chat.say("ben", f"signup {session_id}")
    await chat.say("tara", f"session notes {session_id} Bring a laptop with DBeaver installed")
    as_trainer = await chat.say("tara", f"session show {session_id}")
    details = as_trainer.sections[1].text
    assert "Seats taken: 1 of 1" in details and "Waitlist: 1" in details
    assert "Signed up: <@ana>" in details and "Waiting, in order: <@ben>" in details
    assert "Bring a laptop with DBeaver installed — <@tara>" in as_trainer.sections[2].text
    assert [(b.command, b.style) for b in as_trainer.buttons] == [
        (f"session edit {session_id}", None),
        (f"session notes {session_id}", None),
        (f"session cancel {session_id}", "danger"),
    ]
    clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert [(b.command, b.style) for b in (await chat.say("root", f"session show {session_id}")).buttons] == [
        (f"session done {session_id}", "primary"),
        (f"session attend {session_id}", None),
        (f"session notes {session_id}", None),
        (f"session cancel {session_id}", "danger"),
        (f"session feedback {session_id}", None),
    ]
    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    as_member = await chat.say("ben", f"session show {session_id}")
    assert "<@ana>" not in as_member.sections[1].text
    assert [b.command for b in as_member.buttons] == [f"cancel {session_id}"]
    assert [b.command for b in (await chat.say("cem", f"session show {session_id}")).buttons] == [
        f"signup {session_id}"
    ]
    clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    await chat.say("tara", f"session done {session_id}")
    assert [b.command for b in (await chat.say("tara", f"session show {session_id}")).buttons] == [
        f"session attend {session_id}",
        f"session notes {session_id}",
        f"session feedback {session_id}",
    ]


async def test_cancelling_a_session_tells_everyone_who_held_a_place(
    chat: Chat, tara: str, notifier: RecordingNotifier
) -> None:
    session_id = await schedule(chat, seats=1)
    await chat.say("ana", f"signup {session_id}")
    await chat.say("ben", f"signup {session_id}")
    await chat.say("cem", f"signup {session_id}")
    await chat.say("cem", f"cancel {session_id}")
    reply = await chat.say("tara", f"session cancel {session_id}")
    assert "told the 2 people" in reply.text
    session = await stored(chat, session_id)
    assert session.status == "cancelled" and session.cancelled_at is not None
    for person in ("ana", "ben"):
        assert notifier.dms_to(person) and "cancelled" in notifier.dms_to(person)[-1]
    assert not any("cancelled" in text for text in notifier.dms_to("cem"))
    assert "already cancelled" in (await chat.say("tara", f"session cancel {session_id}")).text
    assert "cancelled" in (await chat.say("dan", f"signup {session_id}")).text


async def test_done_counts_every_confirmed_person_when_nobody_was_marked(
    chat: Chat, tara: str, clock: FakeClock
) -> None:
    session_id = await schedule(chat, seats=2)
    for person in ("ana", "ben", "cem"):
        await chat.say(person, f"signup {session_id}")
    assert "hasn't started" in (await chat.say("tara", f"session done {session_id}")).text
    clock.now = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    reply = await chat.say("tara", f"session done {session_id}")
    assert f"I counted 2 people as attended; `session attend {session_id} @name` corrects it." in reply.text
    assert await statuses(chat, session_id) == {"ana": "attended", "ben": "attended", "cem": "cancelled"}
    session = await stored(chat, session_id)
    assert (session.status, session.done_at) == ("done", clock.now)
    assert ("first-session",) in await rows(chat, select(OnboardingStep.step))
    assert "already done" in (await chat.say("tara", f"session done {session_id}")).text


async def test_done_after_marking_attendance_makes_the_unmarked_no_shows(
    chat: Chat, tara: str, clock: FakeClock
) -> None:
    session_id = await schedule(chat, seats=3)
    for person in ("ana", "ben"):
        await chat.say(person, f"signup {session_id}")
    clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    reply = await chat.say("tara", f"session attend {session_id} @ana @walt")
    assert "<@ana>, <@walt>" in reply.text
    reply = await chat.say("tara", f"session done {session_id}")
    assert "I counted 2 people as attended and 1 no-show;" in reply.text
    assert await statuses(chat, session_id) == {"ana": "attended", "ben": "no_show", "walt": "attended"}


async def test_attend_without_names_offers_a_button_per_person_signed_up(
    chat: Chat, tara: str, clock: FakeClock
) -> None:
    session_id = await schedule(chat, seats=3)
    for person in ("ana", "ben", "cem"):
        await chat.say(person, f"signup {session_id}")
    clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    await chat.say("tara", f"session attend {session_id} @cem")

    offer = await chat.say("tara", f"session attend {session_id}")

    assert not offer.public and "Who came to *SQL basics*?" in offer.text
    assert "Attended so far: <@cem>." in offer.sections[0].text
    assert [b.command for b in offer.buttons] == [
        f"session attend {session_id} <@ana>",
        f"session attend {session_id} <@ben>",
        f"session attend {session_id} <@ana> <@ben>",
    ]
    await chat.say("tara", offer.buttons[0].command)
    assert await statuses(chat, session_id) == {"ana": "attended", "ben": "confirmed", "cem": "attended"}
    assert "Only the trainer of session" in (await chat.say("ben", f"session attend {session_id}")).text


async def test_a_time_skipped_by_the_clocks_going_forward_is_refused(chat: Chat, tara: str) -> None:
    await chat.say("root", "admin timezone Europe/Berlin")
    reply = await chat.say("tara", 'session new "Spring" 2027-03-28 02:30 60m 5')
    assert "02:30 doesn't exist on Sun 28 Mar 2027 in Europe/Berlin" in reply.text
    assert "scheduled" in (await chat.say("tara", 'session new "Spring" 2027-03-28 03:30 60m 5')).text


async def test_attendance_waits_for_the_session_to_start(chat: Chat, tara: str, clock: FakeClock) -> None:
    session_id = await schedule(chat, seats=1)
    await chat.say("ana", f"signup {session_id}")
    reply = await chat.say("tara", f"session attend {session_id} @ana @ben")
    assert "hasn't started yet" in reply.text
    assert await statuses(chat, session_id) == {"ana": "confirmed"}


async def test_attendance_of_a_logged_session_enrolls_the_people_who_came(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat, at="2026-11-20 10:00")
    await chat.say("tara", f"session attend {session_id} @ana @ben")
    await chat.say("tara", f"session attend {session_id} @ben")
    assert await statuses(chat, session_id) == {"ana": "attended", "ben": "attended"}
    assert (await stored(chat, session_id)).attendance_marked
    assert "trainer doesn't need marking" in (await chat.say("tara", f"session attend {session_id} @tara")).text


async def test_nobody_attends_a_cancelled_session(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat)
    await chat.say("tara", f"session cancel {session_id}")
    assert "cancelled" in (await chat.say("tara", f"session attend {session_id} @ana")).text
    assert await statuses(chat, session_id) == {}


async def test_only_the_trainer_or_an_admin_changes_a_session(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat)
    await make_trainer(chat, "otto")
    for command in (f"session cancel {session_id}", f"session attend {session_id} @ana",
                    f"session notes {session_id} Sneaky"):
        assert "Only the trainer" in (await chat.say("otto", command)).text
    assert await rows(chat, select(SessionNote.id)) == []
    assert (await stored(chat, session_id)).status == "scheduled"
    assert "Cancelled" in (await chat.say("root", f"session cancel {session_id}")).text
    assert (await stored(chat, session_id)).status == "cancelled"


async def test_another_community_cannot_see_or_touch_a_session(core, chat: Chat, tara: str) -> None:  # type: ignore[no-untyped-def]
    session_id = await schedule(chat)
    elsewhere = Chat(core, CommunityRef("console", "other-community", "Other Co"))
    await make_trainer(elsewhere, "tara")
    assert "No upcoming sessions" in (await elsewhere.say("ana", "sessions")).text
    for command in (f"session show {session_id}", f"signup {session_id}", f"session cancel {session_id}"):
        assert f"can't find session {session_id}" in (await elsewhere.say("tara", command)).text
    assert await statuses(chat, session_id) == {}
    assert (await stored(chat, session_id)).status == "scheduled"


async def test_an_unknown_session_is_not_found(chat: Chat) -> None:
    assert "can't find session 99" in (await chat.say("ana", "session show 99")).text


async def test_the_same_session_new_again_within_a_day_creates_nothing(
    chat: Chat, tara: str, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    first = await schedule(chat)
    clock.advance(hours=20)
    again = await chat.say("tara", 'session new "SQL basics" 2026-12-01 14:00 60m 5')
    assert not again.public
    assert again.text.startswith(f"*SQL basics* at Tue 1 Dec 2026, 14:00 (UTC) is already scheduled as session {first}")
    assert await rows(chat, select(TrainingSession.id)) == [(first,)]
    other_time = await schedule(chat, at="2026-12-01 16:00")  # another start, another session
    assert other_time != first
    await chat.say("tara", f"session cancel {first}")
    assert await schedule(chat) not in (first, other_time)  # a cancelled one does not block it


async def test_two_identical_session_new_at_once_create_one_session(chat: Chat, tara: str) -> None:
    text = 'session new "SQL basics" 2026-12-01 14:00 60m 5'
    replies = await asyncio.gather(*(chat.say("tara", text) for _ in range(2)))
    assert await rows(chat, select(TrainingSession.id)) == [(1,)]
    assert sorted(r.public for r in replies) == [False, True]
    assert any("already scheduled as session 1" in r.text for r in replies)


async def test_a_finished_session_shows_attended_no_shows_and_cancelled(
    chat: Chat, tara: str, clock: FakeClock
) -> None:
    session_id = await schedule(chat, seats=2)
    for person in ("ana", "ben", "cem"):
        await chat.say(person, f"signup {session_id}")
    clock.now = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    await chat.say("tara", f"session attend {session_id} @ana")
    await chat.say("tara", f"session done {session_id}")
    details = (await chat.say("tara", f"session show {session_id}")).sections[1].text
    assert "Attended: 1 · No-shows: 1 · Cancelled: 1" in details
    assert "Confirmed" not in details and " 0 " not in details


async def test_nobody_to_tell_or_count_is_said_in_words(chat: Chat, tara: str, clock: FakeClock) -> None:
    empty = await schedule(chat)
    assert (await chat.say("tara", f"session cancel {empty}")).text.endswith(
        "Nobody had a seat or was waiting, so there was no one to tell.")
    unattended = await schedule(chat, at="2026-12-02 14:00")
    clock.now = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    reply = await chat.say("tara", f"session done {unattended}")
    assert "Nobody had a seat, so nobody is counted as attended" in reply.text and "0" not in reply.text
    lone = await schedule(chat, at="2026-12-09 14:00")
    await chat.say("ana", f"signup {lone}")
    assert "I told the 1 person who had a seat" in (await chat.say("tara", f"session cancel {lone}")).text
