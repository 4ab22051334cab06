"""Slack end to end: a topic request's +1 button, and a program's card whose "Schedule a session" opens the form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import RequestSupporter, TopicRequest, TrainingSession
from tests.bot.slack.conftest import SlackHarness


def buttons(blocks: Any) -> dict[str, str]:
    """Button label → the command it carries, over a message's actions blocks and section accessories."""
    elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    elements += [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]
    return {e["text"]["text"]: e["value"] for e in elements}


async def test_the_plus_one_button_joins_a_request_once_and_the_third_person_alerts_the_trainer(
    slack: SlackHarness
) -> None:
    await slack.command("/volunteer", "public speaking", user="UADMIN")
    await slack.fake.wait_for("respond:cmd-UADMIN")
    await slack.command("/guild", "admin trainer activate <@UADMIN>", user="UADMIN")
    await slack.fake.wait_for("respond:cmd-UADMIN", 2)
    await slack.command("/guild", "request Public speaking: client demos", user="UANA")
    [card] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    assert "client demos" in str(card.json("blocks"))
    plus_one = buttons(card.json("blocks"))["+1"]
    assert plus_one == "request public-speaking"

    await slack.click(plus_one, user="UBEN")
    await slack.click(plus_one, user="UBEN")  # a double click counts once
    answers = await slack.fake.wait_for("respond:click-UBEN", 2)
    assert "Added you — 2 people" in str(answers[0].body) and "already behind" in str(answers[1].body)
    await slack.click(plus_one, user="UCARA")
    await slack.fake.wait_for("respond:click-UCARA")
    [alert] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUADMIN"
                                        and "asked for a session" in str(c.body.get("blocks")))
    assert "3 people asked for a session on *public-speaking*" in str(alert.json("blocks"))
    await slack.idle()
    async with slack.core.uow() as uow:
        assert await uow.session.scalar(select(TopicRequest.status)) == "open"
    assert await slack.count(RequestSupporter) == 3


async def test_a_program_card_schedules_a_session_of_the_program_through_the_form(slack: SlackHarness) -> None:
    await slack.command("/volunteer", "safety", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN")
    await slack.command("/guild", 'program new "Three steps of safety" #safety', user="UBEN")
    [card] = await slack.fake.wait_for("chat.postMessage", where=lambda c: "Three steps" in str(c.body.get("blocks")))
    blocks = card.json("blocks")
    assert "Sessions delivered" in str(blocks) and "Learners reached" in str(blocks)
    schedule = buttons(blocks)["Schedule a session"]
    assert schedule == "session new program 1"

    await slack.click(schedule, user="UBEN")
    [opened] = await slack.fake.wait_for("views.open")
    values = {"title": {"type": "plain_text_input", "value": "Three steps, Monday group"},
              "day": {"type": "datepicker", "selected_date": "2026-12-01"},
              "start": {"type": "timepicker", "selected_time": "14:00"},
              "minutes": {"type": "number_input", "value": "90"},
              "seats": {"type": "number_input", "value": "8"}}
    response = await slack.submit(opened.json("view"), values, user="UBEN")
    assert response.status == 200
    await slack.fake.wait_for("chat.postMessage", where=lambda c: "Monday group" in str(c.body.get("blocks")))
    async with slack.core.uow() as uow:
        stored = (await uow.session.execute(
            select(TrainingSession.title, TrainingSession.program_id, TrainingSession.topic))).all()
    assert stored == [("Three steps, Monday group", 1, "safety")]
