"""The close-out message on Teams: an Adaptive Card whose Action.Submit buttons mark attendance and close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from config import Settings
from scheduler.service import GuildScheduler
from storage.models import Enrollment, Member, TrainingSession
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams
from tests.bot.teams.test_conversation_flow import _actions, scalar, schedule
from tests.fakes import FakeClock

ENDED = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


async def test_the_closeout_card_marks_attendance_and_closes_the_session(teams: Teams, uow, clock: FakeClock  # type: ignore[no-untyped-def]
                                                                         ) -> None:
    await schedule(teams, "ana", 'session new "SQL joins" 2026-12-01 14:00 60m 5 #sql')
    session_id = await scalar(uow, select(TrainingSession.id))
    for who in ("ben", "cy"):
        await teams.send(act.personal_message(teams.url, who, f"signup {session_id}"))
    scheduler = GuildScheduler(core=teams.core, uow=uow, clock=clock,
                               settings=Settings(timezone="UTC", admins=frozenset()))
    clock.now = ENDED
    before = len(teams.connector.to("a:personal-ana"))
    try:
        assert await scheduler.run_job("closeout", ENDED) == [
            f"closeout-ask session {session_id} · teams:{act.TENANT}: told 29:ana"]
        await scheduler.run_job("closeout", ENDED)
    finally:
        await scheduler.shutdown()
    [card] = teams.connector.to("a:personal-ana")[before:]
    assert "SQL joins" in card.text and "has ended" in card.text
    actions: list[dict[str, Any]] = _actions(card.cards)
    assert [a["title"] for a in actions] == ["✓ Ben Ng", "✓ Cy Okoro", "All 2 came", "Close session", "Add notes"]

    [ben_came] = [a for a in actions if a["title"] == "✓ Ben Ng"]
    assert await teams.send(act.card_submit(teams.url, "ana", ben_came["data"])) == 201
    [close] = [a for a in actions if a["title"] == "Close session"]
    assert await teams.send(act.card_submit(teams.url, "ana", close["data"])) == 201

    async with uow() as work:
        rows = dict((await work.session.execute(
            select(Member.user_id, Enrollment.status).join(Enrollment, Enrollment.member_id == Member.id))).all())
        status = await work.session.scalar(select(TrainingSession.status))
    assert rows == {"29:ben": "attended", "29:cy": "no_show"} and status == "done"
    assert "I counted 1 person as attended and 1 no-show" in teams.connector.to("a:personal-ana")[-1].text
