"""The scheduler with a community's schedule in a DST change: it neither freezes nor skips nor posts twice.

Reproduces issue 12: ``admin timezone America/New_York`` + ``admin schedule roundup
sun 01:30`` made every refresh loop forever on 1 Nov 2026 (01:30 happens twice);
a Monday 00:00 roundup skipped the week after the spring change. The clock is
the injected fake, moved the way APScheduler's ten-minute refresh would see it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.scheduler.conftest import MakeScheduler
from tests.scheduler.seed import Seed


def roundup_weeks(notifier: RecordingNotifier) -> list[str]:
    return [reply.title for _, _, reply in notifier.posted if reply.title == "Weekly recognition roundup"]


async def refresh_every_ten_minutes(scheduler, clock: FakeClock, until: datetime) -> None:  # type: ignore[no-untyped-def]
    while clock.now < until:
        clock.advance(minutes=10)
        await scheduler.refresh()


async def test_a_roundup_in_the_repeated_autumn_hour_does_not_freeze_and_posts_once(
    seed: Seed, make_scheduler: MakeScheduler, chat: Chat, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    clock.now = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # Sun 1 Nov 2026, 00:00 EDT; clocks go back at 02:00
    scheduler = make_scheduler()
    await scheduler.start()
    await chat.say("root", "admin timezone America/New_York")
    await chat.say("root", "admin schedule roundup sun 01:30")
    await seed.kudos("ana", "ben", "thanks for covering", datetime(2026, 10, 30, tzinfo=UTC))
    # through both 01:30s (05:30 and 06:30 UTC) and beyond: every refresh returns, the roundup posts once
    await refresh_every_ten_minutes(scheduler, clock, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    assert len(roundup_weeks(notifier)) == 1
    assert "roundup            Test Co: next Sun 2026-11-08 01:30 (America/New_York)" in scheduler.describe()
    # a restart inside the repeated hour starts (it used to spin) and does not post again
    await scheduler.shutdown()
    clock.now = datetime(2026, 11, 1, 6, 45, tzinfo=UTC)  # 01:45 EST, the second time round
    await make_scheduler().start()
    assert len(roundup_weeks(notifier)) == 1
    lines = await scheduler.run_job("roundup", clock.now)
    assert lines == ["roundup 2026-W44 · Test Co: already posted (or being posted) — skipped"]


async def test_a_monday_midnight_roundup_posts_in_the_week_after_the_spring_change(
    seed: Seed, make_scheduler: MakeScheduler, chat: Chat, clock: FakeClock, notifier: RecordingNotifier
) -> None:
    clock.now = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # Sun 8 Mar 2026: New York sprang forward at 02:00
    scheduler = make_scheduler()
    await scheduler.start()
    await chat.say("root", "admin timezone America/New_York")
    await chat.say("root", "admin schedule roundup mon 00:00")
    assert "roundup            Test Co: next Mon 2026-03-09 00:00 (America/New_York)" in scheduler.describe()
    await seed.kudos("ana", "ben", "great workshop", datetime(2026, 3, 6, tzinfo=UTC))
    await refresh_every_ten_minutes(scheduler, clock, datetime(2026, 3, 9, 6, 0, tzinfo=UTC))
    assert len(roundup_weeks(notifier)) == 1
    await seed.kudos("ana", "ben", "and again", datetime(2026, 3, 12, tzinfo=UTC))
    clock.now = datetime(2026, 3, 16, 4, 5, tzinfo=UTC)  # 00:05 EDT the next Monday
    await scheduler.refresh()
    assert len(roundup_weeks(notifier)) == 2
    clock.advance(hours=1)
    await scheduler.refresh()
    assert len(roundup_weeks(notifier)) == 2


async def test_apscheduler_is_given_the_same_total_trigger(seed: Seed, make_scheduler: MakeScheduler, chat: Chat,
                                                          clock: FakeClock) -> None:
    clock.now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    scheduler = make_scheduler()
    await scheduler.start()
    await chat.say("root", "admin timezone America/New_York")
    await chat.say("root", "admin schedule roundup sun 01:30")
    job = next(j for j in scheduler._aps.get_jobs() if j.name.startswith("roundup:"))  # type: ignore[union-attr]
    first = job.trigger.get_next_fire_time(None, clock.now)
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(first, first + timedelta(hours=1)) == datetime(2026, 11, 8, 6, 30, tzinfo=UTC)
