"""Career levels through the core: the ladder in `help levels`, progress in `me`, `admin level`, `trainers`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import Member, TrainerProfile
from tests.fakes import Chat, RecordingNotifier
from tests.handlers.session_setup import rows
from tests.scheduler.seed import Seed

LONG_AGO = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


async def seeded_trainer(uow, sessions: int, ratings: list[int]) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community()
    await seed.volunteer("tara", LONG_AGO, status="active", onboarded_at=LONG_AGO)
    for n in range(sessions):
        session_id = await seed.session("tara", LONG_AGO + timedelta(days=n), attended=[f"l{n}"])
        if n < len(ratings):
            await seed.feedback(session_id, f"l{n}", ratings[n], LONG_AGO + timedelta(days=n, hours=2))
    return seed


def field(reply, name: str) -> str:  # type: ignore[no-untyped-def]
    return {k: v for s in reply.sections for k, v in s.fields}[name]


async def test_help_levels_shows_the_ladder(chat: Chat) -> None:
    reply = await chat.say("ana", "help levels")
    assert "*Senior trainer* — ≥ 10 sessions delivered, an average rating of ≥ 4.0 from ≥ 10 ratings" in reply.text
    assert "*Lead trainer*" in reply.text and "≥ 2 new trainers mentored" in reply.text
    assert "help levels" in (await chat.say("ana", "help")).sections[0].text


async def test_me_shows_the_level_and_progress_to_the_next(chat: Chat, uow) -> None:  # type: ignore[no-untyped-def]
    await seeded_trainer(uow, 7, [5, 5, 4, 4, 5, 4, 4, 5, 4, 4])  # 7 sessions, 7 ratings
    reply = await chat.say("tara", "me")
    assert field(reply, "Level") == "Trainer"
    assert field(reply, "Towards Senior trainer") == "7 of 10 sessions · 7 of 10 ratings · 0 of 1 programs"


async def test_me_ticks_what_is_met(chat: Chat, uow) -> None:  # type: ignore[no-untyped-def]
    await seeded_trainer(uow, 11, [5, 5, 4, 4, 5, 4, 4, 5, 4, 4, 4])  # 48 / 11 = 4.36
    reply = await chat.say("tara", "me")
    assert field(reply, "Towards Senior trainer") == "10 of 10 sessions ✓ · rating 4.4 ✓ · 0 of 1 programs"
    await chat.say("tara", 'program new "Safety basics" #safety')
    reply = await chat.say("tara", "me")
    assert field(reply, "Level") == "Senior trainer"
    assert field(reply, "Towards Lead trainer") == (
        "11 of 30 sessions · 1 of 2 programs co-authored or refreshed · 0 of 2 trainers mentored")


async def test_admins_set_a_level_by_hand_and_who_did_it_is_recorded(
    chat: Chat, uow, notifier: RecordingNotifier  # type: ignore[no-untyped-def]
) -> None:
    await seeded_trainer(uow, 1, [])
    refused = await chat.say("ana", "admin level @tara senior")
    assert "admin" in refused.text.lower()
    assert "isn't a level" in (await chat.say("root", "admin level @tara guru")).text
    reply = await chat.say("root", "admin level @tara lead")
    assert reply.text == "<@tara> is now a *Lead trainer* (set by <@root>)."
    [(level, by)] = await rows(chat, select(TrainerProfile.level, Member.user_id)
                               .join(Member, Member.id == TrainerProfile.level_set_by_id))
    assert (level, by) == ("lead", "root")
    assert "*Lead trainer*" in notifier.dms_to("tara")[0]
    assert field(await chat.say("tara", "me"), "Level") == "Lead trainer (set by an admin)"
    directory = await chat.say("ana", "trainers")
    assert field(directory, "Level") == "Lead trainer"
    back = await chat.say("root", "admin level @tara auto")
    assert back.text == "<@tara>'s level follows the ladder's rules again: Trainer."
    assert field(await chat.say("ana", "trainers"), "Level") == "Trainer"
    assert "never volunteered" in (await chat.say("root", "admin level @ana senior")).text
