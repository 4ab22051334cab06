"""Slack end to end: editing a session (modal from its card, and typed), `sessions mine`, `session feedback`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.models import TrainingSession
from tests.bot.slack.conftest import SlackHarness
from tests.bot.slack.test_interactions import schedule


async def session_row(slack: SlackHarness) -> TrainingSession:
    async with slack.core.uow() as uow:
        row = (await uow.session.scalars(select(TrainingSession))).one()
        uow.session.expunge(row)  # readable after the unit of work rolls back
        return row


def dms_to(slack: SlackHarness, user: str) -> list[str]:
    return [str(c.json("blocks")) for c in slack.fake.of("chat.postMessage") if c.body.get("channel") == f"D{user}"]


async def test_the_trainer_edits_from_the_card_in_a_modal_and_people_signed_up_are_told(slack: SlackHarness) -> None:
    await schedule(slack, seats=1)
    await slack.click("signup 1")
    await slack.fake.wait_for("respond:click-UANA")  # Ana has the seat before Cara asks
    await slack.click("signup 1", user="UCARA")
    await slack.fake.wait_for("respond:click-UCARA")
    await slack.command("/guild", "session show 1", user="UBEN")
    [_, shown] = await slack.fake.wait_for("respond:cmd-UBEN", 2)
    assert "session edit 1" in str(shown.body)
    await slack.click("session edit 1", user="UBEN")
    [opened] = await slack.fake.wait_for("views.open")
    view = opened.json("view")
    assert view["title"]["text"] == "Edit session 1"
    assert all(b.get("optional") for b in view["blocks"] if b["type"] == "input")
    assert prefill(view) == {"title": "SQL joins", "day": "2026-12-01", "start": "14:00", "minutes": "60",
                             "seats": "1", "topic": "sql"}  # Ben's own time zone (Europe/Paris)

    empty = await (await slack.submit(view, {}, user="UBEN")).json()
    assert empty["response_action"] == "errors" and "at least one" in empty["errors"]["title"]

    values = {"day": {"type": "datepicker", "selected_date": "2026-12-02"},
              "start": {"type": "timepicker", "selected_time": "16:00"},
              "seats": {"type": "number_input", "value": "2"},
              "where": {"type": "plain_text_input", "value": "Room 4 & the terrace"}}
    for _ in range(2):  # a double submit of the same view changes and tells once
        assert (await slack.submit(view, values, user="UBEN")).status == 200
    await slack.fake.wait_for("respond:click-UBEN")
    row = await session_row(slack)
    assert row.starts_at == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Ben is in Europe/Paris
    assert (row.seats, row.taken, row.location) == (2, 2, "Room 4 & the terrace")
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUCARA"
                              and "seat opened up" in str(c.json("blocks")))
    [changed] = [m for m in dms_to(slack, "UANA") if "has changed" in m]
    assert "Tue 1 Dec 2026, 14:00 (Europe/Paris) → Wed 2 Dec 2026, 16:00 (Europe/Paris)" in changed
    assert "Room 4 &amp; the terrace" in changed


def prefill(view: dict[str, Any]) -> dict[str, str]:
    """What each input of a modal starts with."""
    keys = ("initial_value", "initial_date", "initial_time")
    return {b["block_id"]: v for b in view["blocks"] if b["type"] == "input"
            for k in keys if (v := b["element"].get(k)) is not None}


def as_submitted(view: dict[str, Any], **changed: str) -> dict[str, dict[str, Any]]:
    """The state Slack submits for ``view`` when the person changed only ``changed``: every input, filled."""
    kinds = {"day": ("datepicker", "selected_date"), "start": ("timepicker", "selected_time")}
    state = {}
    for block in (b for b in view["blocks"] if b["type"] == "input"):
        kind, key = kinds.get(block["block_id"], (block["element"]["type"], "value"))
        state[block["block_id"]] = {"type": kind, key: {**prefill(view), **changed}.get(block["block_id"])}
    return state


async def test_a_held_session_s_prefilled_form_changes_only_what_was_changed(slack: SlackHarness) -> None:
    await schedule(slack, day="2026-11-20")  # already held: its time can't change, its title can
    await slack.click("session edit 1", user="UBEN")
    [opened] = await slack.fake.wait_for("views.open")
    view = opened.json("view")
    assert prefill(view)["day"] == "2026-11-20"
    unchanged = await (await slack.submit(view, as_submitted(view), user="UBEN")).json()
    assert unchanged["response_action"] == "errors" and "Change at least one thing" in unchanged["errors"]["title"]
    assert (await slack.submit(view, as_submitted(view, title="SQL joins, in depth"), user="UBEN")).status == 200
    [answer] = await slack.fake.wait_for("respond:click-UBEN")
    assert "title SQL joins → SQL joins, in depth" in str(answer.body) and "can't change" not in str(answer.body)
    row = await session_row(slack)
    assert (row.title, row.starts_at) == ("SQL joins, in depth", datetime(2026, 11, 20, 13, 0, tzinfo=UTC))


async def test_someone_who_may_not_edit_gets_the_reason_instead_of_a_form(slack: SlackHarness) -> None:
    await schedule(slack)
    await slack.click("session edit 1")
    [refused] = await slack.fake.wait_for("respond:click-UANA")
    assert "Only the trainer of session 1 or an admin" in str(refused.body)
    assert not slack.fake.of("views.open")


async def test_a_typed_edit_answers_privately_and_a_refusal_says_why(slack: SlackHarness) -> None:
    await schedule(slack)
    await slack.command("/guild", "session edit 1 length 90m topic Data Science", user="UBEN")
    [_, answer] = await slack.fake.wait_for("respond:cmd-UBEN", 2)
    assert answer.body["response_type"] == "ephemeral" and "length 60 min → 90 min" in str(answer.body)
    assert ((await session_row(slack)).duration_minutes, (await session_row(slack)).topic) == (90, "data-science")
    await slack.command("/guild", "session edit 1 seats 3", user="UANA")
    [refused] = await slack.fake.wait_for("respond:cmd-UANA")
    assert "Only the trainer of session 1 or an admin" in str(refused.body)


async def test_sessions_mine_lists_seats_waitlist_places_and_sessions_run_with_buttons(slack: SlackHarness) -> None:
    await schedule(slack, seats=1)
    await slack.click("signup 1", user="UCARA")
    await slack.fake.wait_for("respond:click-UCARA")  # Cara has the seat before Ana asks
    await slack.click("signup 1")
    await slack.fake.wait_for("respond:click-UANA")
    await slack.command("/sessions", "mine")
    [mine] = await slack.fake.wait_for("respond:cmd-UANA")
    assert "number 1 in the queue" in str(mine.body) and "'value': 'cancel 1'" in str(mine.body)
    await slack.command("/guild", "sessions mine", user="UBEN")
    [_, trainer] = await slack.fake.wait_for("respond:cmd-UBEN", 2)
    assert "Sessions you run" in str(trainer.body) and "session edit 1" in str(trainer.body)


async def test_session_feedback_for_the_trainer_and_a_kind_refusal_for_others(slack: SlackHarness) -> None:
    await schedule(slack, day="2026-11-20")
    await slack.command("/guild", "session attend 1 <@UANA|ana> <@UCARA|cara>", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN", 3)
    await slack.command("/feedback", "1 5 Loved the joins")
    await slack.command("/feedback", "1 3 --anonymous", user="UCARA")
    await slack.fake.wait_for("respond:cmd-UCARA")
    await slack.command("/guild", "session feedback 1", user="UBEN")
    *_, report = await slack.fake.wait_for("respond:cmd-UBEN", 4)
    assert "4.0 / 5" in str(report.body) and "Loved the joins" in str(report.body)
    assert report.body["response_type"] == "ephemeral"
    await slack.command("/guild", "session feedback 1", user="UCARA")
    [_, refused] = await slack.fake.wait_for("respond:cmd-UCARA", 2)
    assert "for its trainer, admins and leaders" in str(refused.body)


async def test_a_session_for_trainers_is_announced_as_such_and_refuses_a_non_trainer_kindly(
        slack: SlackHarness) -> None:
    await slack.command("/volunteer", "sql", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN")
    await slack.command("/guild", 'session new "Handling conflict" 2026-12-01 14:00 60m 5 for trainers', user="UBEN")
    [announced] = await slack.fake.wait_for("chat.postMessage", where=lambda c: "Handling conflict" in str(
        c.body.get("blocks")))
    assert "scheduled a new session for trainers" in str(announced.json("blocks"))
    assert "Trainers only" in str(announced.json("blocks"))

    await slack.click("signup 1")  # the card's button
    [refused] = await slack.fake.wait_for("respond:click-UANA")
    assert refused.body["response_type"] == "ephemeral"
    assert "is for trainers only" in str(refused.body) and "volunteer &lt;topic&gt;" in str(refused.body)
    await slack.command("/guild", "signup 1", user="UCARA")  # typed
    [typed] = await slack.fake.wait_for("respond:cmd-UCARA")
    assert typed.body["response_type"] == "ephemeral" and "is for trainers only" in str(typed.body)
    assert (await session_row(slack)).taken == 0
