"""Input cards: ``kudos``, ``session new``, ``feedback <id>`` and ``session notes <id>`` alone open a card; its submit
runs the command. ``session attend <id>`` alone offers a button per signed-up person (cards have no people picker)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from storage.models import Enrollment, Feedback, Kudos, KudosValue, Member, SessionNote, TrainingSession
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams
from tests.bot.teams.test_conversation_flow import scalar, schedule
from tests.fakes import FakeClock


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in card["body"] if item["type"].startswith("Input.")}


async def test_session_new_alone_opens_a_card_whose_submit_schedules_the_session(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.personal_message(teams.url, "ana", "volunteer sql"))
    await teams.send(act.personal_message(teams.url, "ana", "session new"))

    [card] = teams.connector.to("a:personal-ana")[-1].cards
    fields = inputs(card)
    assert {name: f["type"] for name, f in fields.items()} == {
        "title": "Input.Text", "date": "Input.Date", "time": "Input.Time", "minutes": "Input.Number",
        "seats": "Input.Number", "topic": "Input.Text"}
    [submit] = card["actions"]
    value = {**submit["data"], "title": 'Pivot tables "for real"', "date": "2026-12-03", "time": "09:30",
             "minutes": "90", "seats": "8", "topic": "excel"}

    assert await teams.send(act.card_submit(teams.url, "ana", value)) == 201

    session = await scalar(uow, select(TrainingSession))
    assert (session.title, session.duration_minutes, session.seats, session.topic) == (
        'Pivot tables "for real"', 90, 8, "excel")
    assert "scheduled a new session" in teams.connector.to("a:personal-ana")[-1].text


async def test_an_incomplete_session_card_says_what_is_missing(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.card_submit(teams.url, "ana", {"form": "session", "title": "SQL", "date": "2026-12-03"}))

    assert teams.connector.to("a:personal-ana")[-1].body["text"] == "Please fill in the session's time, minutes, seats."
    assert await scalar(uow, select(func.count()).select_from(TrainingSession)) == 0


async def test_kudos_alone_opens_a_card_of_known_colleagues_whose_submit_thanks_them(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    for who in ("ben", "cy"):
        await teams.send(act.bot_added_personally(teams.url, who))
    await teams.send(act.personal_message(teams.url, "ana", "kudos"))

    [card] = teams.connector.to("a:personal-ana")[-1].cards
    people = inputs(card)["people"]
    assert people["isMultiSelect"] is True
    assert people["choices"] == [{"title": "Ben Ng", "value": "29:ben"}, {"title": "Cy Okoro", "value": "29:cy"}]
    value = {**card["actions"][0]["data"], "people": "29:ben,29:cy", "message": "thanks for covering my session",
             "values": "teamwork, care"}

    assert await teams.send(act.card_submit(teams.url, "ana", value)) == 201

    receivers = set(await _all(uow, select(Member.user_id).join(Kudos, Kudos.receiver_id == Member.id)))
    assert receivers == {"29:ben", "29:cy"}
    assert set(await _all(uow, select(KudosValue.value))) == {"teamwork", "care"}


async def _all(uow, query) -> list[Any]:  # type: ignore[no-untyped-def]
    async with uow() as work:
        return list(await work.session.scalars(query))


async def test_feedback_through_a_card_records_the_rating_once(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await schedule(teams, "ana", 'session new "Git basics" 2026-11-20 10:00 60m 5')  # already happened: logged
    session_id = await scalar(uow, select(TrainingSession.id))
    await teams.send(act.channel_message(teams.url, "ana", f"session attend {session_id} @cy", ("cy",)))
    await teams.send(act.personal_message(teams.url, "cy", f"feedback {session_id}"))

    [card] = teams.connector.to("a:personal-cy")[-1].cards
    rating = inputs(card)["rating"]
    assert [c["value"] for c in rating["choices"]] == ["5", "4", "3", "2", "1"]
    submit = act.card_submit(teams.url, "cy", {**card["actions"][0]["data"], "rating": "4",
                                               "comment": "Clear and useful", "anonymous": "false"})
    assert await teams.send(submit) == 201
    assert await teams.send(submit) == 201  # the same submit delivered twice

    feedback = await scalar(uow, select(Feedback))
    cy = await scalar(uow, select(Member).where(Member.user_id == "29:cy"))
    assert (feedback.rating, feedback.comment, feedback.member_id) == (4, "Clear and useful", cy.id)
    assert await scalar(uow, select(func.count()).select_from(Feedback)) == 1
    assert "Thanks for rating" in teams.connector.to("a:personal-cy")[-1].text
    assert "New rating for **Git basics**" in teams.connector.to("a:personal-ana")[-1].text


async def test_a_feedback_card_without_a_rating_asks_for_one(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.card_submit(teams.url, "cy", {"form": "feedback", "session": 3, "comment": "meh"}))

    assert teams.connector.to("a:personal-cy")[-1].body["text"] == "Please choose a rating from 1 to 5."
    assert await scalar(uow, select(func.count()).select_from(Feedback)) == 0


async def test_a_form_submitted_twice_from_the_same_card_thanks_once(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.bot_added_personally(teams.url, "ben"))
    value = {"form": "kudos", "people": "29:ben", "message": "thanks for the review"}

    for _ in range(2):  # a double click: two activities, one card, the same inputs
        assert await teams.send(act.card_submit(teams.url, "ana", value, card="card-1")) == 201
    assert await scalar(uow, select(func.count()).select_from(Kudos)) == 1

    await teams.send(act.card_submit(teams.url, "ana", {**value, "message": "and for the pairing"}, card="card-1"))
    assert await scalar(uow, select(func.count()).select_from(Kudos)) == 2, "an edited form is a new kudos"


async def test_a_button_may_be_pressed_again_after_its_opposite(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await schedule(teams, "ana", 'session new "SQL joins" 2026-12-01 14:00 60m 5')
    session_id = await scalar(uow, select(TrainingSession.id))
    for command in ("signup", "cancel", "signup"):
        await teams.send(act.card_submit(teams.url, "ben", {"command": f"{command} {session_id}"}, card="card-2"))

    ben = await scalar(uow, select(Member).where(Member.user_id == "29:ben"))
    assert await scalar(uow, select(Enrollment.status).where(Enrollment.member_id == ben.id)) == "confirmed"


async def test_the_trainer_marks_attendance_with_buttons_and_writes_notes_in_a_card(  # type: ignore[no-untyped-def]
    teams: Teams, uow, clock: FakeClock
) -> None:
    await schedule(teams, "ana", 'session new "Git basics" 2026-12-20 10:00 60m 5')
    session_id = await scalar(uow, select(TrainingSession.id))
    for who in ("ben", "cy"):
        await teams.send(act.card_submit(teams.url, who, {"command": f"signup {session_id}"}))
    clock.now = datetime(2026, 12, 20, 10, 15, tzinfo=UTC)  # the session is under way

    await teams.send(act.personal_message(teams.url, "ana", f"session attend {session_id}"))
    [card] = teams.connector.to("a:personal-ana")[-1].cards
    buttons = {a["title"]: a["data"]["command"] for a in card["actions"]}
    assert buttons == {"✓ Ben Ng": f"session attend {session_id} <@29:ben>",
                       "✓ Cy Okoro": f"session attend {session_id} <@29:cy>",
                       "All 2 came": f"session attend {session_id} <@29:ben> <@29:cy>"}
    assert await teams.send(act.card_submit(teams.url, "ana", {"command": buttons["✓ Cy Okoro"]})) == 201
    attended = select(Member.user_id).join(Enrollment, Enrollment.member_id == Member.id).where(
        Enrollment.status == "attended")
    assert await _all(uow, attended) == ["29:cy"]

    await teams.send(act.personal_message(teams.url, "ana", f"session notes {session_id}"))
    [card] = teams.connector.to("a:personal-ana")[-1].cards
    assert inputs(card)["notes"]["isRequired"] is True
    value = {**card["actions"][0]["data"], "notes": "We covered rebase; next time, bisect"}
    assert await teams.send(act.card_submit(teams.url, "ana", value)) == 201
    assert await _all(uow, select(SessionNote.text)) == ["We covered rebase; next time, bisect"]
    assert "Added your note" in teams.connector.to("a:personal-ana")[-1].text
