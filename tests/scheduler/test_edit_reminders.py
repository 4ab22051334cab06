"""Reminders follow a session moved by ``session edit``: a reminder sent for the old time is sent again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, schedule
from tests.scheduler.conftest import MakeScheduler

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def reminders_to(notifier: RecordingNotifier, user_id: str) -> list[str]:
    return [r.text for to, r in notifier.told if to.user_id == user_id and r.title == "Session reminder"]


async def test_a_moved_session_is_reminded_again_for_its_new_time_and_only_once(
    chat: Chat, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, at="2026-11-24 08:00")
    await chat.say("ana", f"signup {session_id}")
    scheduler = make_scheduler()
    await scheduler.run_job("reminders")
    assert len(reminders_to(notifier, "ana")) == 1 and "Tue 24 Nov, 09:00" in reminders_to(notifier, "ana")[0]
    await chat.say("tara", f"session edit {session_id} when 2026-11-24 08:30 where Room 4")
    await scheduler.run_job("reminders")
    await scheduler.run_job("reminders")
    _, second = reminders_to(notifier, "ana")
    assert "Tue 24 Nov, 09:30 (Europe/Berlin) at Room 4" in second
    assert len(reminders_to(notifier, "tara")) == 2
    clock.now = MONDAY + timedelta(hours=22, minutes=45)  # within the hour before the new time
    await scheduler.run_job("reminders")
    await scheduler.run_job("reminders")
    assert len(reminders_to(notifier, "ana")) == 3 and "starts in 45 minutes" in reminders_to(notifier, "ana")[2]
