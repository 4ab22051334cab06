"""Teams end to end: editing a session (card and typed), `sessions mine`, `session feedback`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from storage.models import TrainingSession
from tests.bot.teams import activities as act
from tests.bot.teams.card_schema import validate
from tests.bot.teams.conftest import Teams
from tests.bot.teams.test_conversation_flow import scalar, schedule
from tests.bot.teams.test_forms import inputs


def buttons(call: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit" and "command" in (node.get("data") or {}):
                found.append(node["data"]["command"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(call.cards)
    return found


async def test_the_trainer_edits_in_a_card_from_the_session_card_and_people_signed_up_hear_once(  # type: ignore[no-untyped-def]
    teams: Teams, uow
) -> None:
    await schedule(teams, "ana", 'session new "SQL joins" 2026-12-01 14:00 60m 1 #sql')
    session_id = await scalar(uow, select(TrainingSession.id))
    for who in ("ben", "cy"):
        await teams.send(act.card_submit(teams.url, who, {"command": f"signup {session_id}"}))
    await teams.send(act.personal_message(teams.url, "ana", f"session show {session_id}"))
    assert f"session edit {session_id}" in buttons(teams.connector.to("a:personal-ana")[-1])

    await teams.send(act.card_submit(teams.url, "ana", {"command": f"session edit {session_id}"}))
    [card] = teams.connector.to("a:personal-ana")[-1].cards
    assert set(inputs(card)) == {"title", "date", "time", "minutes", "seats", "topic", "where", "program"}
    assert not any(field.get("isRequired") for field in inputs(card).values())
    assert {k: f["value"] for k, f in inputs(card).items() if "value" in f} == {
        "title": "SQL joins", "date": "2026-12-01", "time": "14:00", "minutes": 60, "seats": 1, "topic": "sql"}
    validate(card)

    await teams.send(act.card_submit(teams.url, "ana", {**card["actions"][0]["data"]}))
    assert teams.connector.to("a:personal-ana")[-1].body["text"] == (
        "Change at least one thing (what you leave as it is stays).")

    value = {**card["actions"][0]["data"], "date": "2026-12-02", "time": "16:00", "seats": "2.0",
             "where": "https://meet.example.com/sql", "title": ""}
    for _ in range(2):  # one card submitted twice changes and tells once
        assert await teams.send(act.card_submit(teams.url, "ana", value, card="card-edit")) == 201
    row = await scalar(uow, select(TrainingSession))
    assert (row.starts_at, row.seats, row.taken, row.location) == (
        datetime(2026, 12, 2, 15, 0, tzinfo=UTC), 2, 2, "https://meet.example.com/sql")  # Ana is in Paris
    told = [c.text for c in teams.connector.to("a:personal-ben") if "has changed" in c.text]
    assert len(told) == 1 and "Tue 1 Dec 2026, 14:00 (Europe/Paris) → Wed 2 Dec 2026, 16:00 (Europe/Paris)" in told[0]
    assert any("seat opened up" in c.text for c in teams.connector.to("a:personal-cy"))


def as_submitted(card: dict[str, Any], **changed: str) -> dict[str, Any]:
    """What Teams submits for ``card`` when only ``changed`` was touched: every input's value, and the data."""
    values = {k: str(f.get("value", "")) for k, f in inputs(card).items()}
    return {**card["actions"][0]["data"], **values, **changed}


