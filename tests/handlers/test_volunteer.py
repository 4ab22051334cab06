from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.context import Context
from handlers.onboarding import complete_step
from handlers.types import Reply, private
from storage import trainers
from storage.models import Member, OnboardingStep, TrainerProfile, TrainerTopic, TrainingSession
from tests.fakes import Chat, FakeClock, RecordingNotifier

MANUAL_STEPS = ("welcome", "mentor", "shadow", "co-deliver")
GUIDE = "https://wiki.example.com/trainers"


@pytest.fixture(autouse=True)
async def guide(chat: Chat) -> None:
    """The community has a trainer guide, so the checklist offers reading it (tests below remove it)."""
    await chat.say("root", f"admin set guide {GUIDE}")


async def trainer(uow, user_id: str) -> tuple[str, bool, list[str], list[str]] | None:  # type: ignore[no-untyped-def]
    """(status, onboarded, topics, ticked steps) of a person, or None if they never volunteered."""
    async with uow() as u:
        member_id = await u.session.scalar(select(Member.id).where(Member.user_id == user_id))
        row = (
            await u.session.execute(
                select(TrainerProfile.status, TrainerProfile.onboarded_at).where(TrainerProfile.member_id == member_id)
            )
        ).one_or_none()
        if row is None:
            return None
        topics = await u.session.scalars(
            select(TrainerTopic.topic).where(TrainerTopic.member_id == member_id).order_by(TrainerTopic.topic)
        )
        steps = await u.session.scalars(
            select(OnboardingStep.step).where(OnboardingStep.member_id == member_id).order_by(OnboardingStep.step)
        )
        return row.status, row.onboarded_at is not None, list(topics), list(steps)


async def deliver_first_session(chat: Chat, user_id: str) -> list[bool]:
    """What the sessions use case does when one of ``user_id``'s sessions is marked done (twice, here)."""
    ticked: list[bool] = []

    async def session_done(ctx: Context) -> Reply:
        ticked.append(await complete_step(ctx, ctx.member, "first-session"))
        return private("Session marked done.")

    await chat.core.execute(chat.message(user_id, "session done 1"), session_done)
    await chat.core.execute(chat.message(user_id, "session done 2"), session_done)
    return ticked


async def test_volunteering_makes_you_a_trainer_at_once_with_your_topics(chat: Chat, uow) -> None:
    reply = await chat.say("ana", "volunteer SQL, #Excel dashboards")

    assert reply.text.startswith("Welcome aboard — you're now a Guild trainer for *sql* and *excel-dashboards*!")
    assert f"⬜ Read the trainer guide: {GUIDE} (`welcome`)" in reply.sections[0].text
    assert [b.command for b in reply.buttons] == ["volunteer done welcome"]
    assert await trainer(uow, "ana") == ("onboarding", False, ["excel-dashboards", "sql"], [])


async def test_volunteering_again_only_adds_topics(chat: Chat, uow) -> None:
    await chat.say("ana", "volunteer sql")

    assert (await chat.say("ana", "volunteer sql, python")).text == "Added *python* to your topics."
    assert (await chat.say("ana", "volunteer sql")).text == "You already train *sql*."
    assert (await chat.say("ana", "volunteer")).text.startswith("You're already a trainer.")
    assert await trainer(uow, "ana") == ("onboarding", False, ["python", "sql"], [])


async def test_each_onboarding_step_is_ticked_once(chat: Chat, uow) -> None:
    await chat.say("ana", "volunteer sql")

    reply = await chat.say("ana", "volunteer done mentor")
    assert reply.text == "Ticked “Meet your mentor” — 1/7 done."
    assert "✅ Meet your mentor (`mentor`)" in reply.sections[0].text
    assert [b.command for b in reply.buttons] == ["volunteer done welcome"]
    assert (await chat.say("ana", "volunteer done mentor")).text == "You had already ticked “Meet your mentor”."
    for step in ("welcome", "shadow", "co-deliver"):
        await chat.say("ana", f"volunteer done {step}")

    assert await trainer(uow, "ana") == ("onboarding", False, ["sql"], sorted(MANUAL_STEPS))


async def test_the_first_session_ticks_itself_and_completes_onboarding_once(
    chat: Chat, uow, notifier: RecordingNotifier
) -> None:
    await chat.say("ana", "volunteer sql")
    for step in MANUAL_STEPS:
        await chat.say("ana", f"volunteer done {step}")

    refused = await chat.say("ana", "volunteer done first-session")
    assert "ticks itself" in refused.text

    assert await deliver_first_session(chat, "ana") == [True, False]
    assert await trainer(uow, "ana") == ("active", True, ["sql"], sorted([*MANUAL_STEPS, "first-session"]))
    assert [text for text in notifier.dms_to("ana") if "Congratulations" in text] == [
        "🎉 Congratulations — you've finished onboarding and are now an active Guild trainer. "
        "Thank you for sharing what you know!"
    ]


