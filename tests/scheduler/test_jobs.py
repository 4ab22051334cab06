"""Each job tells the right people once: reminders, feedback requests, nudges, burnout alerts, milestones, digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import ledger
from storage.ledger import Slot
from tests.fakes import FakeClock, RecordingNotifier
from tests.scheduler.conftest import MakeScheduler
from tests.scheduler.seed import Seed

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the fake clock's default


def dm_titles(notifier: RecordingNotifier) -> list[tuple[str, str]]:
    return sorted((to.user_id, reply.title or "") for to, reply in notifier.told)


async def test_session_reminders_go_to_confirmed_attendees_and_the_trainer_once(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    tomorrow = await seed.session("tara", MONDAY + timedelta(hours=23), status="scheduled", title="Intro to SQL",
                                  confirmed=["ana", "ben"], waitlisted=["cara"])
    await seed.session("tom", MONDAY + timedelta(minutes=40), status="scheduled", confirmed=["dan"])
    await seed.session("tara", MONDAY + timedelta(hours=50), status="scheduled", confirmed=["eve"])
    await seed.session("tara", MONDAY + timedelta(hours=2), status="cancelled", confirmed=["fay"])
    scheduler = make_scheduler()
    await scheduler.run_job("reminders")
    assert dm_titles(notifier) == [(who, "Session reminder") for who in ("ana", "ben", "dan", "tara", "tom")]
    assert notifier.dms_to("ana") == [
        "⏰ *Intro to SQL* with <@tara> starts in about 23 hours — Tue 24 Nov, 09:00 (Europe/Berlin). "
        "Can't make it? Give your seat to someone on the waitlist."
    ]
    assert notifier.dms_to("tara")[0].startswith("⏰ You're training *Intro to SQL* in about 23 hours")
    assert await scheduler.run_job("reminders") == ["reminders · Test Co: none due"]
    clock.now = MONDAY + timedelta(hours=22, minutes=10)
    await scheduler.run_job("reminders")
    one_hour = [to.user_id for to, reply in notifier.told[5:]]
    assert sorted(one_hour) == ["ana", "ben", "tara"]
    assert "starts in 50 minutes" in notifier.dms_to("ana")[1]
    assert [b.command for to, reply in notifier.told if to.user_id == "ben" for b in reply.buttons] == [
        f"cancel {tomorrow}", f"cancel {tomorrow}"
    ]


async def test_feedback_is_requested_from_attendees_reminded_once_and_never_after_a_rating(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    ended = await seed.session("tara", MONDAY - timedelta(hours=19), attended=["ana", "ben", "cara"],
                               no_show=["dan"])
    await seed.feedback(ended, "ben", 5, MONDAY - timedelta(hours=17))
    await seed.session("tom", MONDAY - timedelta(hours=5), status="scheduled", confirmed=["eve"])
    scheduler = make_scheduler()
    lines = await scheduler.run_job("feedback-requests")
    assert sorted(lines) == [f"feedback-request session {ended} · Test Co: told {who}" for who in ("ana", "cara")]
    request = notifier.told[0][1]
    assert [b.command for b in request.buttons] == [f"feedback {ended} {n}" for n in range(1, 6)]
    assert await scheduler.run_job("feedback-requests") == ["feedback-requests · Test Co: none due"]
    await seed.feedback(ended, "cara", 4, MONDAY + timedelta(hours=3))
    clock.advance(hours=24)
    assert await scheduler.run_job("feedback-requests") == [
        f"feedback-reminder session {ended} · Test Co: told ana"
    ]
    assert notifier.dms_to("ana")[1].startswith("A gentle reminder: how was *SQL basics*")
    clock.advance(hours=24)
    assert await scheduler.run_job("feedback-requests") == ["feedback-requests · Test Co: none due"]
    assert len(notifier.told) == 3


async def test_a_failed_dm_is_retried_by_the_outbox_and_not_asked_again(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.session("tara", MONDAY - timedelta(hours=3), attended=["ana"])
    scheduler = make_scheduler()
    notifier.fail_tells = 1
    assert (await scheduler.run_job("feedback-requests"))[0].endswith(
        "telling ana failed — left to the outbox (python app.py outbox)")
    assert await scheduler.run_job("feedback-requests") == ["feedback-requests · Test Co: none due"]
    clock.advance(seconds=5)
    await scheduler.env.delivery.drain()
    assert len(notifier.told) == 1


async def test_stalled_onboarding_gets_one_nudge_per_quiet_spell(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.volunteer("vic", MONDAY - timedelta(days=14), steps={"welcome": MONDAY - timedelta(days=12)})
    await seed.volunteer("wes", MONDAY - timedelta(days=3))
    await seed.volunteer("ada", MONDAY - timedelta(days=30), status="active")
    scheduler = make_scheduler()
    assert await scheduler.run_job("onboarding-nudges") == ["onboarding-nudge · Test Co: told vic"]
    assert "Your next step: Meet your mentor" in notifier.dms_to("vic")[0]
    clock.advance(days=1)
    assert await scheduler.run_job("onboarding-nudges") == ["onboarding-nudges · Test Co: none due"]
    await seed.volunteer("xan", MONDAY - timedelta(days=10))
    clock.advance(days=8)
    assert sorted(await scheduler.run_job("onboarding-nudges")) == [
        "onboarding-nudge · Test Co: told wes", "onboarding-nudge · Test Co: told xan"
    ]


async def test_admins_hear_once_when_a_trainer_goes_over_the_burnout_threshold(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.community(burnout_threshold=3)
    await seed.role("ada", is_admin=True)
    await seed.role("root")  # named in GUILD_ADMINS
    for day in range(4):
        await seed.session("tara", MONDAY - timedelta(days=day + 1), status="done" if day else "scheduled")
    await seed.session("tom", MONDAY - timedelta(days=1))
    scheduler = make_scheduler()
    lines = await scheduler.run_job("burnout-alerts")
    assert sorted(lines) == ["burnout-alert tara · Test Co: told ada", "burnout-alert tara · Test Co: told root"]
    assert notifier.dms_to("ada") == notifier.dms_to("root")
    assert notifier.dms_to("ada")[0].startswith("⚠️ <@tara> has 4 sessions in the last 4 weeks")
    clock.advance(days=1)
    await seed.session("tara", MONDAY + timedelta(hours=2))
    assert await scheduler.run_job("burnout-alerts") == ["burnout-alerts · Test Co: none due"]


async def test_a_burnout_alert_that_failed_for_one_admin_reaches_them_through_the_outbox(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.community(burnout_threshold=3)
    await seed.role("ada", is_admin=True)
    await seed.role("root")
    for day in range(4):
        await seed.session("tara", MONDAY - timedelta(days=day + 1))
    refuse_once = {"root"}
    original = notifier.tell

    async def refusing_root_once(to, reply, **kwargs):  # type: ignore[no-untyped-def]
        if to.user_id in refuse_once:
            refuse_once.discard(to.user_id)
            raise RuntimeError("DM refused")
        return await original(to, reply, **kwargs)

    notifier.tell = refusing_root_once  # type: ignore[method-assign]
    scheduler = make_scheduler()
    first = sorted(await scheduler.run_job("burnout-alerts"))
    assert first == ["burnout-alert tara · Test Co: telling root failed — left to the outbox "
                     "(python app.py outbox)", "burnout-alert tara · Test Co: told ada"]
    clock.advance(hours=1)
    assert await scheduler.run_job("burnout-alerts") == ["burnout-alerts · Test Co: none due"]
    await scheduler.env.delivery.drain()
    assert sorted(to.user_id for to, _ in notifier.told) == ["ada", "root"]


async def test_a_reminder_claimed_by_an_instance_that_died_is_sent_once_the_claim_is_stale(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock, uow  # type: ignore[no-untyped-def]
) -> None:
    session_id = await seed.session("tara", MONDAY + timedelta(hours=20), status="scheduled", confirmed=["ana"])
    async with uow() as u:
        dead = Slot("reminder-24h", seed.community_id, "ana", str(session_id))
        await ledger.claim(u.session, dead, by="an instance that died before sending", at=MONDAY)
        await u.commit()
    scheduler = make_scheduler()
    assert await scheduler.run_job("reminders") == [f"reminder-24h session {session_id} · Test Co: told tara"]
    clock.advance(hours=1)
    assert await scheduler.run_job("reminders") == [f"reminder-24h session {session_id} · Test Co: told ana"]
    assert [to.user_id for to, _ in notifier.told] == ["tara", "ana"]


async def test_milestones_are_announced_once_in_one_message(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.session("tara", MONDAY - timedelta(days=2), attended=["ana"])
    await seed.session("tom", MONDAY - timedelta(days=3), attended=["ben"])
    await seed.community(milestones_channel="C-MILESTONES")
    scheduler = make_scheduler()
    assert await scheduler.run_job("milestones") == ["milestones · Test Co: posted 2 to C-MILESTONES"]
    [(_, channel, reply)] = notifier.posted
    assert channel == "C-MILESTONES"
    assert reply.text == ("🏆 Milestones reached\n• <@tara> delivered their first session\n"
                          "• <@tom> delivered their first session")
    clock.advance(days=1)
    assert await scheduler.run_job("milestones") == ["milestones · Test Co: none new"]
    await seed.session("uma", MONDAY, attended=["ana"])
    await seed.community(milestones_channel=None)
    assert await scheduler.run_job("milestones") == ["milestones · Test Co: posted 1 to C-ROUNDUP"]


async def test_a_failed_milestone_post_is_retried_by_the_outbox_not_announced_again(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    await seed.session("tara", MONDAY - timedelta(days=2), attended=["ana"])
    scheduler = make_scheduler()
    notifier.fail_posts = 1
    assert await scheduler.run_job("milestones") == [
        "milestones · Test Co: posting 1 to C-ROUNDUP failed — left to the outbox (python app.py outbox)"]
    clock.advance(days=1)
    assert await scheduler.run_job("milestones") == ["milestones · Test Co: none new"]
    await scheduler.env.delivery.drain()
    assert len(notifier.posted) == 1


async def test_the_digest_goes_to_the_leadership_channel_for_the_period_just_ended(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier
) -> None:
    await seed.community(digest_channel="C-LEADS")
    await seed.session("tara", datetime(2026, 11, 10, tzinfo=UTC), attended=["ana", "ben"])
    scheduler = make_scheduler()
    at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # 09:30 in Berlin on the 1st
    assert await scheduler.run_job("digest", at) == ["digest 2026-11 · Test Co: posted to C-LEADS"]
    [(_, channel, reply)] = notifier.posted
    assert (channel, reply.title) == ("C-LEADS", "Leadership digest — November 2026")
    assert dict(reply.sections[0].fields)["Learners trained"].startswith("2  (new) · 2 since Nov 2026")
    assert await scheduler.run_job("digest", at + timedelta(days=3)) == [
        "digest 2026-11 · Test Co: already posted (or being posted) — skipped"
    ]
