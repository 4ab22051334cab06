"""The core's neutral ``Reply`` → an Adaptive Card, and Guild's input cards.

Schema 1.4, which Teams renders on desktop, web and mobile. A reply's chart
becomes Teams' own chart elements, each with a 1.4 fallback (an image), so a
client that does not know them shows the picture instead. Buttons are
``Action.Submit`` whose ``data`` carries the command they run, so a click comes
back as a message activity and goes through the same grammar and use cases as
typed text. People (``<@29:…>`` in the core's texts) become real Teams mentions:
``<at>Name</at>`` in the text plus a ``msteams.entities`` mention, so that the
people thanked or promoted are notified.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from handlers.types import Button, Chart, Reply, Section

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
TOKEN = re.compile(r"<@([^<>|\s]+)>")
BOLD = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
STYLES = {"primary": "positive", "danger": "destructive"}
MAX_PEOPLE_CHOICES = 100

Card = dict[str, Any]


class _People:
    """Collects the mention entities a card's texts need, once per person."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.entities: dict[str, dict[str, Any]] = {}

    def text(self, raw: str) -> str:
        """Mention tokens → ``<at>Name</at>``; Slack-style ``*bold*`` → Markdown ``**bold**``."""
        return BOLD.sub(r"**\1**", TOKEN.sub(self._mention, raw))

    def _mention(self, match: re.Match[str]) -> str:
        user_id = match.group(1)
        name = self.names.get(user_id)
        if not name:
            return "a colleague"
        shown = f"<at>{name}</at>"
        self.entities[user_id] = {"type": "mention", "text": shown, "mentioned": {"id": user_id, "name": name}}
        return shown


def render(reply: Reply) -> Card:
    """One card for one reply: title, text, sections (text, facts, buttons), "N more", buttons."""
    people = _People(reply.names)
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(_block(people.text(reply.title), weight="Bolder", size="Medium"))
    body.extend(_lines(people.text(reply.text)))
    body.extend(_section(section, people) for section in reply.sections)
    if reply.chart is not None:
        body.extend(chart_elements(reply.chart))
    if reply.more:
        body.append(_block(f"…and {reply.more} more.", isSubtle=True))
    return _card(body, [_submit(b) for b in reply.buttons], people.entities)


def chart_elements(chart: Chart) -> list[dict[str, Any]]:
    """Teams' own chart elements, each falling back to what a client without them can show.

    The grouped bars (learners and sessions per week) fall back to the chart's
    PNG as a data URI, which has the rating line too; the rating line itself
    falls back to nothing (``drop``), so a client that draws neither still gets
    the whole picture once.
    """
    picture = {"type": "Image", "url": "data:image/png;base64," + base64.b64encode(chart.image.content).decode(),
               "altText": chart.title, "size": "Stretch", "separator": True, "spacing": "Medium"}
    bars = {
        "type": "Chart.VerticalBar.Grouped",
        "title": chart.title,
        "data": [{"legend": s.name, "values": [{"x": x, "y": y or 0} for x, y in zip(chart.labels, s.values,
                                                                                    strict=True)]}
                 for s in chart.bars],
        "separator": True,
        "spacing": "Medium",
        "fallback": picture,
    }
    elements: list[dict[str, Any]] = [bars]
    if chart.line is not None:
        points = [{"x": x, "y": y} for x, y in zip(chart.labels, chart.line.values, strict=True) if y is not None]
        if points:
            elements.append({"type": "Chart.Line", "title": chart.line.name,
                             "data": [{"legend": chart.line.name, "values": points}], "fallback": "drop"})
    return elements


def summary(reply: Reply) -> str:
    """Plain first line for the notification preview (Teams shows no card text there)."""
    first = (reply.title or reply.text or "Guild").strip().splitlines()[0]
    return TOKEN.sub(lambda m: reply.names.get(m.group(1), "someone"), first).replace("*", "")[:120]


def session_form(today: date, program_id: int | None = None) -> Card:
    """``session new`` without arguments (or from a program's card): the fields of the typed command, as inputs."""
    heading = f"Schedule a session of program {program_id}" if program_id else "Schedule a session"
    body = [
        _block(heading, weight="Bolder", size="Medium"),
        {"type": "Input.Text", "id": "title", "label": "Title", "isRequired": True, "maxLength": 200,
         "errorMessage": "Give the session a title.", "placeholder": "Intro to SQL joins"},
        {"type": "Input.Date", "id": "date", "label": "Date", "isRequired": True, "value": today.isoformat(),
         "errorMessage": "Choose a date."},
        {"type": "Input.Time", "id": "time", "label": "Start time", "isRequired": True, "value": "14:00",
         "errorMessage": "Choose a start time."},
        {"type": "Input.Number", "id": "minutes", "label": "Length in minutes", "isRequired": True,
         "min": 5, "max": 1440, "value": 60, "errorMessage": "From 5 to 1440 minutes."},
        {"type": "Input.Number", "id": "seats", "label": "Seats", "isRequired": True, "min": 1, "max": 10000,
         "value": 12, "errorMessage": "At least one seat."},
        {"type": "Input.Text", "id": "topic", "label": "Topic (optional)", "placeholder": "sql", "maxLength": 64},
    ]
    data: dict[str, Any] = {"form": "session", **({"program": program_id} if program_id else {})}
    return _card(body, [_form_submit("Schedule", data)])