async def test_the_checklist_can_be_finished_in_any_order(chat: Chat, uow, notifier: RecordingNotifier) -> None:
    await chat.say("ana", "volunteer sql")
    await deliver_first_session(chat, "ana")
    for step in reversed(MANUAL_STEPS):
        await chat.say("ana", f"volunteer done {step}")

    assert (await trainer(uow, "ana"))[:2] == ("active", True)  # type: ignore[index]
    assert any("Congratulations" in text for text in notifier.dms_to("ana"))


async def test_completing_a_step_for_someone_who_never_volunteered_does_nothing(chat: Chat, uow) -> None:
    assert await deliver_first_session(chat, "ben") == [False, False]
    assert await trainer(uow, "ben") is None


async def test_unknown_steps_are_refused_with_the_list(chat: Chat) -> None:
    await chat.say("ana", "volunteer sql")
    reply = await chat.say("ana", "volunteer done lunch")
    assert reply.text == (
        "`lunch` isn't an onboarding step you tick. The steps are `welcome`, `mentor`, `shadow`, `co-deliver`."
    )


async def test_people_who_never_volunteered_are_pointed_to_volunteer(chat: Chat) -> None:
    assert (await chat.say("ben", "volunteer status")).text.startswith("You're not a trainer yet.")
    refused = await chat.say("ben", "volunteer done welcome")
    assert refused.text.startswith("You're not a trainer yet.") and "Usage:" in refused.text
    assert (await chat.say("ben", "volunteer pause")).text.startswith("You're not a trainer yet.")


async def test_status_shows_topics_and_onboarding(chat: Chat) -> None:
    await chat.say("ana", "volunteer sql, python")
    await chat.say("ana", "volunteer done welcome")

    reply = await chat.say("ana", "volunteer status")
    assert dict(reply.sections[0].fields) == {"Status": "onboarding", "Topics": "python, sql", "Onboarding": "1/7"}
    assert f"✅ Read the trainer guide: {GUIDE}" in reply.sections[1].text


async def test_trainers_pause_and_resume_themselves(chat: Chat, uow) -> None:
    await chat.say("ana", "volunteer sql")

    assert (await chat.say("ana", "volunteer pause")).text.startswith("Paused.")
    assert (await trainer(uow, "ana"))[0] == "paused"  # type: ignore[index]
    assert "already paused" in (await chat.say("ana", "volunteer pause")).text
    assert (await chat.say("ana", "volunteer resume")).text == ("Welcome back — you're a trainer in onboarding again.")
    assert (await trainer(uow, "ana"))[0] == "onboarding"  # type: ignore[index]
    assert "You're not paused" in (await chat.say("ana", "volunteer resume")).text


async def test_a_stopped_trainer_who_volunteers_again_comes_back_where_they_were(
    chat: Chat, uow, clock: FakeClock
) -> None:
    await chat.say("ana", "volunteer sql")
    await chat.say("ana", "volunteer stop")
    assert (await trainer(uow, "ana"))[0] == "stopped"  # type: ignore[index]
    reply = await chat.say("ana", "volunteer python")
    assert reply.text == "Welcome back — you're a trainer in onboarding again. Added *python* to your topics."

    for step in MANUAL_STEPS:
        await chat.say("ana", f"volunteer done {step}")
    await deliver_first_session(chat, "ana")
    await chat.say("ana", "volunteer stop")
    await chat.say("ana", "volunteer")
    assert await trainer(uow, "ana") == ("active", True, ["python", "sql"], sorted([*MANUAL_STEPS, "first-session"]))


async def test_a_trainer_paused_by_an_admin_must_ask_an_admin(chat: Chat, uow) -> None:
    await chat.say("ana", "volunteer sql")
    await chat.say("root", "admin trainer pause @ana")

    for command in ("volunteer resume", "volunteer python"):
        reply = await chat.say("ana", command)
        assert "An admin set your trainer status to paused" in reply.text
    assert await trainer(uow, "ana") == ("paused", False, ["sql"], [])

    await chat.say("root", "admin trainer activate @ana")
    assert (await trainer(uow, "ana"))[:2] == ("active", True)  # type: ignore[index]


async def test_stopping_while_paused_by_an_admin_keeps_the_admins_hold(chat: Chat, uow) -> None:
    await chat.say("ana", "volunteer sql")
    await chat.say("root", "admin trainer pause @ana")

    assert "an admin can bring you back" in (await chat.say("ana", "volunteer stop")).text
    for command in ("volunteer", "volunteer resume", 'session new "SQL" 2026-12-05 10:00 60m 5'):
        assert "An admin set your trainer status to stopped" in (await chat.say("ana", command)).text
    assert (await trainer(uow, "ana"))[0] == "stopped"  # type: ignore[index]


