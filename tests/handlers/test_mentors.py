"""A new volunteer gets the least-loaded Senior-or-above trainer sharing a topic as mentor; none: admins told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from storage import programs
from storage.models import Member, OnboardingStep, Program, TrainerProfile, TrainerTopic
from tests.fakes import Chat, RecordingNotifier
from tests.handlers.session_setup import rows
from tests.scheduler.seed import Seed

LONG_AGO = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def trainer(seed: Seed, user_id: str, topic: str, *, senior: bool, mentor: str | None = None) -> None:
    """An active trainer on ``topic``; a senior one has 10 sessions rated 5 and co-authors a program."""
    await seed.volunteer(user_id, LONG_AGO, status="onboarding" if mentor else "active",
                         onboarded_at=None if mentor else LONG_AGO)
    ids = await seed.ids(user_id, *([mentor] if mentor else []))
    async with seed.uow() as uow:
        uow.session.add(TrainerTopic(member_id=ids[user_id], topic=topic))
        if mentor:
            profile = await uow.session.get(TrainerProfile, ids[user_id])
            assert profile is not None
            profile.mentor_id = ids[mentor]
        if senior:
            program = Program(community_id=seed.community_id, title=f"{topic} for all", created_at=LONG_AGO)
            uow.session.add(program)
            await uow.session.flush()
            await programs.add_authors(uow.session, program.id, [ids[user_id]], at=LONG_AGO)
        await uow.commit()
    for n in range(10 if senior else 0):
        learner = f"{user_id}-l{n}"
        session_id = await seed.session(user_id, LONG_AGO + timedelta(days=n), attended=[learner])
        await seed.feedback(session_id, learner, 5, LONG_AGO + timedelta(days=n, hours=2))


async def mentor_of(chat: Chat, user_id: str) -> str | None:
    mentor = aliased(Member)
    found = await rows(chat, select(mentor.user_id).select_from(TrainerProfile)
                       .join(Member, Member.id == TrainerProfile.member_id)
                       .outerjoin(mentor, mentor.id == TrainerProfile.mentor_id).where(Member.user_id == user_id))
    return found[0][0]


async def test_the_least_loaded_matching_senior_mentors_a_new_volunteer(
    chat: Chat, uow, notifier: RecordingNotifier  # type: ignore[no-untyped-def]
) -> None:
    seed = Seed(uow)
    await seed.community()
    await trainer(seed, "sam", "sql", senior=True)
    await trainer(seed, "sue", "sql", senior=True)
    await trainer(seed, "sid", "excel", senior=True)
    await trainer(seed, "tom", "sql", senior=False)  # shares the topic, not yet Senior
    await trainer(seed, "old", "sql", senior=False, mentor="sam")  # sam mentors one trainer already

    reply = await chat.say("nina", "volunteer sql")
    assert "Your mentor is <@sue> — meet them soon" in reply.text
    assert await mentor_of(chat, "nina") == "sue"
    [told] = notifier.dms_to("sue")
    assert told.startswith("<@nina> just became a trainer on #sql, and you're their mentor.")

    reply = await chat.say("nora", "volunteer excel, sql")  # sid has none: fewer than sam's and sue's one each
    assert await mentor_of(chat, "nora") == "sid"
    reply = await chat.say("noel", "volunteer sql")  # sam and sue have one each: the longer-standing one
    assert await mentor_of(chat, "noel") == "sam"
    assert notifier.dms_to("tom") == []


async def test_nobody_to_mentor_tells_the_admins_and_a_topic_added_later_finds_one(
    chat: Chat, uow, notifier: RecordingNotifier  # type: ignore[no-untyped-def]
) -> None:
    seed = Seed(uow)
    await seed.community()
    await seed.role("root")  # GUILD_ADMINS
    await trainer(seed, "sue", "sql", senior=True)
    reply = await chat.say("pat", "volunteer cooking")
    assert "an admin will help you find one" in reply.text
    [told] = notifier.dms_to("root")
    assert "<@pat> just became a trainer (#cooking)" in told
    assert await mentor_of(chat, "pat") is None

    reply = await chat.say("pat", "volunteer sql")
    assert reply.text.startswith("Added *sql* to your topics. Your mentor is <@sue>")
    assert len(notifier.dms_to("root")) == 1


async def test_meeting_the_mentor_ticks_with_the_first_delivered_session(
    chat: Chat, uow  # type: ignore[no-untyped-def]
) -> None:
    seed = Seed(uow)
    await seed.community()
    await trainer(seed, "sue", "sql", senior=True)
    await chat.say("nina", "volunteer sql")
    me = await chat.say("nina", "me")
    assert "⬜ Meet your mentor (`mentor`)" in "\n".join(s.text for s in me.sections)
    await chat.say("nina", 'session new "SQL basics" 2026-11-20 10:00 60m 5')  # logged: delivered
    steps = await rows(chat, select(OnboardingStep.step).join(Member, Member.id == OnboardingStep.member_id)
                       .where(Member.user_id == "nina").order_by(OnboardingStep.step))
    assert ("mentor",) in steps and ("first-session",) in steps