async def test_a_held_session_s_prefilled_card_changes_only_what_was_changed_and_strangers_get_the_reason(  # type: ignore[no-untyped-def]
    teams: Teams, uow
) -> None:
    await schedule(teams, "ana", 'session new "SQL joins" 2026-11-20 14:00 60m 5 #sql')  # already held
    session_id = await scalar(uow, select(TrainingSession.id))
    await teams.send(act.card_submit(teams.url, "ben", {"command": f"session edit {session_id}"}))
    assert "Only the trainer" in teams.connector.to("a:personal-ben")[-1].text
    assert not any(inputs(card) for card in teams.connector.to("a:personal-ben")[-1].cards)  # no form

    await teams.send(act.card_submit(teams.url, "ana", {"command": f"session edit {session_id}"}))
    [card] = teams.connector.to("a:personal-ana")[-1].cards
    await teams.send(act.card_submit(teams.url, "ana", as_submitted(card)))
    assert "Change at least one thing" in teams.connector.to("a:personal-ana")[-1].text
    await teams.send(act.card_submit(teams.url, "ana", as_submitted(card, title="SQL joins, in depth")))
    assert "title SQL joins → SQL joins, in depth" in teams.connector.to("a:personal-ana")[-1].text
    row = await scalar(uow, select(TrainingSession))
    assert (row.title, row.starts_at) == ("SQL joins, in depth", datetime(2026, 11, 20, 13, 0, tzinfo=UTC))


async def test_a_typed_edit_works_and_a_stranger_is_refused(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await schedule(teams, "ana", 'session new "SQL joins" 2026-12-01 14:00 60m 5')
    session_id = await scalar(uow, select(TrainingSession.id))
    await teams.send(act.personal_message(teams.url, "ana", f'session edit {session_id} title "Joins, for real"'))
    assert "title SQL joins → Joins, for real" in teams.connector.to("a:personal-ana")[-1].text
    await teams.send(act.personal_message(teams.url, "ben", f"session edit {session_id} seats 1"))
    assert "Only the trainer" in teams.connector.to("a:personal-ben")[-1].text
    assert await scalar(uow, select(func.max(TrainingSession.seats))) == 5


async def test_sessions_mine_and_session_feedback(teams: Teams, uow, clock) -> None:  # type: ignore[no-untyped-def]
    await schedule(teams, "ana", 'session new "Git basics" 2026-12-01 10:00 60m 5')
    session_id = await scalar(uow, select(TrainingSession.id))
    await teams.send(act.card_submit(teams.url, "ben", {"command": f"signup {session_id}"}))
    await teams.send(act.personal_message(teams.url, "ben", "sessions mine"))
    mine = teams.connector.to("a:personal-ben")[-1]
    assert "Your seats" in mine.text and buttons(mine) == [f"cancel {session_id}"]

    clock.now = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # it started at 10:00 Paris time
    await teams.send(act.personal_message(teams.url, "ana", "sessions mine"))
    assert f"session done {session_id}" in buttons(teams.connector.to("a:personal-ana")[-1])
    await teams.send(act.personal_message(teams.url, "ana", f"session done {session_id}"))
    await teams.send(act.personal_message(teams.url, "ben", f"feedback {session_id} 4 Very hands-on"))
    await teams.send(act.personal_message(teams.url, "ana", f"session feedback {session_id}"))
    report = teams.connector.to("a:personal-ana")[-1].text
    assert "Average: 4.0 / 5" in report and "“Very hands-on” — <at>" in report
    await teams.send(act.personal_message(teams.url, "ben", f"session feedback {session_id}"))
    assert "for its trainer, admins and leaders" in teams.connector.to("a:personal-ben")[-1].text


async def test_a_session_for_trainers_says_so_on_its_card_and_refuses_a_non_trainer_kindly(  # type: ignore[no-untyped-def]
    teams: Teams, uow
) -> None:
    await schedule(teams, "ana", 'session new "Handling conflict" 2026-12-01 14:00 60m 5 for trainers')
    session_id = await scalar(uow, select(TrainingSession.id))
    announced = teams.connector.to("a:personal-ana")[-1]
    assert "scheduled a new session for trainers" in announced.text and "Trainers only" in str(announced.cards)

    await teams.send(act.card_submit(teams.url, "ben", {"command": f"signup {session_id}"}))
    refused = teams.connector.to("a:personal-ben")[-1]
    assert "*Handling conflict* is for trainers only" in refused.text.replace("**", "*")
    await teams.send(act.personal_message(teams.url, "cy", f"signup {session_id}"))
    assert "is for trainers only" in teams.connector.to("a:personal-cy")[-1].text
    assert (await scalar(uow, select(TrainingSession))).taken == 0
