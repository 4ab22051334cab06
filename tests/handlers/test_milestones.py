"""Milestones are the running totals that crossed a mark within the window — nothing earlier, nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers import milestones
from tests.scheduler.seed import Seed

UNTIL = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=7)
IN = SINCE + timedelta(days=1)
BEFORE = SINCE - timedelta(days=30)


async def reached(seed: Seed) -> dict[str, str]:
    async with seed.uow() as uow:
        found = await milestones.reached(uow.session, seed.community_id, SINCE, UNTIL)
    return {m.key: m.text for m in found}


async def test_milestones_reached_in_the_window(uow) -> None:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community()
    ids = await seed.ids("tara", "tom", "uma", "nia", "wes")
    for day in range(9):
        await seed.session("tara", BEFORE - timedelta(days=day), attended=["ana"])
    await seed.session("tara", IN, attended=["ana"])
    await seed.session("tom", BEFORE, attended=[f"p{n}" for n in range(95)])
    await seed.session("tom", IN, attended=[f"p{n}" for n in range(95, 105)])
    await seed.session("uma", BEFORE, attended=[f"q{n}" for n in range(890)])
    await seed.session("nia", IN, attended=["ana"])
    await seed.volunteer("wes", BEFORE, status="active", onboarded_at=IN)
    found = await reached(seed)
    assert found == {
        f"trainer-sessions:{ids['tara']}:10": "<@tara> delivered their 10th session",
        f"trainer-learners:{ids['tara']}:10": "<@tara> has now trained 10 learners",
        f"trainer-learners:{ids['tom']}:100": "<@tom> has now trained 100 learners",
        f"trainer-sessions:{ids['nia']}:1": "<@nia> delivered their first session",
        f"onboarded:{ids['wes']}": "<@wes> finished onboarding and is now an active trainer — welcome aboard!",
        "community-learners:1000": "Together we have now trained 1,000 learners! 🎉",
    }


async def test_a_pilot_hears_its_first_learner_milestones_early(uow) -> None:  # type: ignore[no-untyped-def]
    """A pilot of twenty: a trainer's 10th learner and the community's 25th are celebrated, each once."""
    seed = Seed(uow)
    await seed.community()
    ids = await seed.ids("tara", "tom")
    await seed.session("tara", BEFORE, attended=[f"p{n}" for n in range(8)])
    await seed.session("tom", BEFORE, attended=[f"p{n}" for n in range(15)])
    await seed.session("tara", IN, attended=[f"p{n}" for n in range(3)])
    assert await reached(seed) == {
        f"trainer-learners:{ids['tara']}:10": "<@tara> has now trained 10 learners",
        "community-learners:25": "Together we have now trained 25 learners! 🎉",
    }
    assert milestones.TRAINER_LEARNER_MARKS[:7] == (10, 25, 50, 100, 250, 500, 1000)
    assert milestones.COMMUNITY_LEARNER_MARKS[:7] == (25, 50, 100, 250, 500, 1000, 2500)


async def test_nothing_is_reached_when_nothing_happened_in_the_window(uow) -> None:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community()
    await seed.session("tara", BEFORE, attended=["ana"])
    await seed.volunteer("wes", BEFORE, status="active", onboarded_at=BEFORE)
    assert await reached(seed) == {}


async def test_the_milestones_announced_in_a_week_come_back_from_the_ledger(uow) -> None:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community()
    ids = await seed.ids("tara", "wes")
    await seed.announced(f"trainer-learners:{ids['tara']}:500", IN)
    await seed.announced(f"onboarded:{ids['wes']}", IN + timedelta(hours=1))
    await seed.announced("community-learners:5000", IN + timedelta(hours=2))
    await seed.announced(f"trainer-sessions:{ids['tara']}:25", SINCE - timedelta(seconds=1))
    async with seed.uow() as u:
        found = await milestones.announced(u.session, seed.community_id, SINCE, UNTIL)
    assert [(m.text, m.names) for m in found] == [
        ("<@tara> has now trained 500 learners", {"tara": "Tara"}),
        ("<@wes> finished onboarding and is now an active trainer — welcome aboard!", {"wes": "Wes"}),
        ("Together we have now trained 5,000 learners! 🎉", {}),
    ]


def test_the_announcement_batches_every_milestone_into_one_message() -> None:
    reply = milestones.announcement([
        milestones.Milestone("a", "<@tara> delivered their 10th session", {"tara": "Tara"}),
        milestones.Milestone("b", "Together we have now trained 1,000 learners! 🎉"),
    ])
    assert reply.public
    assert reply.text == ("🏆 Milestones reached\n• <@tara> delivered their 10th session\n"
                          "• Together we have now trained 1,000 learners! 🎉")
    assert reply.names == {"tara": "Tara"}
