"""The closeout job: trainers are asked once, reminded once the next morning, and the session closes itself.

Times are UTC; the scheduler's community zone is Europe/Berlin (UTC+1 in December), where "the next
morning" is 09:00. The session runs Mon 7 Dec 2026 14:00–15:00 UTC; three days later it closes itself.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.types import Reply
from storage.models import Enrollment, Member, TrainingSession
from tests.fakes import FakeClock, RecordingNotifier
from tests.scheduler.conftest import MakeScheduler
from tests.scheduler.seed import Seed

START = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


def dms(notifier: RecordingNotifier, user_id: str) -> list[Reply]:
    return [reply for to, reply in notifier.told if to.user_id == user_id]


async def statuses(seed: Seed, session_id: int) -> tuple[str, dict[str, str]]:
    async with seed.uow() as uow:
        status = await uow.session.scalar(select(TrainingSession.status).where(TrainingSession.id == session_id))
        rows = await uow.session.execute(select(Member.user_id, Enrollment.status)
                                         .join(Enrollment, Enrollment.member_id == Member.id)
                                         .where(Enrollment.session_id == session_id))
        return str(status), dict(rows.all())


async def run(scheduler, at: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    return await scheduler.run_job("closeout", at)


async def test_ask_then_remind_the_next_morning_then_close_it_counting_the_confirmed(
        seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock) -> None:
    await seed.volunteer("tara", START - timedelta(days=30))
    session_id = await seed.session("tara", START, status="scheduled", confirmed=["ana", "ben"], title="SQL joins")
    scheduler = make_scheduler()

    assert await run(scheduler, END - timedelta(minutes=1)) == ["closeout · Test Co: none due"]
    lines = await run(scheduler, END + timedelta(minutes=5))
    assert lines == [f"closeout-ask session {session_id} · Test Co: told tara"]
    [ask] = dms(notifier, "tara")
    assert ask.title == "Close your session" and "*SQL joins*" in ask.text and "has ended" in ask.text
    assert "counting all 2 people signed up as attended" in ask.text
    assert [(b.label, b.command) for b in ask.buttons] == [
        ("✓ Ana", f"session attend {session_id} <@ana>"),
        ("✓ Ben", f"session attend {session_id} <@ben>"),
        ("All 2 came", f"session attend {session_id} <@ana> <@ben>"),
        ("Close session", f"session done {session_id}"),
        ("Add notes", f"session notes {session_id}"),
    ]
    assert await run(scheduler, END + timedelta(hours=2)) == ["closeout · Test Co: none due"]

    morning = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    await run(scheduler, morning - timedelta(minutes=1))
    assert len(dms(notifier, "tara")) == 1
    assert await run(scheduler, morning + timedelta(minutes=2)) == [
        f"closeout-reminder session {session_id} · Test Co: told tara"]
    assert dms(notifier, "tara")[1].text.startswith("⏰ A reminder: *SQL joins*")
    await run(scheduler, morning + timedelta(days=1))
    assert len(dms(notifier, "tara")) == 2  # one reminder, not one a day

    closing = END + timedelta(days=3)
    await run(scheduler, closing - timedelta(minutes=1))
    assert await statuses(seed, session_id) == ("scheduled", {"ana": "confirmed", "ben": "confirmed"})
    assert await run(scheduler, closing) == [
        f"closeout session {session_id} · Test Co: closed, 2 attended — told tara"]
    assert await statuses(seed, session_id) == ("done", {"ana": "attended", "ben": "attended"})
    notice = dms(notifier, "tara")[2]
    assert "so I closed it, counting 2 people as attended." in notice.text
    assert f"`session attend {session_id} @name`" in notice.text
    assert "🎉 Congratulations" in dms(notifier, "tara")[3].text  # first delivery: onboarding done
    assert await run(scheduler, closing + timedelta(hours=1)) == ["closeout · Test Co: none due"]
    assert len(dms(notifier, "tara")) == 4

    # Feedback requests go out to the attendees as after any close.
    lines = await scheduler.run_job("feedback-requests", closing + timedelta(minutes=5))
    assert sorted(lines) == [f"feedback-request session {session_id} · Test Co: told {who}" for who in ("ana", "ben")]


async def test_marked_attendance_is_what_an_automatic_close_counts(
        seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, chat) -> None:  # type: ignore[no-untyped-def]
    await seed.community(closeout_days=1)
    session_id = await seed.session("tara", START, status="scheduled", confirmed=["ana", "ben", "cara"])
    scheduler = make_scheduler()
    await run(scheduler, END + timedelta(minutes=5))
    chat.core.clock.now = END + timedelta(minutes=10)  # type: ignore[attr-defined]
    await chat.say("tara", f"session attend {session_id} @ana")
    await run(scheduler, END + timedelta(days=1))
    assert await statuses(seed, session_id) == ("done", {"ana": "attended", "ben": "no_show", "cara": "no_show"})
    assert "counting 1 person as attended and 2 no-shows." in dms(notifier, "tara")[-1].text


async def test_a_session_its_trainer_closed_gets_no_reminder_and_is_not_closed_again(
        seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, chat) -> None:  # type: ignore[no-untyped-def]
    session_id = await seed.session("tara", START, status="scheduled", confirmed=["ana"])
    scheduler = make_scheduler()
    await run(scheduler, END + timedelta(minutes=5))
    chat.core.clock.now = END + timedelta(hours=1)  # type: ignore[attr-defined]
    reply = await chat.say("tara", f"session done {session_id}")
    assert "I counted 1 person as attended;" in reply.text
    for at in (END + timedelta(days=1), END + timedelta(days=4)):
        assert await run(scheduler, at) == ["closeout · Test Co: none due"]
    assert len(dms(notifier, "tara")) == 1


async def test_three_schedulers_at_once_send_each_message_once(
        seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier) -> None:
    first = await seed.session("tara", START, status="scheduled", confirmed=["ana"])
    second = await seed.session("tom", START, status="scheduled", confirmed=["ben"])
    schedulers = [make_scheduler(instance=name) for name in "abc"]
    for at in (END + timedelta(minutes=5), END + timedelta(days=1), END + timedelta(days=3)):
        for _ in range(2):
            await asyncio.gather(*(run(s, at) for s in schedulers))
    for trainer in ("tara", "tom"):
        assert [r.title for r in dms(notifier, trainer)] == ["Close your session", "Close your session",
                                                             "Session closed"]
    for session_id in (first, second):
        assert (await statuses(seed, session_id))[0] == "done"
