"""Modals: the friendly way to type a command that needs several inputs.

Each modal completes one grammar command: a new session, a kudos, a rating
with a comment, attendance, session notes. ``form_for`` says which modal (if
any) a command text asks for — ``session new`` or ``kudos`` alone, or a
button such as ``feedback 12`` that still misses its inputs. ``read`` turns a
submitted view back into the command text the same core use case runs, and
``error_block`` places the grammar's explanation next to the input it is
about, so the person fixes it without losing what they typed.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks import plain
from handlers import grammar, tokens
from handlers.session_edit import FORM_INPUTS, MAX_PLACE, MAX_TITLE, edit_text

View = dict[str, Any]
CALLBACK_ID = "guild_form"
METADATA_LIMIT = 3000


@dataclass(frozen=True)
class Origin:
    """Where the modal was opened, so that its answer can go back there."""

    channel: str | None = None
    response_url: str | None = None


@dataclass(frozen=True)
class Submission:
    kind: str
    text: str
    origin: Origin


def form_for(text: str, origin: Origin) -> View | None:
    """The modal that completes ``text``, or None when the text is a command to run as it is."""
    if completes := grammar.completion(text):
        kind, session_id = completes
        return _BUILDERS[kind](origin, session_id)
    try:
        command = grammar.parse(text)
    except grammar.UsageError:
        return None
    if isinstance(command, grammar.SessionForm):
        return _session(origin, command.program_id)
    if isinstance(command, grammar.KudosForm):
        return _kudos(origin, None)
    return None


def read(view: View) -> Submission:
    """The command text a submitted modal stands for (Slack escaping applied to typed text)."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = _values(view)
    kind = meta.get("kind", "")
    origin = Origin(meta.get("channel"), meta.get("response_url"))
    if kind == "edit":
        return Submission(kind, _read_edit(values, meta.get("id"), meta.get("was")), origin)
    return Submission(kind, _READERS[kind](values, meta.get("id")), origin)


def error_block(kind: str, message: str) -> str:
    """The input a grammar explanation is about (the modal shows it there)."""
    lowered = message.lower()
    for block_id, words in _ERROR_PLACES.get(kind, ()):
        if any(word in lowered for word in words):
            return block_id
    return _ERROR_PLACES[kind][-1][0] if kind in _ERROR_PLACES else "text"


def _view(title: str, submit: str, blocks: list[dict[str, Any]], meta: dict[str, Any]) -> View:
    metadata = json.dumps({k: v for k, v in meta.items() if v is not None})
    if len(metadata) > METADATA_LIMIT:  # a response_url never is this long; drop it rather than fail
        metadata = json.dumps({k: v for k, v in meta.items() if k != "response_url" and v is not None})
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def _meta(kind: str, origin: Origin, item: int | None) -> dict[str, Any]:
    return {"kind": kind, "id": item, "channel": origin.channel, "response_url": origin.response_url}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _text(max_length: int, *, multiline: bool = False, placeholder: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _number(low: int, high: int, initial: int) -> dict[str, Any]:
    return {"type": "number_input", "is_decimal_allowed": False, "min_value": str(low), "max_value": str(high),
            "initial_value": str(initial)}


def _session(origin: Origin, program_id: int | None) -> View:
    """The session form; from a program's card it schedules a session of that program (kept in the metadata)."""
    blocks = [
        _input("title", "Title", _text(200, placeholder="Intro to SQL joins")),
        _input("day", "Date", {"type": "datepicker"}, hint="A past date logs a session that already happened."),
        _input("start", "Start time", {"type": "timepicker"}, hint="In your own time zone."),
        _input("minutes", "Length (minutes)", _number(5, tokens.MAX_MINUTES, 60)),
        _input("seats", "Seats", _number(1, tokens.MAX_SEATS, 12)),
        _input("topic", "Topic", _text(64, placeholder="sql"), optional=True),
    ]
    title = f"Session of program {program_id}" if program_id else "New session"
    return _view(title[:24], "Schedule", blocks, _meta("session", origin, program_id))


def _edit(origin: Origin, session_id: int | None, current: Mapping[str, str] | None = None) -> View:
    """Every field optional; ``current`` (``session_edit.form_values``) fills them with the session as it is.

    ``form_for`` builds it empty; ``prefilled`` puts the session's values in once the adapter has read
    them. What is left as it was, or emptied, stays as it is (the values travel in the metadata to tell).
    """
    now = {k: v for k, v in (current or {}).items() if v}
    initial = {"day": "initial_date", "start": "initial_time"}

    def given(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
        return {**element, initial.get(block_id, "initial_value"): now[block_id]} if block_id in now else element

    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Change what you need. Everyone signed "
                                          "up hears about a new time, length or place."}]},
        _input("title", "Title", given("title", _text(MAX_TITLE)), optional=True),
        _input("day", "Date", given("day", {"type": "datepicker"}), optional=True, hint="With a start time."),
        _input("start", "Start time", given("start", {"type": "timepicker"}), optional=True,
               hint="In your own time zone."),
        _input("minutes", "Length (minutes)", given("minutes", {
            "type": "number_input", "is_decimal_allowed": False, "min_value": "5",
            "max_value": str(tokens.MAX_MINUTES)}), optional=True),
        _input("seats", "Seats", given("seats", {"type": "number_input", "is_decimal_allowed": False,
                                                 "min_value": "1", "max_value": str(tokens.MAX_SEATS)}),
               optional=True, hint="More seats go to the waitlist first."),
        _input("topic", "Topic", given("topic", _text(tokens.MAX_TOPIC, placeholder="public-speaking")),
               optional=True),
        _input("where", "Where", given("where", _text(MAX_PLACE, placeholder="Room 4 or https://…")), optional=True),
        _input("program", "Program number", given("program", _text(12)), optional=True),
    ]
    meta = {**_meta("edit", origin, session_id), "was": now or None}
    return _view(f"Edit session {session_id}", "Save", blocks, meta)


