"""Neutral replies → Adaptive Cards Teams renders: mentions, Markdown, sections, buttons that carry commands."""

from __future__ import annotations

from datetime import date

from bot.teams import cards
from handlers.types import Button, Reply, Section


def blocks(card: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["text"] for b in card["body"] if b["type"] == "TextBlock"]


def test_a_reply_is_a_card_of_a_version_teams_supports() -> None:
    card = cards.render(Reply(text="Hello"))

    assert card["type"] == "AdaptiveCard" and card["version"] in ("1.4", "1.5")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert blocks(card) == ["Hello"]


def test_people_become_teams_mentions_by_their_display_names() -> None:
    reply = Reply(text="<@29:ana> thanked <@29:ben> and <@29:ana> again", names={"29:ana": "Ana", "29:ben": "Ben"})

    card = cards.render(reply)

    assert blocks(card) == ["<at>Ana</at> thanked <at>Ben</at> and <at>Ana</at> again"]
    assert card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Ana</at>", "mentioned": {"id": "29:ana", "name": "Ana"}},
        {"type": "mention", "text": "<at>Ben</at>", "mentioned": {"id": "29:ben", "name": "Ben"}},
    ]


def test_a_person_without_a_known_name_is_written_plainly_never_as_a_raw_id() -> None:
    card = cards.render(Reply(text="Thanks from <@29:ghost>"))

    assert blocks(card) == ["Thanks from a colleague"]
    assert "entities" not in card["msteams"]


def test_bold_becomes_markdown_and_each_line_its_own_block() -> None:
    card = cards.render(Reply(text="*SQL joins* is full\n\n• item one\n• 2 * 3 = 6", title="Sessions"))

    assert blocks(card) == ["Sessions", "**SQL joins** is full", "• item one", "• 2 * 3 = 6"]
    assert card["body"][0]["weight"] == "Bolder"


def test_sections_carry_facts_and_their_own_buttons() -> None:
    reply = Reply(
        text="Upcoming",
        sections=(Section(text="*Git* — session 4", fields=(("Trainer", "<@29:ana>"), ("Seats", "3 of 8")),
                          buttons=(Button("Sign up", "signup 4", "primary"),)),),
        buttons=(Button("Cancel session", "session cancel 4", "danger"), Button("More", "sessions")),
        names={"29:ana": "Ana"},
        more=7,
    )

    card = cards.render(reply)

    [section] = [b for b in card["body"] if b["type"] == "Container"]
    facts, actions = section["items"][1], section["items"][2]
    assert facts["facts"] == [{"title": "Trainer", "value": "<at>Ana</at>"}, {"title": "Seats", "value": "3 of 8"}]
    assert actions["actions"] == [{"type": "Action.Submit", "title": "Sign up", "data": {"command": "signup 4"},
                                   "style": "positive"}]
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "Cancel session", "data": {"command": "session cancel 4"},
         "style": "destructive"},
        {"type": "Action.Submit", "title": "More", "data": {"command": "sessions"}},
    ]
    assert blocks(card)[-1] == "…and 7 more."
    assert card["msteams"]["entities"][0]["mentioned"]["id"] == "29:ana"


def test_the_notification_summary_is_plain_text() -> None:
    reply = Reply(text="<@29:ana> thanked you: *great demo*\nmore", names={"29:ana": "Ana"})

    assert cards.summary(reply) == "Ana thanked you: great demo"


def test_the_session_card_asks_for_every_field_of_session_new() -> None:
    card = cards.session_form(date(2026, 11, 23))

    kinds = {i["id"]: i["type"] for i in card["body"] if "id" in i}
    assert kinds == {"title": "Input.Text", "date": "Input.Date", "time": "Input.Time", "minutes": "Input.Number",
                     "seats": "Input.Number", "topic": "Input.Text"}
    assert card["actions"][0]["data"] == {"form": "session"}


def test_the_kudos_card_without_known_people_explains_the_typed_command() -> None:
    card = cards.kudos_form([])

    assert "actions" not in card and "kudos @Name" in blocks(card)[-1]


def test_the_feedback_card_offers_one_to_five_stars_for_its_session() -> None:
    card = cards.feedback_form(12)

    [rating] = [i for i in card["body"] if i.get("id") == "rating"]
    assert [c["value"] for c in rating["choices"]] == ["5", "4", "3", "2", "1"]
    assert card["actions"][0]["data"] == {"form": "feedback", "session": 12}
