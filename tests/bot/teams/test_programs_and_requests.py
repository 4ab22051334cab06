"""Teams end to end: a topic request's +1 button, and a program's card whose "Schedule a session" opens the form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from storage.models import RequestSupporter, TopicRequest, TrainerProfile, TrainingSession
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams
from tests.bot.teams.test_conversation_flow import scalar


def actions(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Action.Submit of a card (its own and its containers'), by title."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found[node["title"]] = node["data"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def active_trainer(teams: Teams, uow, who: str, topics: str) -> None:  # type: ignore[no-untyped-def]
    """``who`` volunteers in chat and is made active (as an admin would, or onboarding's last step)."""
    assert await teams.send(act.personal_message(teams.url, who, f"volunteer {topics}")) == 201
    async with uow() as work:
        await work.session.execute(update(TrainerProfile).values(status="active"))
        await work.commit()


async def test_the_plus_one_button_joins_a_request_once_and_the_third_person_alerts_the_trainer(
    teams: Teams, uow  # type: ignore[no-untyped-def]
) -> None:
    await active_trainer(teams, uow, "ana", "sql")
    message = act.channel_message(teams.url, "ben", "request SQL: window functions")
    assert await teams.send(message) == 201
    [reply] = teams.connector.to(message["conversation"]["id"])
    plus_one = actions(reply.cards[0])["+1"]
    assert plus_one == {"command": "request sql"}

    for _ in range(2):  # a double click counts once
        assert await teams.send(act.card_submit(teams.url, "cy", plus_one, channel=True)) == 201
    assert await scalar(uow, select(func.count()).select_from(RequestSupporter)) == 2
    answers = [c.text for c in teams.connector.sent() if "Cy Okoro" in str(c.body) or "already behind" in c.text]
    assert any("already behind" in text for text in answers), "the second click is told privately it counted once"
    assert not [c for c in teams.connector.sent() if "people asked for a session" in c.text]
    assert await teams.send(act.card_submit(teams.url, "dee", plus_one, channel=True)) == 201
    [alert] = [c for c in teams.connector.to("a:personal-ana") if "people asked for a session" in c.text]
    assert "3 people asked for a session on **sql**" in alert.text
    assert await scalar(uow, select(TopicRequest.status)) == "open"


async def test_a_program_card_schedules_a_session_of_the_program_through_the_form(
    teams: Teams, uow  # type: ignore[no-untyped-def]
) -> None:
    await active_trainer(teams, uow, "ana", "safety")
    assert await teams.send(act.personal_message(teams.url, "ana", 'program new "Three steps" #safety')) == 201
    [card] = teams.connector.to("a:personal-ana")[-1].cards
    assert "Learners reached" in str(card) and "Sessions delivered" in str(card)
    schedule = actions(card)["Schedule a session"]
    assert schedule == {"command": "session new program 1"}

    assert await teams.send(act.card_submit(teams.url, "ana", schedule)) == 201
    [form] = teams.connector.to("a:personal-ana")[-1].cards
    [submit] = form["actions"]
    value = {**submit["data"], "title": "Three steps, Monday group", "date": "2026-12-03", "time": "09:30",
             "minutes": "90", "seats": "8", "topic": ""}
    assert await teams.send(act.card_submit(teams.url, "ana", value)) == 201
    session = await scalar(uow, select(TrainingSession))
    assert (session.title, session.program_id, session.topic) == ("Three steps, Monday group", 1, "safety")
