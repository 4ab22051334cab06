"""Career levels reached from seeded history are announced once in the milestones channel and told to the trainer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import levels, programs
from storage.models import Program, TrainerProfile
from tests.fakes import FakeClock, RecordingNotifier
from tests.scheduler.conftest import MakeScheduler
from tests.scheduler.seed import Seed

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LONG_AGO = MONDAY - timedelta(days=200)


async def deliver(seed: Seed, trainer: str, sessions: int, rating: int) -> None:
    """``sessions`` held sessions long ago, each rated ``rating`` by its one attendee."""
    for n in range(sessions):
        learner = f"{trainer}-learner{n}"
        session_id = await seed.session(trainer, LONG_AGO + timedelta(days=n), attended=[learner])
        await seed.feedback(session_id, learner, rating, LONG_AGO + timedelta(days=n, hours=2))


async def co_author(seed: Seed, title: str, *authors: str) -> int:
    ids = await seed.ids(*authors)
    async with seed.uow() as uow:
        row = Program(community_id=seed.community_id, title=title, created_at=LONG_AGO)
        uow.session.add(row)
        await uow.session.flush()
        await programs.add_authors(uow.session, row.id, [ids[a] for a in authors], at=LONG_AGO)
        await uow.commit()
        return row.id


async def test_levels_reached_from_seeded_history_are_announced_exactly_once(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.community(milestones_channel="C-MILESTONES")
    for who in ("tara", "tom", "tia", "lea"):
        await seed.volunteer(who, LONG_AGO - timedelta(days=30), status="active", onboarded_at=LONG_AGO)
    await deliver(seed, "tara", 10, 4)  # exactly on every Senior bar
    await deliver(seed, "tom", 12, 3)  # enough sessions, rating too low
    await deliver(seed, "tia", 9, 5)  # one session short
    await deliver(seed, "lea", 30, 5)
    await co_author(seed, "Safety basics", "tara", "tom", "tia", "lea")
    await co_author(seed, "Feedback that lands", "lea")
    ids = await seed.ids("lea", "m1", "m2")
    for mentee in ("m1", "m2"):
        await seed.volunteer(mentee, LONG_AGO, status="active", onboarded_at=LONG_AGO)
    async with seed.uow() as uow:
        for mentee in ("m1", "m2"):
            profile = await uow.session.get(TrainerProfile, ids[mentee])
            assert profile is not None
            profile.mentor_id = ids["lea"]
        await uow.commit()

    scheduler = make_scheduler()
    lines = await scheduler.run_job("milestones")
    assert lines[0] == "milestones · Test Co: posted 3 to C-MILESTONES"
    assert sorted(lines[1:]) == ["level lead · Test Co: told lea", "level senior · Test Co: told lea",
                                 "level senior · Test Co: told tara"]
    [(_, channel, reply)] = [p for p in notifier.posted if "Senior" in p[2].text]
    assert channel == "C-MILESTONES"
    assert "• <@tara> is now a Senior trainer 🎓" in reply.text
    assert "• <@lea> is now a Lead trainer 🎓" in reply.text
    assert "tom" not in reply.text.replace("delivered", "") and "<@tia> is now" not in reply.text
    assert len(notifier.dms_to("tara")) == 1 and "*Senior trainer*" in notifier.dms_to("tara")[0]

    for _ in range(2):
        clock.advance(days=1)
        assert await scheduler.run_job("milestones") == ["milestones · Test Co: none new"]
    assert len(notifier.dms_to("tara")) == 1 and len(notifier.dms_to("lea")) == 2

    async with seed.uow() as uow:
        found = await levels.records(uow.session, seed.community_id)
        assert {levels.level_of(r) for mid, r in found.items() if mid == ids["lea"]} == {"lead"}
        assert (await uow.session.scalars(select(TrainerProfile.mentor_id).where(
            TrainerProfile.member_id == ids["m1"]))).one() == ids["lea"]
