"""Workload: delivery hours count toward burnout alerts, and repeating one session is flagged once per 4 weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import TrainerTopic
from tests.fakes import FakeClock, RecordingNotifier
from tests.scheduler.conftest import MakeScheduler
from tests.scheduler.seed import Seed

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the fake clock's default


async def trainer(seed: Seed, user_id: str, *topics: str) -> None:
    await seed.volunteer(user_id, MONDAY - timedelta(days=300), status="active", onboarded_at=MONDAY)
    ids = await seed.ids(user_id)
    async with seed.uow() as uow:
        uow.session.add_all(TrainerTopic(member_id=ids[user_id], topic=t) for t in topics)
        await uow.commit()


async def test_delivery_hours_alone_raise_a_burnout_alert(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier
) -> None:
    await seed.community(burnout_threshold=3)  # 3 sessions or 6 hours in 4 weeks
    await seed.role("root")
    for day in range(2):
        await seed.session("tara", MONDAY - timedelta(days=day + 1), minutes=200)  # 2 sessions, 6 h 40
    await seed.session("tom", MONDAY - timedelta(days=1), minutes=360)  # exactly 6 h: not above
    lines = await make_scheduler().run_job("burnout-alerts")
    assert lines == ["burnout-alert tara · Test Co: told root"]
    [text] = notifier.dms_to("root")
    assert text.startswith("⚠️ <@tara> has 2 sessions in the last 4 weeks (6.7 h of delivery), above 6 h of delivery.")


async def test_repeating_one_program_or_title_is_flagged_once_per_window_with_co_deliverers(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.community(burnout_threshold=50, repeat_limit=3)
    await seed.role("ada", is_admin=True)
    await seed.role("root")
    await trainer(seed, "tara", "excel")
    await trainer(seed, "tom", "excel")
    await trainer(seed, "uma", "sql")
    for day in range(4):  # the same title, however it is written
        title = "Excel  basics" if day % 2 else "excel basics"
        await seed.session("tara", MONDAY - timedelta(days=day + 1), title=title, topic="excel")
    for day in range(3):  # at the limit: not more than it
        await seed.session("uma", MONDAY - timedelta(days=day + 1), title="SQL joins", topic="sql")
    await seed.session("tara", MONDAY - timedelta(days=40), title="excel basics", topic="excel")  # outside

    scheduler = make_scheduler()
    lines = sorted(await scheduler.run_job("burnout-alerts"))
    assert lines == [f"repeat-alert tara · Test Co: told {who}" for who in ("ada", "root", "tara")]
    [to_tara] = notifier.dms_to("tara")
    assert to_tara.startswith("You've delivered *excel basics* 4 times in the last 4 weeks (more than 3).")
    assert to_tara.endswith("<@tom> could co-deliver it.")
    assert notifier.dms_to("root")[0].startswith(
        "🔁 <@tara> has delivered *excel basics* 4 times in the last 4 weeks (more than the repeat limit of 3).")

    clock.advance(days=1)
    await seed.session("tara", MONDAY + timedelta(hours=1), title="Excel basics", topic="excel")
    assert await scheduler.run_job("burnout-alerts") == ["burnout-alerts · Test Co: none due"]
    clock.advance(days=27, hours=1)  # just over four weeks after the first alert, still repeating
    for day in range(4):
        await seed.session("tara", clock.now - timedelta(days=day + 1), title="Excel basics", topic="excel")
    assert sorted(await scheduler.run_job("burnout-alerts")) == lines
    assert len(notifier.dms_to("tara")) == 2
