"""Two months of Guild through the core and the scheduler, with the clock moved by hand (DESIGN §7, issue 9).

Sessions are logged late, closed late and closed by the ``closeout`` job; the roundups, the monthly
digests, ``me`` and the milestones are checked against numbers counted by hand from this story
(all times UTC, the community's zone):

| session | trainer | held            | length | signed up           | what happens                         | learners |
|---------|---------|-----------------|--------|---------------------|--------------------------------------|----------|
| A       | tara    | Mon 5 Oct 10:00 | 60m    | ana, ben, cy        | asked, reminded, closed late 7 Oct   | 3        |
| B       | tara    | Mon 12 Oct 10:00| 90m    | ana, ben            | ana marked 13 Oct, closeout 15 Oct   | 1        |
| C       | tara    | Mon 26 Oct 10:00| 60m    | dan                 | nobody acts: closeout 29 Oct         | 1        |
| D       | tom     | Fri 30 Oct 14:00| 60m    | ana, ben, cy, dan   | closed by tom on 2 Nov (next month)  | 4        |
| E       | tara    | Mon 28 Sep 10:00| 60m    | —                   | logged on 3 Nov, eve marked          | 1        |
| F       | tara    | Mon 16 Nov 10:00| 60m    | ana, ben            | sent twice (one session), closeout   | 2        |
"""

from __future__ import annotations

from datetime import UTC, datetime

from config import Settings
from handlers.core import Core
from handlers.types import Reply
from scheduler.service import GuildScheduler
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import schedule


def t(day: str, hour: int, minute: int = 0) -> datetime:
    month, dom = (int(x) for x in day.split("-"))
    return datetime(2026, month, dom, hour, minute, tzinfo=UTC)


def fields(reply: Reply) -> dict[str, str]:
    return {name: value for section in reply.sections for name, value in section.fields}


def text_of(reply: Reply) -> str:
    return "\n".join([reply.text, *(s.text for s in reply.sections)])


