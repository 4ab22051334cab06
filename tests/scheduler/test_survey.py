"""The competency survey through the core: a round, a reminder after 3 days, replaced answers, results by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import export
from storage.models import SurveyRating, SurveyResponse
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import rows
from tests.scheduler.conftest import MakeScheduler
from tests.scheduler.seed import Seed

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def survey_dms(notifier: RecordingNotifier, user_id: str) -> list[str]:
    return [reply.text for to, reply in notifier.told if to.user_id == user_id and reply.title == "Competency survey"]


async def test_a_survey_round_with_a_reminder_a_replaced_answer_and_results(
    seed: Seed, chat: Chat, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock, uow  # type: ignore[no-untyped-def]
) -> None:
    for who in ("tara", "tom", "uma"):
        await seed.volunteer(who, MONDAY - timedelta(days=100), status="active", onboarded_at=MONDAY)
    await seed.volunteer("olga", MONDAY, status="onboarding")  # not active yet: not invited
    assert "admin" in (await chat.say("tara", "admin survey start")).text.lower()
    reply = await chat.say("root", "admin set competencies Giving feedback, handling conflict,  engaging   a group")
    assert reply.text == "The next competency survey asks about: giving feedback, handling conflict, engaging a group."
    reply = await chat.say("root", "admin survey start")
    assert reply.text.startswith("Competency survey round 1 is open: I sent it to 3 active trainers")
    [form] = [r for to, r in notifier.told if to.user_id == "tara"]
    assert [s.text for s in form.sections] == ["*1. Giving feedback*", "*2. Handling conflict*",
                                               "*3. Engaging a group*"]
    assert [b.command for b in form.sections[1].buttons] == [f"survey rate 1 2 {r}" for r in range(1, 6)]
    assert survey_dms(notifier, "olga") == []

    # tara types her whole answer; tom taps buttons, then answers again (replacing the first)
    assert "self-ratings are in" in (await chat.say("tara", "survey answer 4 2 5 : more on conflict please")).text
    for command in ("survey rate 1 1 1", "survey rate 1 2 1", "survey rate 1 3 1"):
        await chat.say("tom", command)
    assert "That's all of them" in (await chat.say("tom", "survey rate 1 3 2")).text  # replaces that rating
    replaced = await chat.say("tom", "survey answer 3 1 4")
    assert replaced.text.startswith("Replaced your earlier answer.")
    assert "Give 3 ratings" in (await chat.say("tom", "survey answer 3 1")).text
    assert len(await rows(chat, select(SurveyResponse.member_id))) == 2
    assert len(await rows(chat, select(SurveyRating.rating))) == 6

    scheduler = make_scheduler()
    clock.now = MONDAY + timedelta(days=2, hours=23)
    assert not any("survey-reminder" in line for line in await scheduler.run_job("onboarding-nudges"))
    clock.now = MONDAY + timedelta(days=3, hours=1)
    assert await scheduler.run_job("onboarding-nudges") == ["survey-reminder round 1 · Test Co: told uma"]
    assert survey_dms(notifier, "uma")[-1].startswith("A reminder: the competency survey is open (round 1).")
    assert await scheduler.run_job("onboarding-nudges") == ["onboarding-nudges · Test Co: none due"]
    assert len(survey_dms(notifier, "tara")) == 1

    # by hand: feedback (4, 3) → 3.5 ± 0.5; conflict (2, 1) → 1.5 ± 0.5; group (5, 4) → 4.5 ± 0.5
    assert "admins and leaders" in (await chat.say("tara", "survey results")).text
    results = await chat.say("root", "survey results")
    fields = dict(results.sections[0].fields)
    assert fields["Responses"] == "2 of 3 invited"
    assert fields["Weakest"] == "handling conflict (1.5), giving feedback (3.5), engaging a group (4.5)"
    assert results.sections[1].text == ("• Giving feedback: average 3.5, spread ±0.5\n"
                                        "• Handling conflict: average 1.5, spread ±0.5\n"
                                        "• Engaging a group: average 4.5, spread ±0.5")
    me = await chat.say("tara", "me")
    assert ("*Your competency self-ratings (round 1)*\nGiving feedback: 4\nHandling conflict: 2\n"
            "Engaging a group: 5\nComment: more on conflict please") in [s.text for s in me.sections]
    assert "Handling conflict" not in " ".join(s.text for s in (await chat.say("uma", "me")).sections)

    digest = await chat.say("root", "digest month so far")
    assert ("🎓 Competency survey round 1: the weakest is *handling conflict* (1.5 of 5) — worth a session on it "
            'that only trainers can sign up for: `session new "Handling conflict" <YYYY-MM-DD> <HH:MM> 60m <seats> '
            "#handling-conflict for trainers`.") in " ".join(s.text for s in digest.sections)

    # a second round: the change since the previous one
    clock.now = MONDAY + timedelta(days=90)
    await chat.say("root", "admin survey start")
    await chat.say("tara", "survey answer 5 3 5")
    second = await chat.say("root", "survey results")
    assert "• Giving feedback: average 5.0, spread ±0.0 (+1.5 since the previous round)" in second.sections[1].text
    assert dict(second.sections[0].fields)["Responses"] == "1 of 3 invited"
    assert "Round 1 is closed" in (await chat.say("tom", "survey rate 1 1 5")).text

    async with uow() as unit:
        exported = [r async for r in export.rows(unit.session, "competencies")]
    assert list(exported[0]) == ["round", "member", "competency", "rating", "submitted_at"]
    assert [(r["round"], r["member"], r["competency"], r["rating"]) for r in exported if r["member"] == "tom"] == [
        (1, "tom", "engaging a group", 4), (1, "tom", "giving feedback", 3), (1, "tom", "handling conflict", 1)]
    assert len(exported) == 9
