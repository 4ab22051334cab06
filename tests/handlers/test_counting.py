"""DESIGN §7 through the core: a session counts in the period it was held, however late it was logged,
marked or closed — in the roundup, the digest (and its comparison), milestones and ``me``.

One quarter boundary (30 Sep → 1 Oct 2026, also a month boundary) and the roundup week around it
(Fri 25 Sep 16:00 – Fri 2 Oct 16:00 UTC). Every number below is counted by hand from the story:

- S1 held Mon 28 Sep 10:00, *logged* on Mon 5 Oct; ana and ben marked → 1 session, 2 learners, September.
- S2 held Wed 30 Sep 14:00 (ana, cara, dan signed up), *closed* on Fri 2 Oct with `session done`
  → 3 learners, September.
- S3 held Thu 1 Oct 15:00 (ben, cara signed up), attendance *marked* on Mon 5 Oct (cara only), never
  closed → counts, 1 learner, October (but in the roundup week of 25 Sep – 2 Oct).
- S4 held Tue 6 Oct 10:00 (ben signed up), never marked nor closed → counts nowhere yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.milestones import reached
from handlers.roundup import weekly_roundup
from handlers.types import Reply
from storage import members, stats
from tests.fakes import Chat, FakeClock
from tests.handlers.session_setup import make_trainer, schedule

UTC_ZONE = ZoneInfo("UTC")
WEEK_END = datetime(2026, 10, 2, 16, 0, tzinfo=UTC)


def fields(reply: Reply) -> dict[str, str]:
    return {name: value for section in reply.sections for name, value in section.fields}


def text_of(reply: Reply) -> str:
    return "\n".join([reply.text, *(s.text for s in reply.sections)])


async def story(chat: Chat, clock: FakeClock) -> dict[str, int]:
    await make_trainer(chat, "tara")
    clock.now = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)
    s2 = await schedule(chat, at="2026-09-30 14:00")
    s3 = await schedule(chat, title="Excel tricks", at="2026-10-01 15:00")
    s4 = await schedule(chat, title="Git", at="2026-10-06 10:00")
    for who in ("ana", "cara", "dan"):
        await chat.say(who, f"signup {s2}")
    for who in ("ben", "cara"):
        await chat.say(who, f"signup {s3}")
    await chat.say("ben", f"signup {s4}")

    clock.now = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)  # a new month and quarter
    assert "I counted 3 people as attended" in (await chat.say("tara", f"session done {s2}")).text

    clock.now = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # the next roundup week
    s1 = await schedule(chat, title="Intro to SQL", at="2026-09-28 10:00")
    await chat.say("tara", f"session attend {s1} @ana @ben")
    await chat.say("tara", f"session attend {s3} @cara")
    await chat.say("ana", f"feedback {s1} 5 clear")
    await chat.say("cara", f"feedback {s3} 4")
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4}


async def roundup(chat: Chat, end: datetime) -> Reply | None:
    async with chat.core.uow() as uow:
        ref = chat.community
        community = await members.community(uow.session, ref.platform, ref.external_id, ref.name)
        return await weekly_roundup(uow.session, community, end - timedelta(days=7), end, UTC_ZONE)


async def test_the_roundup_counts_the_week_sessions_were_held(chat: Chat, clock: FakeClock) -> None:
    await story(chat, clock)
    clock.now = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    held = await roundup(chat, WEEK_END)
    assert held is not None
    assert "🎓 3 sessions delivered, 6 learners trained." in text_of(held)
    # The week the paperwork happened in (2–9 Oct) held S4 only, which nobody marked: nothing to tell.
    assert await roundup(chat, WEEK_END + timedelta(days=7)) is None


async def test_the_digest_counts_the_month_and_quarter_sessions_were_held(chat: Chat, clock: FakeClock) -> None:
    await story(chat, clock)
    clock.now = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    september = fields(await chat.say("root", "digest month"))
    assert september["Sessions delivered"].startswith("2  ")
    assert september["Learners trained"].startswith("5  ")
    quarter = fields(await chat.say("root", "digest quarter"))
    assert quarter["Sessions delivered"].startswith("2  (new) · 2 since ")
    assert quarter["Learners trained"].startswith("5  (new) · 5 since ")
    assert quarter["Training hours"].startswith("2 h  (new) · 2 h since ")

    clock.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    october = fields(await chat.say("root", "digest month"))  # compared with September, counted alike
    assert october["Sessions delivered"].startswith("1  (−1) · ")  # small numbers: absolute changes (issue 10)
    assert october["Learners trained"].startswith("1  (−4) · ")
    assert october["Average rating"] == "4.0 / 5  (−1.0)"


async def test_me_counts_every_held_session_and_only_their_ratings(chat: Chat, clock: FakeClock) -> None:
    ids = await story(chat, clock)
    clock.now = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    tara = fields(await chat.say("tara", "me"))
    assert tara["Sessions delivered"] == "3"
    assert tara["Learners trained"] == "6"
    assert tara["Average rating"] == "4.5 / 5 from 2 ratings"
    assert fields(await chat.say("cara", "me"))["Sessions attended"] == "2"
    assert fields(await chat.say("ben", "me"))["Sessions attended"] == "1"  # S1; S4 was never marked
    await chat.say("tara", f"session attend {ids['s4']} @ben")  # marked late: counts from now on
    assert fields(await chat.say("tara", "me"))["Sessions delivered"] == "4"


async def test_milestones_belong_to_the_days_sessions_were_held(chat: Chat, clock: FakeClock) -> None:
    await story(chat, clock)
    async with chat.core.uow() as uow:
        ref = chat.community
        community = await members.community(uow.session, ref.platform, ref.external_id, ref.name)
        held_week = await reached(uow.session, community.id, WEEK_END - timedelta(days=7), WEEK_END)
        paperwork_week = await reached(uow.session, community.id, WEEK_END, WEEK_END + timedelta(days=7))
        tara = (await members.members(uow.session, community.id, {"tara": ("Tara", None)}))["tara"].id
        held_totals = await stats.trainer_sessions_progress(uow.session, community.id, WEEK_END - timedelta(days=7),
                                                            WEEK_END)
        late_totals = await stats.trainer_sessions_progress(uow.session, community.id, WEEK_END,
                                                            WEEK_END + timedelta(days=7))
    assert held_totals == [stats.Progress(tara, 0, 3)]
    assert late_totals == []  # logging S1 and marking S3 in this week moved nothing into it
    assert [m.text for m in held_week] == ["<@tara> delivered their first session",
                                           "<@tara> finished onboarding and is now an active trainer — welcome aboard!"]
    assert paperwork_week == []