def editing(view: View) -> int | None:
    """The session an edit modal is for, before it is prefilled; None for every other modal."""
    meta = json.loads(view.get("private_metadata") or "{}")
    return int(meta["id"]) if meta.get("kind") == "edit" and meta.get("id") and not meta.get("was") else None


def prefilled(view: View, current: Mapping[str, str]) -> View:
    """The edit modal ``view`` again, showing the session's ``current`` values."""
    meta = json.loads(view.get("private_metadata") or "{}")
    return _edit(Origin(meta.get("channel"), meta.get("response_url")), meta.get("id"), current)


def _kudos(origin: Origin, _item: int | None) -> View:
    blocks = [
        _input("people", "Who would you like to thank?", {"type": "multi_users_select", "max_selected_items": 20}),
        _input("message", "What did they do?", _text(tokens.MAX_TEXT, multiline=True)),
        _input("values", "Values", _text(300, placeholder="teamwork, craft"), optional=True,
               hint="Company values this shows, separated by commas."),
    ]
    return _view("Give kudos", "Send", blocks, _meta("kudos", origin, None))


def _feedback(origin: Origin, session_id: int | None) -> View:
    stars = [{"text": plain("★" * n + "☆" * (5 - n) + f"  {n}", 75), "value": str(n)} for n in range(5, 0, -1)]
    blocks = [
        _input("rating", "Your rating", {"type": "static_select", "options": stars}),
        _input("comment", "Comment", _text(tokens.MAX_TEXT, multiline=True), optional=True),
        _input("anonymous", "Privacy", {"type": "checkboxes", "options": [
            {"text": plain("Send anonymously", 75), "value": "anonymous"}]}, optional=True),
    ]
    return _view(f"Rate session {session_id}", "Send", blocks, _meta("feedback", origin, session_id))


def _attend(origin: Origin, session_id: int | None) -> View:
    blocks = [_input("people", "Who attended?", {"type": "multi_users_select", "max_selected_items": 100})]
    return _view(f"Attendance · {session_id}", "Save", blocks, _meta("attend", origin, session_id))


def _notes(origin: Origin, session_id: int | None) -> View:
    blocks = [_input("notes", "Notes and learning outcomes", _text(tokens.MAX_TEXT, multiline=True))]
    return _view(f"Notes · session {session_id}", "Save", blocks, _meta("notes", origin, session_id))


