"""Slack end to end: the competency survey arrives as a DM with 1–5 buttons; a click and a typed answer are stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Member, SurveyRating
from tests.bot.slack.conftest import SlackHarness


def survey_buttons(blocks: Any) -> list[str]:
    elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    elements += [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]
    return [e["value"] for e in elements if str(e.get("value", "")).startswith("survey rate")]


async def ratings(slack: SlackHarness, user: str) -> dict[str, int]:
    async with slack.core.uow() as uow:
        rows = await uow.session.execute(
            select(SurveyRating.competency, SurveyRating.rating)
            .join(Member, Member.id == SurveyRating.member_id).where(Member.user_id == user))
        return dict(rows.all())


async def test_the_survey_form_arrives_by_dm_and_its_buttons_and_typed_answer_are_stored(
    slack: SlackHarness
) -> None:
    await slack.command("/volunteer", "sql", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN")
    await slack.command("/guild", "admin trainer activate <@UBEN>", user="UADMIN")
    await slack.fake.wait_for("respond:cmd-UADMIN")
    await slack.command("/guild", "admin survey start", user="UADMIN")
    [_, done] = await slack.fake.wait_for("respond:cmd-UADMIN", 2)
    assert "Competency survey round 1 is open" in str(done.body)
    [dm] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUBEN"
                                     and "competency survey" in str(c.body.get("blocks")))
    values = survey_buttons(dm.json("blocks"))
    assert len(values) == 30 and "survey rate 1 2 4" in values  # six competencies × five ratings

    await slack.click("survey rate 1 2 4", user="UBEN", channel="DUBEN")
    [answer] = await slack.fake.wait_for("respond:click-UBEN")
    assert "*Building partnerships*: 4. 5 to go." in str(answer.body)
    assert await ratings(slack, "UBEN") == {"building partnerships": 4}

    await slack.command("/guild", "survey answer 5 4 3 2 1 2 : more on conflict", user="UBEN")
    [_, typed] = await slack.fake.wait_for("respond:cmd-UBEN", 2)
    assert "Replaced your earlier answer." in str(typed.body)
    assert await ratings(slack, "UBEN") == {
        "giving feedback": 5, "building partnerships": 4, "handling conflict": 3,
        "managing energy and avoiding burnout": 2, "engaging a group": 1, "designing materials": 2}
