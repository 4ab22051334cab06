"""The scheduler posts each roundup exactly once: across instances, restarts, failures and downtime."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.core import Core
from handlers.types import Reply
from scheduler.service import GuildScheduler
from scheduler.timing import Timing
from storage.models import OutboxMessage, PostLedger
from tests.fakes import COMMUNITY, Chat, FakeClock, RecordingNotifier
from tests.scheduler.conftest import SETTINGS, MakeScheduler
from tests.scheduler.seed import Seed

FRIDAY_16 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 16:00 in Berlin (GUILD_TIMEZONE)


def roundups(notifier: RecordingNotifier) -> list[tuple[str, Reply]]:
    return [(channel, reply) for _, channel, reply in notifier.posted if reply.title == "Weekly recognition roundup"]


@pytest.fixture
async def week(seed: Seed) -> Seed:
    await seed.kudos("ana", "ben", "thanks for the demo", FRIDAY_16 - timedelta(days=2), ["craft"])
    return seed


async def test_run_job_posts_the_roundup_due_once(week: Seed, make_scheduler: MakeScheduler,
                                                  notifier: RecordingNotifier) -> None:
    scheduler = make_scheduler()
    lines = await scheduler.run_job("roundup", FRIDAY_16 + timedelta(minutes=5))
    assert lines == ["roundup 2026-W48 · Test Co: posted to C-ROUNDUP"]
    [(channel, reply)] = roundups(notifier)
    assert channel == "C-ROUNDUP" and "*1 kudos* for 1 person: <@ben> (1)." in reply.sections[0].text
    assert notifier.posted[0][0] == COMMUNITY
    again = await scheduler.run_job("roundup", FRIDAY_16 + timedelta(hours=1))
    assert again == ["roundup 2026-W48 · Test Co: already posted (or being posted) — skipped"]
    assert len(roundups(notifier)) == 1


async def test_three_schedulers_at_once_post_the_roundup_once(week: Seed, make_scheduler: MakeScheduler,
                                                              notifier: RecordingNotifier) -> None:
    schedulers = [make_scheduler(f"instance-{n}") for n in range(3)]
    results = await asyncio.gather(*(s.run_job("roundup", FRIDAY_16) for s in schedulers))
    assert sorted(line for lines in results for line in lines) == [
        "roundup 2026-W48 · Test Co: already posted (or being posted) — skipped",
        "roundup 2026-W48 · Test Co: already posted (or being posted) — skipped",
        "roundup 2026-W48 · Test Co: posted to C-ROUNDUP",
    ]
    assert len(roundups(notifier)) == 1


async def test_three_schedulers_starting_together_after_the_due_time_post_once(
    week: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    clock.now = FRIDAY_16 + timedelta(minutes=1)
    await asyncio.gather(*(make_scheduler(f"instance-{n}").start() for n in range(3)))
    assert len(roundups(notifier)) == 1


async def test_a_restart_after_a_missed_friday_posts_once(week: Seed, make_scheduler: MakeScheduler,
                                                          notifier: RecordingNotifier, clock: FakeClock) -> None:
    clock.now = FRIDAY_16 + timedelta(hours=2)  # down over 16:00, back at 18:00: within the 6-hour grace window
    first = make_scheduler("before-restart")
    await first.start()
    assert [channel for channel, _ in roundups(notifier)] == ["C-ROUNDUP"]
    await first.shutdown()
    clock.advance(minutes=30)
    await make_scheduler("after-restart").start()
    assert len(roundups(notifier)) == 1


async def test_a_run_missed_beyond_the_grace_window_is_skipped_and_logged(
    week: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock,
    caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = FRIDAY_16 + timedelta(hours=7)
    with caplog.at_level(logging.WARNING, logger="guild.scheduler"):
        await make_scheduler().start()
    assert roundups(notifier) == []
    warning = "roundup due 2026-11-27T15:00:00+00:00 was not posted and is older than the grace window"
    assert any(warning in r.getMessage() for r in caplog.records)


async def test_a_failed_post_stays_claimed_and_the_outbox_retries_it(week: Seed, make_scheduler: MakeScheduler,  # type: ignore[no-untyped-def]
                                                                     uow, core: Core, notifier: RecordingNotifier,
                                                                     clock: FakeClock) -> None:
    scheduler = make_scheduler()
    clock.now = FRIDAY_16
    notifier.fail_posts = 1
    assert await scheduler.run_job("roundup") == [
        "roundup 2026-W48 · Test Co: post to C-ROUNDUP failed — left to the outbox (python app.py outbox)"]
    async with uow() as u:
        assert await u.session.scalar(select(PostLedger.status).where(PostLedger.job == "roundup")) == "posted"
    clock.advance(minutes=10)
    await scheduler.refresh()  # what the scheduler does every few minutes: the period is done, not posted again
    assert roundups(notifier) == []
    await core.delivery.drain()  # what every process's deliverer does every few seconds
    assert len(roundups(notifier)) == 1
    async with uow() as u:
        assert await u.session.scalar(select(OutboxMessage.state)) == "sent"


async def test_a_grace_of_zero_hours_schedules_instead_of_crashing(
    week: Seed, core: Core, uow, clock: FakeClock, notifier: RecordingNotifier  # type: ignore[no-untyped-def]
) -> None:
    """GUILD_ROUNDUP_GRACE_HOURS=0 means "never post late"; it must not stop the scheduler from starting."""
    scheduler = GuildScheduler(core=core, uow=uow, clock=clock, settings=SETTINGS,
                               timing=Timing(roundup_grace=timedelta(0), digest_grace=timedelta(0)))
    try:
        await scheduler.start()
        assert "roundup            Test Co: next Fri 2026-11-27 16:00 (Europe/Berlin)" in scheduler.describe()
    finally:
        await scheduler.shutdown()


async def test_no_channel_no_post(seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier) -> None:
    await seed.community(roundup_channel=None)
    await seed.kudos("ana", "ben", "thanks", FRIDAY_16 - timedelta(days=1))
    lines = await make_scheduler().run_job("roundup", FRIDAY_16)
    assert lines == ["roundup 2026-W48 · Test Co: no roundup channel set (admin channel roundup #channel) — skipped"]
    assert notifier.posted == []


async def test_a_quiet_week_posts_nothing_and_claims_nothing(seed: Seed, make_scheduler: MakeScheduler,
                                                             notifier: RecordingNotifier) -> None:
    scheduler = make_scheduler()
    assert await scheduler.run_job("roundup", FRIDAY_16) == ["roundup 2026-W48 · Test Co: nothing to say — not posted"]
    await seed.kudos("ana", "ben", "late but welcome", FRIDAY_16 - timedelta(hours=1))
    assert await scheduler.run_job("roundup", FRIDAY_16) == ["roundup 2026-W48 · Test Co: posted to C-ROUNDUP"]


async def test_admin_commands_reschedule_the_jobs(seed: Seed, make_scheduler: MakeScheduler, chat: Chat,
                                                  clock: FakeClock, notifier: RecordingNotifier) -> None:
    scheduler = make_scheduler()
    await scheduler.start()
    assert "roundup            Test Co: next Fri 2026-11-27 16:00 (Europe/Berlin)" in scheduler.describe()
    await chat.say("root", "admin schedule roundup mon 09:30")
    await chat.say("root", "admin timezone America/New_York")
    await chat.say("root", "admin schedule digest quarterly")
    described = scheduler.describe()
    assert "roundup            Test Co: next Mon 2026-11-23 09:30 (America/New_York)" in described
    assert "digest             Test Co: next Fri 2027-01-01 09:00 (America/New_York)" in described
    assert "reminders          all communities: every 5 minutes" in described
    await chat.say("root", "admin channel roundup #C-KUDOS")
    await seed.kudos("ana", "ben", "thanks", datetime(2026, 11, 28, tzinfo=UTC))
    lines = await scheduler.run_job("roundup", datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    assert lines == ["roundup 2026-W49 · Test Co: posted to C-KUDOS"]


async def test_non_admins_cannot_change_the_schedule(seed: Seed, make_scheduler: MakeScheduler, chat: Chat) -> None:
    scheduler = make_scheduler()
    await scheduler.start()
    before = scheduler.describe()
    reply = await chat.say("ana", "admin schedule roundup mon 09:30")
    assert reply.text.startswith("Only Guild admins can do that.")
    assert scheduler.describe() == before


async def test_unknown_jobs_are_named(make_scheduler: MakeScheduler) -> None:
    assert await make_scheduler().run_job("coffee") == [
        "Unknown job 'coffee'. Jobs: roundup, digest, milestones, reminders, feedback-requests, onboarding-nudges, "
        "burnout-alerts, closeout, refresh-due."
    ]
