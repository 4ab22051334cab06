"""``session edit``: trainers and admins change a session; everyone signed up hears what matters, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Program, TrainingSession
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows, schedule, statuses


@pytest.fixture
async def tara(chat: Chat) -> str:
    await make_trainer(chat, "tara")
    return "tara"


async def stored(chat: Chat, session_id: int) -> TrainingSession:
    (row,) = await rows(chat, select(TrainingSession).where(TrainingSession.id == session_id))
    return row[0]


async def test_a_new_time_length_and_place_reach_everyone_signed_up_once_with_old_and_new(
    chat: Chat, tara: str, notifier: RecordingNotifier
) -> None:
    session_id = await schedule(chat, seats=1)
    await chat.say("ana", f"signup {session_id}")
    await chat.say("ben", f"signup {session_id}")
    notifier.told.clear()
    reply = await chat.say("tara", f"session edit {session_id} when 2026-12-02 15:30 length 90m "
                                   "where Room 4, second floor")
    row = await stored(chat, session_id)
    assert row.starts_at == datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    assert (row.duration_minutes, row.location, row.moves) == (90, "Room 4, second floor", 1)
    assert "I told the 2 people signed up or waiting." in reply.text
    assert "when Tue 1 Dec 2026, 14:00 (UTC) → Wed 2 Dec 2026, 15:30 (UTC)" in reply.text
    assert dict(reply.sections[0].fields)["Where"] == "Room 4, second floor"
    for person in ("ana", "ben"):
        (told,) = notifier.dms_to(person)
        assert "• when: Tue 1 Dec 2026, 14:00 (UTC) → Wed 2 Dec 2026, 15:30 (UTC)" in told
        assert "• length: 60 min → 90 min" in told and "• where: not set → Room 4, second floor" in told
    assert notifier.dms_to("tara") == []
    notifier.told.clear()
    again = await chat.say("tara", f"session edit {session_id} length 90m")
    assert "nothing changed" in again.text and notifier.told == []


async def test_each_person_reads_the_change_in_their_own_time_zone(core, tara: str, notifier) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(core, timezones={"ana": "Asia/Tokyo"})
    session_id = await schedule(chat)
    await chat.say("ana", f"signup {session_id}")
    await chat.say("tara", f"session edit {session_id} when 2026-12-01 16:00")
    (told,) = notifier.dms_to("ana")
    assert "Tue 1 Dec 2026, 23:00 (Asia/Tokyo) → Wed 2 Dec 2026, 01:00 (Asia/Tokyo)" in told


async def test_a_title_or_topic_change_tells_nobody(chat: Chat, tara: str, notifier: RecordingNotifier) -> None:
    session_id = await schedule(chat)
    await chat.say("ana", f"signup {session_id}")
    notifier.told.clear()
    reply = await chat.say("tara", f'session edit {session_id} title "SQL joins" topic Data Modelling')
    row = await stored(chat, session_id)
    assert (row.title, row.topic, row.moves) == ("SQL joins", "data-modelling", 0)
    assert "told" not in reply.text and notifier.told == []


async def test_more_seats_promote_the_waitlist_first_come_first_served(
    chat: Chat, tara: str, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    session_id = await schedule(chat, seats=1)
    for person in ("ana", "ben", "cem", "dan"):
        await chat.say(person, f"signup {session_id}")
        clock.advance(minutes=1)
    notifier.told.clear()
    reply = await chat.say("tara", f"session edit {session_id} seats 3")
    assert await statuses(chat, session_id) == {"ana": "confirmed", "ben": "confirmed", "cem": "confirmed",
                                                "dan": "waitlisted"}
    assert (await stored(chat, session_id)).taken == 3
    assert "<@ben> and <@cem> moved up from the waitlist" in reply.text
    assert "a seat opened up and it's yours" in notifier.dms_to("ben")[0]
    assert "a seat opened up and it's yours" in notifier.dms_to("cem")[0]
    assert notifier.dms_to("dan") == [] and notifier.dms_to("ana") == []


async def test_fewer_seats_than_people_confirmed_is_refused_with_the_reason(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat, seats=3)
    await chat.say("ana", f"signup {session_id}")
    await chat.say("ben", f"signup {session_id}")
    reply = await chat.say("tara", f"session edit {session_id} seats 1")
    assert "has 2 people confirmed, so it needs at least 2 seats" in reply.text and not reply.public
    assert (await stored(chat, session_id)).seats == 3
    await chat.say("tara", f"session edit {session_id} seats 2")
    assert (await stored(chat, session_id)).seats == 2


async def test_a_past_time_or_one_the_clocks_skip_is_refused(core, tara: str) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(core, timezones={"tara": "Europe/Berlin"})
    session_id = await schedule(chat, at="2027-03-20 10:00")
    past = await chat.say("tara", f"session edit {session_id} when 2026-11-20 10:00")
    assert "has already passed" in past.text
    skipped = await chat.say("tara", f"session edit {session_id} when 2027-03-28 02:30")
    assert "doesn't exist" in skipped.text and "clocks jump forward" in skipped.text
    assert (await stored(chat, session_id)).starts_at == datetime(2027, 3, 20, 9, 0, tzinfo=UTC)


async def test_only_the_trainer_and_admins_edit(chat: Chat, tara: str, notifier: RecordingNotifier) -> None:
    session_id = await schedule(chat)
    refused = await chat.say("ana", f"session edit {session_id} seats 9")
    assert "Only the trainer" in refused.text
    await make_trainer(chat, "tom")
    assert "Only the trainer" in (await chat.say("tom", f"session edit {session_id} seats 9")).text
    assert (await stored(chat, session_id)).seats == 5
    await chat.say("root", f"session edit {session_id} seats 9")
    assert (await stored(chat, session_id)).seats == 9
    assert notifier.dms_to("tara") == ["<@root> changed your session *SQL basics*: seats 5 → 9."]


async def test_a_session_held_or_cancelled_keeps_its_time_and_seats(chat: Chat, tara: str, clock: FakeClock) -> None:
    logged = await schedule(chat, at="2026-11-20 10:00")
    refused = await chat.say("tara", f"session edit {logged} seats 9")
    assert "already taken place" in refused.text
    fixed = await chat.say("tara", f"session edit {logged} topic sql")
    assert "Changed" in fixed.text and (await stored(chat, logged)).topic == "sql"
    gone = await schedule(chat)
    await chat.say("tara", f"session cancel {gone}")
    assert "was cancelled" in (await chat.say("tara", f"session edit {gone} title Again")).text


async def test_typed_without_changes_it_shows_how_to_edit(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat)
    reply = await chat.say("tara", f"session edit {session_id}")
    assert f"`session edit {session_id} where <place or link>`" in reply.sections[1].text
    assert "Only the trainer" in (await chat.say("ana", f"session edit {session_id}")).text


async def test_bad_edits_get_usage_and_change_nothing(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat)
    for text in (f"session edit {session_id} colour red", f"session edit {session_id} seats none",
                 f"session edit {session_id} when tomorrow", "session edit", f"session edit {session_id} where"):
        reply = await chat.say("tara", text)
        assert "Usage:" in reply.text and not reply.public
    assert "I can't find session 999" in (await chat.say("tara", "session edit 999 seats 3")).text
    row = await stored(chat, session_id)
    assert (row.seats, row.location, row.moves) == (5, None, 0)


async def test_the_card_offers_the_trainer_an_edit_button(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat)
    for person, offered in (("tara", True), ("root", True), ("ana", False)):
        buttons = (await chat.say(person, f"session show {session_id}")).buttons
        assert (f"session edit {session_id}" in [b.command for b in buttons]) is offered


async def test_a_session_is_tied_to_a_program_of_this_community_only(chat: Chat, tara: str) -> None:
    session_id = await schedule(chat)
    await chat.say("tara", 'program new "Three steps of safety" #safety')
    [(program_id,)] = await rows(chat, select(Program.id))
    unknown = await chat.say("tara", f"session edit {session_id} program 999")
    assert "999" in unknown.text and (await stored(chat, session_id)).program_id is None
    done = await chat.say("tara", f"session edit {session_id} program {program_id}")
    assert f"program none → {program_id}" in done.text
    assert (await stored(chat, session_id)).program_id == program_id
    assert "Three steps of safety" in dict(done.sections[0].fields)["Program"]
