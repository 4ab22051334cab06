"""The leadership digest: the period's figures against the previous one, real voices, and workload health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers import spans
from handlers.digest import change, leadership_digest
from handlers.types import Reply
from storage import members
from tests.fakes import Chat, FakeClock
from tests.scheduler.seed import Seed

UTC_ZONE = ZoneInfo("UTC")
NOVEMBER = spans.containing("month", datetime(2026, 11, 15, tzinfo=UTC), UTC_ZONE)
NOV = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
OCT = datetime(2026, 10, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
async def seed(uow) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community()
    # October: one session, two learners, one rating, two kudos
    october = await seed.session("tara", OCT, minutes=60, attended=["ana", "ben"])
    await seed.feedback(october, "ana", 4, OCT)
    await seed.kudos("ana", "tara", "thanks", OCT)
    await seed.kudos("ben", "tara", "thanks", OCT)
    # November: more of everything, and Tara is stretched thin
    first = await seed.session("tara", NOV, minutes=90, title="Intro to SQL", attended=["ana", "ben", "cara"],
                               no_show=["dan"])
    await seed.session("tom", NOV + timedelta(days=1), minutes=60, attended=["ana"])
    await seed.feedback(first, "ana", 5, NOV, "The hands-on exercises made indexes finally click", anonymous=True)
    await seed.feedback(first, "ben", 4, NOV, "Good pace")
    for day in range(12):
        await seed.session("tara", NOV + timedelta(days=day + 2), status="scheduled")
    for giver in ("ana", "ben", "cara"):
        await seed.kudos(giver, "tom", "thanks", NOV)
    await seed.volunteer("vic", NOV)
    return seed


async def digest(seed: Seed) -> Reply:
    async with seed.uow() as uow:
        community = await members.find_community(uow.session, seed.community_id)
        assert community is not None
        return await leadership_digest(uow.session, community, NOVEMBER, UTC_ZONE)


async def test_every_figure_comes_with_its_change(seed: Seed) -> None:
    reply = await digest(seed)
    assert reply.public and reply.title == "Leadership digest — November 2026"
    assert reply.text == "In November 2026, 4 learners trained (▲ 100%)."
    assert dict(reply.sections[0].fields) == {
        "Learners trained": "4  (▲ 100%)",
        "Unique learners": "3  (▲ 50%)",
        "Sessions delivered": "2  (▲ 100%)",
        "Training hours": "2.5 h  (▲ 150%)",
        "Attendance rate": "80%  (▼ 20 pts)",
        "Average rating": "4.5 / 5  (▲ 13%)",
        "Feedback response rate": "50%  (no change)",
        "Active trainers": "2  (▲ 100%)",
        "New volunteers": "1  (▲ new)",
        "Kudos given": "3  (▲ 50%)",
    }


async def test_quotes_are_anonymous_and_workload_flags_burnout(seed: Seed) -> None:
    reply = await digest(seed)
    quotes, workload = reply.sections[1].text, reply.sections[2].text
    assert quotes == ("💬 *What learners said*\n"
                      "> “The hands-on exercises made indexes finally click” — on *Intro to SQL* (5★)\n"
                      "> “Good pace” — on *Intro to SQL* (4★)")
    assert "<@" not in quotes
    assert "Sessions per trainer: <@tara> 1, <@tom> 1." in workload
    assert "⚠️ Above the burnout threshold (more than 12 sessions in the 4 weeks to the end of the period): " \
           "<@tara> (13). Worth a check-in." in workload
    assert reply.names == {"tara": "Tara", "tom": "Tom"}


async def test_a_higher_threshold_flags_nobody(seed: Seed) -> None:
    await seed.community(burnout_threshold=13)
    workload = (await digest(seed)).sections[2].text
    assert "✅ No trainer above the burnout threshold (more than 13 sessions" in workload


def test_change_markers() -> None:
    assert change(12, 10) == "(▲ 20%)"
    assert change(5, 10) == "(▼ 50%)"
    assert change(3, 3) == "(no change)"
    assert change(3, 0) == "(▲ new)"
    assert change(0, 0) == "(no change)"
    assert change(None, 0.5, "rate") == "(no comparison)"
    assert change(0.75, 0.5, "rate") == "(▲ 25 pts)"


async def test_admins_and_leaders_preview_the_last_complete_period_privately(
    seed: Seed, chat: Chat, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    await seed.role("lea", is_leader=True)
    for who in ("root", "lea"):
        reply = await chat.say(who, "digest")
        assert not reply.public
        assert reply.title == "Leadership digest — November 2026"
        assert reply.text.startswith("Preview, only for you. In November 2026, 4 learners trained")
    weekly = await chat.say("root", "digest week")
    assert weekly.title == "Leadership digest — the week of 23 November 2026"


async def test_others_are_refused_politely(seed: Seed, chat: Chat) -> None:
    reply = await chat.say("ana", "digest month")
    assert not reply.public
    assert reply.text.startswith("The digest preview is for Guild admins and leaders.")
    assert not reply.sections