async def test_trainer_status_tells_the_sessions_feature_who_may_teach(chat: Chat, uow) -> None:
    await chat.say("ana", "volunteer sql")
    await chat.say("ben", "kudos top")
    async with uow() as u:
        ids = dict((await u.session.execute(select(Member.user_id, Member.id))).all())
        assert await trainers.trainer_status(u.session, ids["ana"]) == "onboarding"
        assert await trainers.trainer_status(u.session, ids["ben"]) is None


async def test_finishing_onboarding_while_paused_makes_you_active_on_return(
    chat: Chat, uow, notifier: RecordingNotifier
) -> None:
    await chat.say("ana", "volunteer sql")
    for step in MANUAL_STEPS:
        await chat.say("ana", f"volunteer done {step}")
    await chat.say("ana", "volunteer pause")
    await deliver_first_session(chat, "ana")

    assert (await trainer(uow, "ana"))[:2] == ("paused", True)  # type: ignore[index]
    assert "when you come back" in notifier.dms_to("ana")[-1]
    assert (await chat.say("ana", "volunteer resume")).text == "Welcome back — you're an active trainer again."


async def test_without_a_guide_the_reading_step_is_not_offered(chat: Chat, uow) -> None:
    await chat.say("root", "admin set guide none")
    reply = await chat.say("ana", "volunteer sql")
    assert "guide" not in reply.sections[0].text
    assert [b.command for b in reply.buttons] == ["volunteer done mentor"]
    refused = await chat.say("ana", "volunteer done welcome")
    assert "There's no trainer guide to read yet" in refused.text and "admin set guide <url>" in refused.text
    assert dict((await chat.say("ana", "volunteer status")).sections[0].fields)["Onboarding"] == "0/6"
    assert await trainer(uow, "ana") == ("onboarding", False, ["sql"], [])


async def test_steps_tick_themselves_from_real_events_and_preparation_makes_you_active(
    chat: Chat, uow, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    await chat.say("ana", "volunteer sql")
    for step in MANUAL_STEPS:
        await chat.say("ana", f"volunteer done {step}")
    assert (await trainer(uow, "ana"))[:2] == ("onboarding", False)  # type: ignore[index]
    refused = await chat.say("ana", "volunteer done first-scheduled")
    assert refused.text == "That step ticks itself when you schedule a session (`session new`)."

    await chat.say("ana", 'session new "SQL basics" 2026-12-01 14:00 60m 5')
    assert await trainer(uow, "ana") == ("active", True, ["sql"], sorted([*MANUAL_STEPS, "first-scheduled"]))
    assert sum("Congratulations" in text for text in notifier.dms_to("ana")) == 1

    await chat.say("ben", "signup 1")
    clock.now = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    await chat.say("ana", "session done 1")
    await chat.say("ben", "feedback 1 5")
    assert (await trainer(uow, "ana"))[3] == sorted([*MANUAL_STEPS, "first-feedback", "first-scheduled",
                                                     "first-session"])
    assert sum("Congratulations" in text for text in notifier.dms_to("ana")) == 1


async def test_a_first_delivered_session_makes_you_active_before_the_checklist_is_done(
    chat: Chat, uow, clock: FakeClock
) -> None:
    await chat.say("ana", "volunteer sql")
    await chat.say("ana", 'session new "SQL basics" 2026-12-01 14:00 60m 5')
    await chat.say("ben", "signup 1")
    clock.now = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    await chat.say("ana", "session attend 1 @ben")  # marked attendance: the session counts as delivered
    assert await trainer(uow, "ana") == ("active", True, ["sql"], ["first-scheduled", "first-session"])
    assert dict((await chat.say("ana", "me")).sections[2].fields)["Status"] == "active"


async def test_me_shows_the_real_status_of_a_trainer_who_already_delivered(chat: Chat, uow) -> None:
    await chat.say("ana", "volunteer sql")
    async with uow() as u:  # delivered before the rule existed: a done session, still "onboarding"
        ana = await u.session.scalar(select(Member).where(Member.user_id == "ana"))
        u.session.add(TrainingSession(community_id=ana.community_id, trainer_id=ana.id, title="Old", seats=5,
                                      starts_at=datetime(2026, 10, 1, 10, 0, tzinfo=UTC), duration_minutes=60,
                                      status="done"))
        await u.session.commit()
    reply = await chat.say("ana", "me")
    trainer_fields = dict(next(s for s in reply.sections if s.text == "*Trainer*").fields)
    assert trainer_fields["Status"] == "active" and "Onboarding" not in trainer_fields
    assert (await trainer(uow, "ana"))[:2] == ("active", True)  # type: ignore[index]