def kudos_form(people: Sequence[tuple[str, str]]) -> Card:
    """``kudos`` without arguments. ``people`` are (user id, name) pairs Guild has met in this tenant."""
    choices = [{"title": name, "value": user_id} for user_id, name in people[:MAX_PEOPLE_CHOICES]]
    if not choices:
        return _card([_block("Say thanks", weight="Bolder", size="Medium"), *_lines(
            "I don't know anyone here yet. Mention the person instead: `kudos @Name thanks for the demo #craft`.")])
    body = [
        _block("Say thanks", weight="Bolder", size="Medium"),
        {"type": "Input.ChoiceSet", "id": "people", "label": "Who?", "isMultiSelect": True, "isRequired": True,
         "style": "filtered", "choices": choices, "errorMessage": "Choose at least one person."},
        {"type": "Input.Text", "id": "message", "label": "What for?", "isMultiline": True, "isRequired": True,
         "maxLength": 3000, "errorMessage": "A few words of thanks, please.",
         "placeholder": "Thanks for the great SQL session"},
        {"type": "Input.Text", "id": "values", "label": "Values (optional, comma-separated)",
         "placeholder": "craft, teamwork"},
    ]
    return _card(body, [_form_submit("Send kudos", {"form": "kudos"})])


def feedback_form(session_id: int) -> Card:
    """``feedback <id>`` without a rating: stars, a comment and the anonymous switch."""
    stars = [{"title": "★" * n + "☆" * (5 - n), "value": str(n)} for n in range(5, 0, -1)]
    body = [
        _block(f"How was session {session_id}?", weight="Bolder", size="Medium"),
        {"type": "Input.ChoiceSet", "id": "rating", "label": "Rating", "style": "expanded", "isRequired": True,
         "choices": stars, "errorMessage": "Choose from one to five stars."},
        {"type": "Input.Text", "id": "comment", "label": "Comment (optional)", "isMultiline": True,
         "maxLength": 3000},
        {"type": "Input.Toggle", "id": "anonymous", "title": "Send anonymously", "value": "false",
         "valueOn": "true", "valueOff": "false"},
    ]
    return _card(body, [_form_submit("Send feedback", {"form": "feedback", "session": session_id})])


def notes_form(session_id: int) -> Card:
    """``session notes <id>`` without text: what was covered and learned, for the session's record."""
    body = [
        _block(f"Notes for session {session_id}", weight="Bolder", size="Medium"),
        {"type": "Input.Text", "id": "notes", "label": "Notes and learning outcomes", "isMultiline": True,
         "isRequired": True, "maxLength": 3000, "errorMessage": "Write a few words.",
         "placeholder": "We covered joins; next time: window functions"},
    ]
    return _card(body, [_form_submit("Save notes", {"form": "notes", "session": session_id})])


EDIT_INPUTS = {"title": "title", "day": "date", "start": "time", "minutes": "minutes", "seats": "seats",
               "topic": "topic", "where": "where", "program": "program"}
"""``session_edit.edit_text``'s input names → the card's input ids."""


def edit_form(session_id: int, current: Mapping[str, str] | None = None) -> Card:
    """``session edit <id>`` alone: every field optional, filled with the session as it is (``current``).

    What is left as it was, or emptied, stays as it is: the submit carries the values the card
    started from (``was``), so only real changes become the command.
    """
    now = {k: v for k, v in (current or {}).items() if v}
    inputs = [
        {"type": "Input.Text", "id": "title", "label": "Title", "maxLength": 200},
        {"type": "Input.Date", "id": "date", "label": "Date (with a start time)"},
        {"type": "Input.Time", "id": "time", "label": "Start time (your time zone)"},
        {"type": "Input.Number", "id": "minutes", "label": "Length in minutes", "min": 5, "max": 1440},
        {"type": "Input.Number", "id": "seats", "label": "Seats (more seats go to the waitlist first)",
         "min": 1, "max": 10000},
        {"type": "Input.Text", "id": "topic", "label": "Topic", "placeholder": "public-speaking", "maxLength": 64},
        {"type": "Input.Text", "id": "where", "label": "Where", "placeholder": "Room 4 or https://…",
         "maxLength": 500},
        {"type": "Input.Text", "id": "program", "label": "Program number", "maxLength": 12},
    ]
    shown = {card_id: now[name] for name, card_id in EDIT_INPUTS.items() if name in now}
    for element in inputs:
        if element["id"] in shown:
            value = shown[element["id"]]
            element["value"] = int(value) if element["type"] == "Input.Number" else value
    body = [
        _block(f"Edit session {session_id}", weight="Bolder", size="Medium"),
        _block("Change what you need. Everyone signed up hears about a new time, length or place.", isSubtle=True),
        *inputs,
    ]
    data: dict[str, Any] = {"form": "edit", "session": session_id, **({"was": now} if now else {})}
    return _card(body, [_form_submit("Save changes", data)])


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None,
          entities: dict[str, dict[str, Any]] | None = None) -> Card:
    card: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        card["actions"] = actions
    card["msteams"] = {"width": "Full", **({"entities": list(entities.values())} if entities else {})}
    return card


def _section(section: Section, people: _People) -> dict[str, Any]:
    items: list[dict[str, Any]] = _lines(people.text(section.text)) if section.text else []
    if section.fields:
        items.append({"type": "FactSet", "facts": [
            {"title": people.text(name), "value": people.text(value)} for name, value in section.fields]})
    if section.buttons:
        items.append({"type": "ActionSet", "actions": [_submit(b) for b in section.buttons]})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _lines(text: str) -> list[dict[str, Any]]:
    """One TextBlock a line: Teams joins single newlines inside a TextBlock."""
    lines = text.split("\n")
    return [_block(line, spacing="None" if i else "Default") for i, line in enumerate(lines) if line.strip()]


def _block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _submit(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Submit", "title": button.label[:60], "data": {"command": button.command}}
    if button.style:
        action["style"] = STYLES[button.style]
    return action


def _form_submit(title: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "style": "positive", "data": data}
