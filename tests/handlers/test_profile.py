from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.types import Reply
from storage.models import Community, Enrollment, Feedback, Member, TrainingSession
from tests.fakes import Chat, FakeClock


def fields(reply: Reply) -> dict[str, str]:
    return {name: value for section in reply.sections for name, value in section.fields}


async def delivered(uow, trainer: str, *, status: str, attendance: dict[str, str], ratings: list[int]) -> None:  # type: ignore[no-untyped-def]
    """A session by ``trainer`` with enrollments {person: status} and anonymous-or-not ratings."""
    async with uow() as u:
        community_id = await u.session.scalar(select(Community.id))
        ids = dict((await u.session.execute(select(Member.user_id, Member.id))).all())
        start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
        session = TrainingSession(
            community_id=community_id,
            trainer_id=ids[trainer],
            title="SQL basics",
            starts_at=start,
            duration_minutes=60,
            seats=10,
            status=status,
            done_at=start + timedelta(hours=1) if status == "done" else None,
        )
        u.session.add(session)
        await u.session.flush()
        for person, enrolled in attendance.items():
            u.session.add(
                Enrollment(community_id=community_id, session_id=session.id, member_id=ids[person], status=enrolled)
            )
        for rating in ratings:
            u.session.add(Feedback(community_id=community_id, session_id=session.id, member_id=None, rating=rating))
        await u.session.commit()


async def test_me_counts_kudos_sessions_learners_and_ratings(chat: Chat, uow, clock: FakeClock) -> None:
    clock.now = datetime(2026, 10, 30, 9, 0, tzinfo=UTC)  # last month
    await chat.say("ben", "kudos @ana thanks for the old help")
    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    await chat.say("ben", "kudos @ana thanks for the demo")
    await chat.say("cy", "kudos @ana thanks for the demo")
    await chat.say("ana", "kudos @ben thanks for coming along")
    await chat.say("dee", "kudos top")
    await delivered(uow, "ana", status="done", attendance={"ben": "attended", "cy": "attended"}, ratings=[5, 4])
    await delivered(uow, "ana", status="done", attendance={"dee": "attended", "cy": "no_show"}, ratings=[3])
    await delivered(uow, "ana", status="scheduled", attendance={"ben": "confirmed"}, ratings=[])
    await delivered(uow, "ben", status="done", attendance={"ana": "attended"}, ratings=[1])

    reply = await chat.say("ana", "me")

    assert not reply.public and reply.title == "Your Guild profile"
    assert fields(reply) == {
        "Received": "3 (2 this month)",
        "Given": "1 (1 this month)",
        "Sessions attended": "1",
        "Sessions delivered": "2",
        "Learners trained": "3",
        "Average rating": "4.0 / 5 from 3 ratings",
        "Roles": "member",
    }
    assert [b.command for b in reply.buttons] == ["sessions"]


async def test_this_month_starts_at_the_persons_local_midnight(core, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(core, timezones={"ana": "America/Los_Angeles"})
    clock.now = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # still 31 October in Los Angeles
    await chat.say("ben", "kudos @ana thanks for the help")
    clock.now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # 1 November, 01:00 in Los Angeles
    await chat.say("cy", "kudos @ana thanks for the help")

    assert fields(await chat.say("ana", "me"))["Received"] == "2 (1 this month)"


async def test_a_newcomer_sees_zeros_and_no_ratings(chat: Chat) -> None:
    reply = await chat.say("ana", "me")
    assert fields(reply)["Received"] == "0 (0 this month)"
    assert fields(reply)["Average rating"] == "no ratings yet"
    assert "Status" not in fields(reply)


async def test_trainers_in_onboarding_see_their_progress_and_the_next_step(chat: Chat) -> None:
    await chat.say("root", "admin set guide https://wiki.example.com/trainers")
    await chat.say("ana", "volunteer sql, python")
    await chat.say("ana", "volunteer done welcome")

    reply = await chat.say("ana", "me")

    assert {k: fields(reply)[k] for k in ("Status", "Topics", "Onboarding")} == {
        "Status": "onboarding",
        "Topics": "python, sql",
        "Onboarding": "1/7",
    }
    checklist = next(s.text for s in reply.sections if "trainer guide" in s.text)
    assert checklist.splitlines()[:2] == [
        "✅ Read the trainer guide: https://wiki.example.com/trainers (`welcome`)",
        "⬜ Meet your mentor (`mentor`)",
    ]
    assert [b.command for b in reply.buttons] == ["sessions", "volunteer done mentor"]


async def test_active_trainers_and_roles(chat: Chat) -> None:
    await chat.say("ana", "volunteer sql")
    await chat.say("root", "admin trainer activate @ana")
    await chat.say("root", "admin grant leader @ana")

    reply = await chat.say("ana", "me")
    assert fields(reply)["Status"] == "active"
    assert "Onboarding" not in fields(reply)
    assert fields(reply)["Roles"] == "leader"
    assert [b.command for b in reply.buttons] == ["sessions"]
    assert fields(await chat.say("root", "me"))["Roles"] == "admin"
