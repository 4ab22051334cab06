"""Report figures are counted by the database, over exactly the period asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import stats
from tests.scheduler.seed import Seed

START = datetime(2026, 11, 16, tzinfo=UTC)
END = START + timedelta(days=7)
IN = START + timedelta(days=2)
BEFORE = START - timedelta(days=3)
AFTER = END + timedelta(hours=1)


@pytest.fixture
async def seed(uow) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community()
    return seed


async def figures(seed: Seed, fn, *args):  # type: ignore[no-untyped-def]
    async with seed.uow() as uow:
        found = await fn(uow.session, seed.community_id, START, END, *args)
        uow.session.expunge_all()  # keep loaded rows readable after the unit of work rolls back
        return found


async def test_kudos_of_the_period(seed: Seed) -> None:
    await seed.kudos("ana", "ben", "thanks for the demo", IN, ["craft", "teamwork"])
    await seed.kudos("cara", "ben", "great pairing session, I learned a lot about indexes", IN, ["craft"])
    await seed.kudos("ben", "dan", "nice", IN, ["curiosity"])
    await seed.kudos("ana", "ben", "earlier", BEFORE, ["craft"])
    await seed.kudos("ana", "eve", "later", AFTER)
    kudos = await figures(seed, stats.kudos_figures)
    assert (kudos.count, kudos.recipients, kudos.givers) == (3, 2, 3)
    top = await figures(seed, stats.top_recipients, 5)
    assert [(m.user_id, n) for m, n in top] == [("ben", 2), ("dan", 1)]
    assert await figures(seed, stats.top_values, 2) == [("craft", 2), ("curiosity", 1)]


async def test_first_time_recipients_were_never_thanked_before(seed: Seed) -> None:
    await seed.kudos("ana", "ben", "before", BEFORE)
    await seed.kudos("ana", "ben", "again", IN)
    await seed.kudos("ana", "dan", "first", IN)
    await seed.kudos("ben", "dan", "second", IN)
    await seed.kudos("ana", "eve", "first too", IN)
    newcomers, total = await figures(seed, stats.first_time_recipients, 1)
    assert total == 2
    assert [m.user_id for m in newcomers] == ["dan"]


async def test_highlights_quote_the_most_detailed_thanks_one_per_person(seed: Seed) -> None:
    await seed.kudos("ana", "ben", "short", IN)
    await seed.kudos("cara", "ben", "a long and detailed thank-you for ben", IN)
    await seed.kudos("ana", "dan", "a detailed thank-you for dan", IN)
    await seed.kudos("ana", "ben", "a slightly longer one for ben still", IN)
    chosen = await figures(seed, stats.highlights, 3)
    assert [(k.message, by.user_id, to.user_id) for k, by, to in chosen] == [
        ("a long and detailed thank-you for ben", "cara", "ben"),
        ("a detailed thank-you for dan", "ana", "dan"),
    ]


async def test_a_kudos_to_several_people_is_quoted_once(seed: Seed) -> None:
    for receiver in ("ben", "cara", "dan"):
        await seed.kudos("ana", receiver, "thanks all three of you for the long migration weekend", IN)
    await seed.kudos("eve", "fay", "thanks for the review", IN)
    chosen = await figures(seed, stats.highlights, 3)
    assert [(k.message, to.user_id) for k, _, to in chosen] == [
        ("thanks all three of you for the long migration weekend", "ben"),
        ("thanks for the review", "fay"),
    ]


async def test_training_figures_of_sessions_delivered_in_the_period(seed: Seed) -> None:
    first = await seed.session("tara", IN, minutes=90, attended=["ana", "ben", "cara"], no_show=["dan"],
                               waitlisted=["eve"])
    second = await seed.session("tom", IN + timedelta(days=1), minutes=60, attended=["ana"], confirmed=["fay"])
    await seed.session("tara", BEFORE, attended=["gus"])
    await seed.session("tara", IN, status="cancelled", confirmed=["hal"])
    await seed.session("tara", IN, status="scheduled", confirmed=["ivy"])
    await seed.feedback(first, "ana", 5, IN, "great")
    await seed.feedback(first, "ben", 4, IN, anonymous=True)
    await seed.feedback(second, "ana", 3, IN)
    t = await figures(seed, stats.training_figures)
    assert (t.sessions, t.minutes, t.hours, t.trainers) == (2, 150, 2.5, 2)
    assert (t.learners, t.unique_learners, t.enrolled) == (4, 3, 6)
    assert t.attendance_rate == pytest.approx(4 / 6)
    assert t.average_rating == pytest.approx(4.0)
    assert t.response_rate == pytest.approx(3 / 4)


async def test_an_empty_period_has_no_rates(seed: Seed) -> None:
    t = await figures(seed, stats.training_figures)
    assert (t.sessions, t.learners, t.attendance_rate, t.average_rating, t.response_rate) == (0, 0, None, None, None)


async def test_sessions_per_trainer_and_overload(seed: Seed) -> None:
    for day in range(3):
        await seed.session("tara", IN + timedelta(hours=day))
    await seed.session("tara", IN, status="scheduled")
    await seed.session("tara", IN, status="cancelled")
    await seed.session("tom", IN)
    busiest = await figures(seed, stats.sessions_per_trainer, 5)
    assert [(m.user_id, n) for m, n in busiest] == [("tara", 3), ("tom", 1)]
    over = await figures(seed, stats.overloaded_trainers, 3)
    assert [(m.user_id, n) for m, n in over] == [("tara", 4)]
    assert await figures(seed, stats.overloaded_trainers, 4) == []


async def test_new_volunteers_and_onboarding(seed: Seed) -> None:
    await seed.volunteer("vic", IN)
    await seed.volunteer("wes", BEFORE, status="active", onboarded_at=IN)
    assert await figures(seed, stats.volunteer_count) == 1
    assert [m.user_id for m in await figures(seed, stats.new_volunteers, 5)] == ["vic"]
    async with seed.uow() as uow:
        onboarded = await stats.onboarded(uow.session, seed.community_id, START, END)
        assert [m.user_id for m in onboarded] == ["wes"]


async def test_progress_counts_totals_before_and_after_the_window(seed: Seed) -> None:
    ids = await seed.ids("tara", "tom")
    for day in range(9):
        await seed.session("tara", BEFORE - timedelta(days=day), attended=["ana"])
    await seed.session("tara", IN, attended=["ana", "ben"])
    await seed.session("tom", BEFORE, attended=["ana"])
    async with seed.uow() as uow:
        sessions = await stats.trainer_sessions_progress(uow.session, seed.community_id, START, END)
        learners = await stats.trainer_learners_progress(uow.session, seed.community_id, START, END)
        community = await stats.community_learners_progress(uow.session, seed.community_id, START, END)
    assert sessions == [stats.Progress(ids["tara"], 9, 10)]
    assert learners == [stats.Progress(ids["tara"], 9, 11)]
    assert community == stats.Progress(None, 10, 12)


async def test_feedback_quotes_never_say_who(seed: Seed) -> None:
    session_id = await seed.session("tara", IN, title="Intro to SQL", attended=["ana", "ben", "cara"])
    await seed.feedback(session_id, "ana", 5, IN, "Loved the hands-on exercises", anonymous=True)
    await seed.feedback(session_id, "ben", 5, IN, "Great")
    await seed.feedback(session_id, "cara", 2, IN)
    assert await figures(seed, stats.feedback_quotes, 3) == [
        ("Loved the hands-on exercises", 5, "Intro to SQL"),
        ("Great", 5, "Intro to SQL"),
    ]


async def test_other_communities_never_count(seed: Seed) -> None:
    other = Seed(seed.uow, external_id="elsewhere", name="Elsewhere")
    await other.community()
    await other.kudos("ana", "ben", "elsewhere", IN)
    await other.session("tara", IN, attended=["ana"])
    assert (await figures(seed, stats.kudos_figures)).count == 0
    assert (await figures(seed, stats.training_figures)).sessions == 0
