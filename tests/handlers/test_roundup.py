"""The weekly roundup tells the week's thanks, training and milestones — or says nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.roundup import weekly_roundup
from handlers.types import Reply
from storage import members
from tests.scheduler.seed import Seed

BERLIN = ZoneInfo("Europe/Berlin")
END = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Fri 16:00 in Berlin
START = END - timedelta(days=7)
IN = START + timedelta(days=2)


@pytest.fixture
async def seed(uow) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community()
    return seed


async def roundup(seed: Seed) -> Reply | None:
    async with seed.uow() as uow:
        community = await members.find_community(uow.session, seed.community_id)
        assert community is not None
        return await weekly_roundup(uow.session, community, START, END, BERLIN)


def everything(reply: Reply) -> str:
    return "\n".join([reply.title or "", reply.text, *(s.text for s in reply.sections)])


async def test_a_quiet_week_gives_no_roundup(seed: Seed) -> None:
    await seed.kudos("ana", "ben", "last week's thanks", START - timedelta(hours=1))
    assert await roundup(seed) is None


async def test_the_roundup_tells_the_weeks_kudos_training_and_newcomers(seed: Seed) -> None:
    await seed.kudos("ana", "ben", "before this week", START - timedelta(days=3))
    await seed.kudos("ana", "ben", "thanks for the brilliant walkthrough of our deployment pipeline", IN,
                     ["craft", "teamwork"])
    await seed.kudos("cara", "ben", "thanks!", IN, ["craft"])
    await seed.kudos("ben", "dan", "you saved my demo", IN, ["teamwork", "craft"])
    await seed.session("tara", IN, attended=["ana", "ben", "cara"], no_show=["dan"])
    await seed.volunteer("vic", IN)
    await seed.announced(f"trainer-sessions:{(await seed.ids('tara'))['tara']}:1", IN)
    await seed.announced("community-learners:1000", START - timedelta(hours=1))  # the week before
    reply = await roundup(seed)
    assert reply is not None and reply.public
    text = everything(reply)
    assert reply.title == "Weekly recognition roundup"
    assert "week of 20 Nov – 27 Nov 2026" in reply.text
    assert "*3 kudos* for 2 people: <@ben> (2) and <@dan> (1)." in text
    assert "Values most named: #craft (3), #teamwork (2)." in text
    assert "> “thanks for the brilliant walkthrough of our deployment pipeline”\n> — <@ana> to <@ben>" in text
    assert "> “you saved my demo”\n> — <@ben> to <@dan>" in text
    assert "First kudos ever for <@dan>" in text  # ben was thanked before this week
    assert "🎓 1 session delivered, 3 learners trained." in text
    assert "Welcome to our new volunteer trainer <@vic>!" in text
    assert "🏆 *Milestones*\n• <@tara> delivered their first session" in text
    assert "1,000" not in text
    assert reply.names == {"ana": "Ana", "ben": "Ben", "dan": "Dan", "vic": "Vic", "tara": "Tara"}


async def test_many_recipients_are_summarised(seed: Seed) -> None:
    for n in range(7):
        await seed.kudos("ana", f"p{n}", "thanks", IN)
    text = everything(await roundup(seed))  # type: ignore[arg-type]
    assert "*7 kudos* for 7 people:" in text and "and 2 others." in text
