"""Programs: co-authored curricula whose sessions add up, refreshed with a history, named in `me` and the roundup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.roundup import weekly_roundup
from storage import members
from storage.models import Program, ProgramAuthor, ProgramEvent, TrainingSession
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows, schedule


def fields(reply) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(reply.sections[0].fields)


async def test_a_trainer_starts_a_program_and_is_its_first_author(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    reply = await chat.say("tara", 'program new "Three steps of safety" #Safety')
    assert reply.public and "started a new program" in reply.text
    [(program,)] = await rows(chat, select(Program))
    assert (program.title, program.topic, program.refreshed_at) == ("Three steps of safety", "safety", None)
    assert [b.command for b in reply.buttons] == [f"session new program {program.id}", f"program show {program.id}"]
    assert fields(reply)["Authors"] == "<@tara>"
    assert await rows(chat, select(ProgramEvent.kind)) == [("created",)]


async def test_only_trainers_and_admins_start_programs(chat: Chat) -> None:
    reply = await chat.say("ana", 'program new "Excel tricks"')
    assert not reply.public and "trainers" in reply.text
    assert await rows(chat, select(Program.id)) == []
    reply = await chat.say("root", 'program new "Onboarding for trainers"')  # an admin who is no trainer
    assert reply.public and fields(reply)["Authors"] == "none yet"
    assert await rows(chat, select(ProgramAuthor.member_id)) == []


async def test_co_authors_must_be_trainers_and_are_told(chat: Chat, notifier: RecordingNotifier) -> None:
    await make_trainer(chat, "tara")
    await make_trainer(chat, "tom")
    await chat.say("tara", 'program new "Safety basics" #safety')
    refused = await chat.say("tara", "program authors 1 @tom @ana")
    assert "<@ana>: co-authors are trainers" in refused.text
    assert len(await rows(chat, select(ProgramAuthor.member_id))) == 1, "nothing is written when one is refused"
    assert notifier.told == []

    reply = await chat.say("tara", "program authors 1 @tom")
    assert reply.text == "<@tom> now co-author *Safety basics*."
    [told] = notifier.dms_to("tom")
    assert "added you as a co-author of *Safety basics*" in told
    again = await chat.say("tara", "program authors 1 @tom")
    assert "already co-author" in again.text and len(notifier.dms_to("tom")) == 1
    show = await chat.say("ana", "program show 1")
    assert fields(show)["Authors"] == "<@tara> and <@tom>"
    assert "only the authors" in (await chat.say("ana", "program authors 1 @ana")).text.lower()


async def test_links_and_refreshes_are_for_authors_and_admins_and_kept_in_the_history(
    chat: Chat, clock: FakeClock
) -> None:
    await make_trainer(chat, "tara")
    await chat.say("tara", 'program new "Safety basics" #safety')
    assert "Only the authors" in (await chat.say("ana", "program link 1 https://wiki.example.com/safety")).text
    await chat.say("tara", "program link 1 <https://wiki.example.com/safety|wiki>")
    clock.advance(days=30)
    reply = await chat.say("tara", "program refreshed 1 new videos and a fresh case")
    assert "Recorded a refresh" in reply.text and "23 Dec 2027" in reply.text
    clock.advance(days=1)
    await chat.say("root", "program refreshed 1")
    [(program,)] = await rows(chat, select(Program))
    assert program.materials_url == "https://wiki.example.com/safety"
    assert program.refreshed_at == clock.now
    history = await rows(chat, select(ProgramEvent.kind, ProgramEvent.note).order_by(ProgramEvent.id))
    assert history == [("created", None), ("refreshed", "new videos and a fresh case"), ("refreshed", None)]
    show = fields(await chat.say("ana", "program show 1"))
    assert show["Materials"] == "https://wiki.example.com/safety"
    assert show["Last refresh"] == "24 Dec 2026"
    clock.advance(days=1)
    await chat.say("tara", "program refreshed 1 shorter intro")
    assert fields(await chat.say("ana", "program show 1"))["Last refresh"] == "25 Dec 2026 — shorter intro"


async def test_sessions_that_run_a_program_add_up_to_it(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    await make_trainer(chat, "tom")
    await chat.say("tara", 'program new "Safety basics" #safety')
    await chat.say("tara", 'session new "Safety basics" 2026-11-20 10:00 60m 5 program 1')  # logged: session 1
    await chat.say("tara", "session attend 1 @ana @ben")
    await chat.say("ana", "feedback 1 5")
    await chat.say("ben", "feedback 1 4")
    await chat.say("tom", 'session new "Safety for new starters" 2026-11-21 10:00 60m 5 program 1')  # session 2
    await chat.say("tom", "session attend 2 @cara")
    await chat.say("cara", "feedback 2 3")
    unrelated = await schedule(chat, "tara", title="Unrelated", at="2026-11-19 10:00")
    await chat.say("tara", f"session attend {unrelated} @dan")
    upcoming = await chat.say("tom", 'session new "Safety again" 2026-12-02 10:00 60m 5 program 1')
    assert dict(upcoming.sections[0].fields)["Program"] == "Safety basics (program 1)"
    shown = fields(await chat.say("ana", "program show 1"))
    assert (shown["Sessions delivered"], shown["Learners reached"]) == ("2", "3")
    assert shown["Average rating"] == "4.0 / 5 from 3 ratings"
    topics = await rows(chat, select(TrainingSession.topic).where(TrainingSession.program_id == 1))
    assert [t for (t,) in topics] == ["safety"] * 3, "a session of a program takes its topic"
    show = await chat.say("tom", "session show 2")
    assert dict(show.sections[0].fields)["Program"] == "Safety basics (program 1)"


async def test_a_session_for_a_program_elsewhere_is_not_found(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    reply = await chat.say("tara", 'session new "Ghost" 2026-12-02 10:00 60m 5 program 9')
    assert "can't find program 9" in reply.text
    assert await rows(chat, select(TrainingSession.id)) == []


async def test_the_schedule_button_explains_the_command_with_the_program_filled_in(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    await chat.say("tara", 'program new "Safety basics" #safety')
    reply = await chat.say("tara", "session new program 1")
    assert 'session new "Safety basics" <YYYY-MM-DD> <HH:MM> <minutes>m <seats> #safety program 1' in reply.text


async def test_programs_lists_them_by_topic(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    await chat.say("tara", 'program new "Safety basics" #safety')
    await chat.say("tara", 'program new "SQL joins" #sql')
    reply = await chat.say("ana", "programs safety")
    assert reply.text == "1 program on safety."
    assert [s.text for s in reply.sections] == ["*Safety basics* — program 1 · #safety"]
    assert (await chat.say("ana", "programs")).text == "2 programs."
    assert "No programs on excel" in (await chat.say("ana", "programs excel")).text


async def test_me_lists_a_trainers_programs(chat: Chat) -> None:
    await make_trainer(chat, "tara")
    await chat.say("tara", 'program new "Safety basics" #safety')
    reply = await chat.say("tara", "me")
    assert "*Programs you co-author*\n• *Safety basics* — program 1 · #safety" in [s.text for s in reply.sections]


async def test_the_roundup_names_programs_created_or_refreshed_that_week_with_their_authors(
    chat: Chat, clock: FakeClock
) -> None:
    await make_trainer(chat, "tara")
    await make_trainer(chat, "tom")
    await chat.say("tara", 'program new "Safety basics" #safety')
    await chat.say("tara", "program authors 1 @tom")
    clock.advance(days=8)
    await chat.say("tom", 'program new "SQL joins" #sql')
    await chat.say("tara", "program refreshed 1 new videos")
    start = datetime(2026, 11, 30, tzinfo=UTC)
    async with chat.core.uow() as uow:
        community = await members.community(uow.session, "console", "test-community")
        reply = await weekly_roundup(uow.session, community, start, start + timedelta(weeks=1), ZoneInfo("UTC"))
        earlier = await weekly_roundup(uow.session, community, start - timedelta(weeks=1), start, ZoneInfo("UTC"))
    assert reply is not None and earlier is not None
    [section] = [s.text for s in reply.sections if "Programs" in s.text]
    assert section == ("📚 *Programs*\n• New program *SQL joins* by <@tom>\n"
                       "• *Safety basics* refreshed by <@tara> and <@tom>: “new videos”")
    assert reply.names["tom"] == "Tom"
    assert any("New program *Safety basics* by <@tara> and <@tom>" in s.text for s in earlier.sections)


async def test_bad_program_commands_get_usage(chat: Chat) -> None:
    for text, expected in (("program", "isn't something I know"), ("program new", "title"),
                           ("program show x", "isn't a program number"), ("program link 1 ftp://x", "web address"),
                           ("program authors 1 ana", "Mention the co-authors"), ("program show 0", "program number")):
        reply = await chat.say("ana", text)
        assert expected in reply.text and "Usage:" in reply.text, text
    assert "can't find program 4" in (await chat.say("ana", "program show 4")).text


async def test_help_lists_the_new_commands(chat: Chat) -> None:
    overview = (await chat.say("ana", "help")).sections[0].text
    for word in ("program", "programs", "request", "requests"):
        assert f"• `{word}` — " in overview
    assert "program refreshed <id> [what changed]" in (await chat.say("ana", "help program")).text
