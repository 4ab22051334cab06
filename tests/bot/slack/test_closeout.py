"""The close-out message on Slack: a DM whose buttons mark attendance, through the fake Web API."""

from __future__ import annotations

from datetime import UTC, datetime

from config import Settings
from scheduler.service import GuildScheduler
from storage.models import Enrollment
from tests.bot.slack.conftest import SlackHarness
from tests.bot.slack.test_interactions import schedule
from tests.fakes import FakeClock

ENDED = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # the 14:00 (Paris) session ended at 14:00 UTC


def buttons(blocks: list[dict]) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(e["text"]["text"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_the_closeout_dm_has_the_attendance_buttons_and_pressing_one_marks_attendance(
        slack: SlackHarness, clock: FakeClock) -> None:
    await schedule(slack)
    for user in ("UANA", "UCARA"):
        await slack.click("signup 1", user=user)
        await slack.fake.wait_for(f"respond:click-{user}")
    await slack.idle()
    scheduler = GuildScheduler(core=slack.core, uow=slack.core.uow, clock=clock,
                               settings=Settings(timezone="UTC", admins=frozenset()))
    clock.now = ENDED
    try:
        assert await scheduler.run_job("closeout", ENDED) == ["closeout-ask session 1 · guild-test: told UBEN"]
        await scheduler.run_job("closeout", ENDED)
    finally:
        await scheduler.shutdown()
    [dm] = [c for c in slack.fake.of("chat.postMessage") if c.body.get("channel") == "DUBEN"
            and "Close session" in str(c.body.get("blocks"))]
    assert buttons(dm.json("blocks")) == [
        ("✓ Ana", "session attend 1 <@UANA>"),
        ("✓ Cara", "session attend 1 <@UCARA>"),
        ("All 2 came", "session attend 1 <@UANA> <@UCARA>"),
        ("Close session", "session done 1"),
        ("Add notes", "session notes 1"),
    ]

    await slack.click("session attend 1 <@UANA>", user="UBEN", channel="DUBEN")
    await slack.fake.wait_for("respond:click-UBEN")
    assert await slack.count(Enrollment, Enrollment.status == "attended") == 1
    await slack.click("session done 1", user="UBEN", channel="DUBEN")
    await slack.fake.wait_for("respond:click-UBEN", 2)
    assert await slack.count(Enrollment, Enrollment.status == "no_show") == 1