def _values(view: View) -> dict[str, Any]:
    """``{block_id: value}`` from a submitted view's state, whatever the element type."""
    found: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind == "datepicker":
                found[block_id] = element.get("selected_date")
            elif kind == "timepicker":
                found[block_id] = element.get("selected_time")
            elif kind == "multi_users_select":
                found[block_id] = element.get("selected_users") or []
            elif kind == "static_select":
                found[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "checkboxes":
                found[block_id] = [o.get("value") for o in element.get("selected_options") or []]
            else:
                found[block_id] = element.get("value")
    return found


def _escaped(text: str | None) -> str:
    """Typed text in Slack's escaping, so that the translator reads it like any message."""
    return " ".join((text or "").split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _tag(text: str) -> str:
    return "-".join(text.strip().lstrip("#").lower().split())


def _read_session(values: dict[str, Any], program_id: int | None) -> str:
    title = shlex.quote(_escaped(values.get("title")) or "")
    topic = _tag(values.get("topic") or "")
    parts = ["session new", title, values.get("day") or "", values.get("start") or "",
             f"{values.get('minutes') or ''}m", str(values.get("seats") or ""), f"#{topic}" if topic else "",
             f"program {program_id}" if program_id else ""]
    return " ".join(p for p in parts if p)


def _read_kudos(values: dict[str, Any], _item: int | None) -> str:
    people = " ".join(f"<@{uid}>" for uid in values.get("people") or [])
    tags = " ".join(f"#{tag}" for v in re.split(r"[,;]", values.get("values") or "") if (tag := _tag(v)))
    return " ".join(p for p in ("kudos", people, _escaped(values.get("message")), tags) if p)


def _read_feedback(values: dict[str, Any], item: int | None) -> str:
    anonymous = "--anonymous" if values.get("anonymous") else ""
    parts = ["feedback", str(item), str(values.get("rating") or ""), _escaped(values.get("comment")), anonymous]
    return " ".join(p for p in parts if p)


def _read_attend(values: dict[str, Any], item: int | None) -> str:
    return f"session attend {item} " + " ".join(f"<@{uid}>" for uid in values.get("people") or [])


def _read_edit(values: dict[str, Any], item: int | None, was: dict[str, str] | None = None) -> str:
    def typed(name: str, value: Any) -> Any:
        return _escaped(value) if name in ("title", "where") and value is not None else value

    inputs = {name: typed(name, values.get(name)) for name in FORM_INPUTS}
    return edit_text(item or 0, inputs, {k: typed(k, v) for k, v in was.items()} if was else None)


def unchanged(submission: Submission) -> tuple[str, str] | None:
    """(block, explanation) for an edit form submitted without a change; None otherwise."""
    if submission.kind == "edit" and re.fullmatch(r"session edit \d+", submission.text):
        return "title", "Change at least one thing (what you leave as it is stays)."
    return None


def _read_notes(values: dict[str, Any], item: int | None) -> str:
    return f"session notes {item} {_escaped(values.get('notes'))}"


_BUILDERS: dict[str, Callable[[Origin, int | None], View]] = {
    "session": _session, "kudos": _kudos, "feedback": _feedback, "attend": _attend, "notes": _notes,
    "edit": _edit,
}
_READERS: dict[str, Callable[[dict[str, Any], int | None], str]] = {
    "session": _read_session, "kudos": _read_kudos, "feedback": _read_feedback,
    "attend": _read_attend, "notes": _read_notes,  # "edit" reads its prefilled values too: see ``read``
}
# Per modal: (block_id, words in the grammar's explanation that point at it); the last is the fallback.
_ERROR_PLACES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "session": (("day", ("date",)), ("start", ("time",)), ("minutes", ("length", "minutes", "lasts")),
                ("seats", ("seats",)), ("topic", ("topic",)), ("title", ())),
    "kudos": (("people", ("who", "mention")), ("values", ("value",)), ("message", ())),
    "feedback": (("rating", ("rating", "stars")), ("comment", ())),
    "attend": (("people", ()),),
    "notes": (("notes", ()),),
    "edit": (("day", ("date", "when")), ("start", ("time",)), ("minutes", ("length", "minutes", "lasts")),
             ("seats", ("seats",)), ("topic", ("topic",)), ("where", ("place", "link", "where")),
             ("program", ("program",)), ("title", ())),
}