class Story:
    def __init__(self, core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
        self.chat = Chat(core)
        self.notifier = notifier
        self.clock = clock
        self.scheduler = GuildScheduler(core=core, uow=core.uow, clock=clock,
                                        settings=Settings(timezone="UTC", admins=frozenset({"root"})))

    async def say(self, at: datetime, who: str, text: str) -> Reply:
        self.clock.now = at
        return await self.chat.say(who, text)

    async def job(self, at: datetime, name: str) -> list[str]:
        self.clock.now = at
        return await self.scheduler.run_job(name, at)

    def posted(self, channel: str) -> list[Reply]:
        return [reply for _, where, reply in self.notifier.posted if where == channel]

    def dms(self, user_id: str) -> list[Reply]:
        return [reply for to, reply in self.notifier.told if to.user_id == user_id]


async def test_two_months_of_sessions_count_on_the_day_they_were_held(
        core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
    s = Story(core, notifier, clock)
    try:
        await run_story(s)
    finally:
        await s.scheduler.shutdown()


async def run_story(s: Story) -> None:
    for command in ("admin channel roundup #roundup", "admin channel digest #digest",
                    "admin channel milestones #milestones"):
        await s.say(t("09-28", 9), "root", command)
    await s.say(t("09-28", 9), "tara", "volunteer sql")
    await s.say(t("09-28", 9), "tom", "volunteer excel")

    s.clock.now = t("10-01", 9)
    a = await schedule(s.chat, "tara", title="SQL 1", at="2026-10-05 10:00")
    b = await schedule(s.chat, "tara", title="SQL 2", at="2026-10-12 10:00", minutes=90)
    c = await schedule(s.chat, "tara", title="SQL 3", at="2026-10-26 10:00")
    d = await schedule(s.chat, "tom", title="Excel 1", at="2026-10-30 14:00")
    for session_id, people in ((a, "ana ben cy"), (b, "ana ben"), (c, "dan"), (d, "ana ben cy dan")):
        for who in people.split():
            await s.say(t("10-01", 10), who, f"signup {session_id}")

    # A: asked when it ends, reminded the next morning, closed late by tara, rated.
    assert await s.job(t("10-05", 11, 5), "closeout") == [f"closeout-ask session {a} · Test Co: told tara"]
    assert await s.job(t("10-06", 9, 5), "closeout") == [f"closeout-reminder session {a} · Test Co: told tara"]
    assert "I counted 3 people as attended" in (await s.say(t("10-07", 10), "tara", f"session done {a}")).text
    asked = await s.job(t("10-07", 10, 5), "feedback-requests")
    assert len(asked) == 3
    await s.say(t("10-07", 12), "ana", f"feedback {a} 5 Clear and practical")
    await s.say(t("10-07", 12), "ben", f"feedback {a} 4")
    await s.job(t("10-09", 10, 5), "milestones")
    await s.job(t("10-09", 16, 5), "roundup")

    # B: attendance marked late, never closed by tara: the closeout closes it.
    await s.job(t("10-12", 11, 35), "closeout")
    await s.say(t("10-13", 8, 30), "tara", f"session attend {b} @ana")
    await s.job(t("10-13", 9, 5), "closeout")
    assert await s.job(t("10-15", 11, 30), "closeout") == [
        f"closeout session {b} · Test Co: closed, 1 attended — told tara"]
    await s.job(t("10-16", 10, 5), "milestones")
    await s.job(t("10-16", 16, 5), "roundup")

    # C: nobody does anything; D: held on the last Friday of October, closed by tom in November.
    await s.job(t("10-26", 11, 5), "closeout")
    await s.job(t("10-29", 11, 0), "closeout")
    await s.say(t("10-29", 12), "dan", f"feedback {c} 3")
    await s.job(t("10-30", 15, 5), "closeout")
    await s.job(t("10-30", 16, 5), "roundup")
    await s.job(t("11-01", 9, 5), "digest")
    assert "I counted 4 people as attended" in (await s.say(t("11-02", 9), "tom", f"session done {d}")).text
    await s.job(t("11-02", 10, 5), "milestones")

    # E: a September session logged in November; F: sent twice, closed by the closeout.
    s.clock.now = t("11-03", 9)
    e = await schedule(s.chat, "tara", title="SQL 0", at="2026-09-28 10:00")
    await s.say(t("11-03", 9), "tara", f"session attend {e} @eve")
    f = await schedule(s.chat, "tara", title="SQL 4", at="2026-11-16 10:00")
    again = await s.say(t("11-03", 9, 1), "tara", 'session new "SQL 4" 2026-11-16 10:00 60m 5')
    assert f"already scheduled as session {f}" in again.text
    for who in ("ana", "ben"):
        await s.say(t("11-03", 10), who, f"signup {f}")
    await s.job(t("11-16", 11, 5), "closeout")
    await s.job(t("11-17", 9, 5), "closeout")
    await s.job(t("11-19", 11, 0), "closeout")
    await s.job(t("11-20", 10, 5), "milestones")
    await s.job(t("12-01", 9, 5), "digest")

    # --- the roundups: each week counts the sessions held in it, as known when it was posted ------------------
    first, second, third = (text_of(r) for r in s.posted("roundup"))
    assert "🎓 1 session delivered, 3 learners trained." in first  # A, closed two days late
    assert "<@tara> delivered their first session" in first
    assert "🎓 1 session delivered, 1 learner trained." in second  # B, closed by the closeout
    assert "🎓 1 session delivered, 1 learner trained." in third  # C; D was still open at 16:05

    # --- the monthly digests: October posted on 1 Nov, November on 1 Dec (compared with October as now known) -
    october, november = (fields(r) for r in s.posted("digest"))
    assert october["Sessions delivered"].startswith("3  (new) · ")  # A, B, C (E was not logged yet)
    assert october["Learners trained"].startswith("5  (new) · ")
    assert october["Training hours"].startswith("3.5 h  (new) · ")  # 60 + 90 + 60 minutes
    assert october["Average rating"] == "4.0 / 5"  # 5, 4 and 3
    # F against A, B, C, D; since September: E, A, B, C, D, F
    assert november["Sessions delivered"].startswith("1  (−3) · 6 since Sep 2026")
    # 2 against 3 + 1 + 1 + 4; since September: 1 + 9 + 2
    assert november["Learners trained"].startswith("2  (−7) · 12 since Sep 2026")
    preview = fields(await s.say(t("12-02", 9), "root", "digest month"))
    assert preview["Sessions delivered"] == november["Sessions delivered"]

    # --- me: all-time numbers, every held session counted once ---------------------------------------------
    tara = fields(await s.say(t("12-02", 9), "tara", "me"))
    assert (tara["Sessions delivered"], tara["Learners trained"]) == ("5", "8")  # A B C E F; 3+1+1+1+2
    assert tara["Average rating"] == "4.0 / 5 from 3 ratings"
    assert tara["Status"] == "active"
    tom = fields(await s.say(t("12-02", 9), "tom", "me"))
    assert (tom["Sessions delivered"], tom["Learners trained"], tom["Status"]) == ("1", "4", "active")
    assert fields(await s.say(t("12-02", 9), "ana", "me"))["Sessions attended"] == "4"  # A B D F

    # --- milestones: each first session announced once, in the week it was held -----------------------------
    announced = [line for reply in s.posted("milestones") for line in reply.text.splitlines()[1:]]
    assert announced == [
        "• <@tara> delivered their first session",
        "• <@tara> finished onboarding and is now an active trainer — welcome aboard!",
        "• <@tom> delivered their first session",
        "• <@tom> finished onboarding and is now an active trainer — welcome aboard!",
    ]

    # --- each trainer heard about each session exactly as often as the story says ------------------------------
    titles = [r.title for r in s.dms("tara") if r.title in ("Close your session", "Session closed")]
    # A: ask + reminder; B: ask + reminder + closed; C: ask + closed; F: ask + reminder + closed
    assert titles.count("Session closed") == 3 and titles.count("Close your session") == 7
