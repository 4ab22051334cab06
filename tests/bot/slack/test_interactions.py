"""Buttons and modals run the same use cases as typed commands; double clicks and submits record once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.slack.blocks import render
from handlers.types import Button, Reply
from storage.models import Enrollment, Feedback, Kudos, KudosValue, TrainingSession
from tests.bot.slack.conftest import SlackHarness


async def schedule(slack: SlackHarness, seats: int = 5, day: str = "2026-12-01") -> None:
    """Ben volunteers and schedules session 1."""
    await slack.command("/volunteer", "sql", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN")
    await slack.command("/guild", f'session new "SQL joins" {day} 14:00 60m {seats} #sql', user="UBEN")
    if day > "2026-11-23":
        await slack.fake.wait_for("chat.postMessage", where=lambda c: "SQL joins" in str(c.body.get("blocks")))
    else:
        await slack.fake.wait_for("respond:cmd-UBEN", 2)


async def test_sign_up_button_takes_a_seat_once_however_often_it_is_clicked(slack: SlackHarness) -> None:
    await schedule(slack)
    await slack.click("signup 1")
    await slack.click("signup 1")
    answers = await slack.fake.wait_for("respond:click-UANA", 2)
    assert all(a.body["response_type"] == "ephemeral" for a in answers)
    assert await slack.count(Enrollment, Enrollment.status == "confirmed") == 1


async def test_forty_concurrent_sign_ups_for_five_seats_confirm_five(slack: SlackHarness) -> None:
    await schedule(slack, seats=5)
    people = [f"U{n:03d}" for n in range(40)]
    responses = await asyncio.gather(*(slack.click("signup 1", user=p) for p in people))
    assert {r.status for r in responses} == {200}
    for person in people:
        await slack.fake.wait_for(f"respond:click-{person}", within=30)
    assert await slack.count(Enrollment, Enrollment.status == "confirmed") == 5
    assert await slack.count(Enrollment, Enrollment.status == "waitlisted") == 35
    async with slack.core.uow() as uow:
        assert await uow.session.scalar(select(TrainingSession.taken)) == 5


async def test_session_new_without_arguments_opens_a_modal_that_schedules_it(slack: SlackHarness) -> None:
    await slack.command("/volunteer", "sql", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN")
    await slack.command("/guild", "session new", user="UBEN")
    [opened] = await slack.fake.wait_for("views.open")
    view = opened.json("view")
    assert opened.body["trigger_id"].startswith("trigger-")
    assert {b["element"]["type"] for b in view["blocks"]} >= {"datepicker", "timepicker", "number_input"}

    values = {"title": {"type": "plain_text_input", "value": "Ana's \"SQL\" joins"},
              "day": {"type": "datepicker", "selected_date": "2026-12-01"},
              "start": {"type": "timepicker", "selected_time": "14:00"},
              "minutes": {"type": "number_input", "value": "90"},
              "seats": {"type": "number_input", "value": "8"},
              "topic": {"type": "plain_text_input", "value": "Data Bases"}}
    for _ in range(2):  # a double submit of the same view
        response = await slack.submit(view, values, user="UBEN")
        assert response.status == 200
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    async with slack.core.uow() as uow:
        [session] = (await uow.session.scalars(select(TrainingSession))).all()
        assert (session.title, session.duration_minutes, session.seats, session.topic) == (
            'Ana\'s "SQL" joins', 90, 8, "data-bases")


async def test_a_form_the_grammar_rejects_shows_the_reason_next_to_the_input(slack: SlackHarness) -> None:
    await slack.command("/guild", "session new", user="UBEN")
    [opened] = await slack.fake.wait_for("views.open")
    values = {"title": {"type": "plain_text_input", "value": "SQL"},
              "day": {"type": "datepicker", "selected_date": "2026-12-01"},
              "start": {"type": "timepicker", "selected_time": "14:00"},
              "minutes": {"type": "number_input", "value": "60"},
              "seats": {"type": "number_input", "value": "0"}}
    response = await slack.submit(opened.json("view"), values, user="UBEN")
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["seats"] and "1 to" in answer["errors"]["seats"]
    assert await slack.count(TrainingSession) == 0


async def test_kudos_modal_thanks_everyone_picked_with_their_values(slack: SlackHarness) -> None:
    await slack.command("/kudos", "")
    [opened] = await slack.fake.wait_for("views.open")
    view = opened.json("view")
    short = {"people": {"type": "multi_users_select", "selected_users": ["UBEN"]},
             "message": {"type": "plain_text_input", "value": "thanks!"}}
    rejected = await (await slack.submit(view, short)).json()
    assert list(rejected["errors"]) == ["message"]

    values = {"people": {"type": "multi_users_select", "selected_users": ["UBEN", "UCARA"]},
              "message": {"type": "plain_text_input", "value": "for the <@UADMIN> & co workshop"},
              "values": {"type": "plain_text_input", "value": "Teamwork, craft"}}
    await slack.submit(view, values, view_id="VKUDOS")
    [post] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    assert "&amp; co" in str(post.json("blocks")) and "<@UADMIN>" not in str(post.json("blocks"))
    assert await slack.count(Kudos) == 2
    async with slack.core.uow() as uow:
        assert set(await uow.session.scalars(select(KudosValue.value))) == {"teamwork", "craft"}


async def test_rating_buttons_come_with_a_comment_modal(slack: SlackHarness) -> None:
    await schedule(slack, day="2026-11-20")  # logged: it already happened
    await slack.command("/guild", "session attend 1 <@UANA|ana>", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN", 3)
    request = Reply("How was *SQL joins*?", buttons=tuple(Button(str(n), f"feedback 1 {n}") for n in range(1, 6)))
    [actions] = [b for b in render(request) if b["type"] == "actions"]
    comment = actions["elements"][-1]
    assert [e["value"] for e in actions["elements"]][:5] == [f"feedback 1 {n}" for n in range(1, 6)]
    assert comment["text"]["text"] == "Add a comment"

    await slack.click("feedback 1 4")
    await slack.click("feedback 1 4")  # a double click rates once
    await slack.fake.wait_for("respond:click-UANA", 2)
    assert await slack.count(Feedback) == 1

    await slack.click(comment["value"])
    [opened] = await slack.fake.wait_for("views.open")
    values = {"rating": {"type": "static_select", "selected_option": {"value": "5"}},
              "comment": {"type": "plain_text_input", "value": "Clear, and the exercises helped"},
              "anonymous": {"type": "checkboxes", "selected_options": []}}
    await slack.submit(opened.json("view"), values)
    await slack.fake.wait_for("respond:click-UANA", 3)
    async with slack.core.uow() as uow:
        [(rating, comment_text)] = (await uow.session.execute(select(Feedback.rating, Feedback.comment))).all()
    assert (rating, comment_text) == (5, "Clear, and the exercises helped")


async def test_attendance_button_opens_a_people_picker(slack: SlackHarness) -> None:
    await schedule(slack, day="2026-11-20")
    await slack.click("session attend 1", user="UBEN")
    [opened] = await slack.fake.wait_for("views.open")
    assert opened.json("view")["blocks"][0]["element"]["type"] == "multi_users_select"
    await slack.submit(opened.json("view"), {"people": {"type": "multi_users_select",
                                                         "selected_users": ["UANA", "UCARA"]}}, user="UBEN")
    await slack.fake.wait_for("respond:click-UBEN")  # the answer goes back where the button was
    assert await slack.count(Enrollment, Enrollment.status == "attended") == 2
