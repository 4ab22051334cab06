"""Teams end to end: the competency survey arrives as a card with 1–5 buttons; a click and a typed answer are stored."""

from __future__ import annotations

from sqlalchemy import select, update

from storage.models import Member, SurveyRating
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams
from tests.bot.teams.test_programs_and_requests import actions, active_trainer


async def ratings(uow, user_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with uow() as work:
        rows = await work.session.execute(
            select(SurveyRating.competency, SurveyRating.rating)
            .join(Member, Member.id == SurveyRating.member_id).where(Member.user_id == user_id))
        return dict(rows.all())


async def test_the_survey_card_arrives_and_its_buttons_and_typed_answer_are_stored(
    teams: Teams, uow  # type: ignore[no-untyped-def]
) -> None:
    await active_trainer(teams, uow, "ana", "sql")
    assert await teams.send(act.personal_message(teams.url, "dee", "help")) == 201
    async with uow() as work:
        await work.session.execute(update(Member).where(Member.user_id == "29:dee").values(is_admin=True))
        await work.commit()
    assert await teams.send(act.personal_message(teams.url, "dee", "admin survey start")) == 201
    assert "Competency survey round 1 is open" in teams.connector.to("a:personal-dee")[-1].text
    [card] = next(c for c in teams.connector.to("a:personal-ana") if "competency survey is open" in str(c.body)).cards
    buttons = actions(card)
    assert buttons["4"] != buttons["5"]
    rate = {"command": "survey rate 1 2 4"}
    assert rate in [data for data in _all_data(card)]

    assert await teams.send(act.card_submit(teams.url, "ana", rate)) == 201
    assert "Building partnerships" in teams.connector.to("a:personal-ana")[-1].text
    assert await ratings(uow, "29:ana") == {"building partnerships": 4}

    assert await teams.send(act.personal_message(teams.url, "ana", "survey answer 5 4 3 2 1 2 : more on conflict")) \
        == 201
    assert "Replaced your earlier answer." in teams.connector.to("a:personal-ana")[-1].text
    assert (await ratings(uow, "29:ana"))["handling conflict"] == 3


def _all_data(card: dict) -> list[dict]:  # type: ignore[type-arg]
    found: list[dict] = []  # type: ignore[type-arg]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found
