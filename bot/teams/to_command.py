"""Bot Framework activity → the core's neutral ``Message``.

Teams writes a mention as ``<at>Name</at>`` in the text and says who it is in a
``mention`` entity (``mentioned.id`` is the ``29:…`` user id). The bot's own
mention is dropped; every other one becomes a ``<@29:…>`` token with a
``PersonRef``. The tenant is the community. Card submits carry no text: their
``value`` either names a command (``{"command": "signup 12"}``) or is an input
card's fields, which become the same grammar text a person could type.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shlex
from collections.abc import Mapping
from typing import Any

from botbuilder.schema import Activity

from handlers.session_edit import edit_text
from handlers.types import CommunityRef, Message, PersonRef

PLATFORM = "teams"
DEFAULT_TENANT = "local"


class FormError(Exception):
    """An input card submitted without what the command needs; ``str()`` is the friendly text."""


def community_of(activity: Activity) -> CommunityRef:
    """The tenant of the activity (the emulator sends none: it is one local community)."""
    channel_data = _dict(activity.channel_data)
    conversation = activity.conversation
    tenant = (
        _dict(channel_data.get("tenant")).get("id")
        or getattr(conversation, "tenant_id", None)
        or _dict(getattr(conversation, "additional_properties", None)).get("tenantId")  # Teams' spelling
    )
    return CommunityRef(PLATFORM, str(tenant or DEFAULT_TENANT))


def conversation_kind(activity: Activity) -> str:
    """``personal``, ``channel`` or ``groupChat`` (the emulator's chats count as personal)."""
    kind = getattr(activity.conversation, "conversation_type", None)
    return kind if kind in ("channel", "groupChat") else "personal"


def channel_of(activity: Activity) -> str:
    """Where the message was said, as an id Guild can post to later.

    In a channel that is the channel's id, not the thread's (``…;messageid=…``),
    so that ``admin channel roundup`` said in any thread names the channel.
    """
    conversation_id = str(getattr(activity.conversation, "id", "") or "")
    if conversation_kind(activity) != "channel":
        return conversation_id
    channel = _dict(_dict(activity.channel_data).get("channel")).get("id")
    return str(channel or conversation_id.split(";", 1)[0])


def author_of(activity: Activity) -> PersonRef:
    sender = activity.from_property
    return PersonRef(str(sender.id), getattr(sender, "name", None) or None, activity.local_timezone or None)


def command_text(activity: Activity) -> tuple[str, dict[str, PersonRef]]:
    """The message text with the bot's mention removed, people as ``<@id>`` and channels as ``<#id|name>`` tokens.

    Each mention entity replaces the first remaining occurrence of its own
    ``<at>…</at>`` text, so two people with the same name stay two people.
    (``TurnContext.remove_recipient_mention`` would also delete every other
    occurrence of the bot's name from the sentence, so it is not used.)
    """
    text = (activity.text or "").replace("\x00", "").replace("\x01", "")
    bot_id = getattr(activity.recipient, "id", None)
    people: dict[str, PersonRef] = {}
    for entity in activity.entities or []:
        if (getattr(entity, "type", None) or "").lower() != "mention":
            continue
        props = entity.additional_properties or {}
        mentioned = _dict(props.get("mentioned"))
        user_id, shown = mentioned.get("id"), props.get("text") or f"<at>{mentioned.get('name', '')}</at>"
        if not user_id or not isinstance(shown, str) or shown not in text:
            continue
        if user_id == bot_id:
            text = text.replace(shown, " ", 1)
            continue
        if _is_channel(mentioned):  # a channel mention becomes the grammar's channel token
            name = re.sub(r"[<>|\x00\x01]", "", str(mentioned.get("name") or ""))
            text = text.replace(shown, f" \x01{user_id}|{name}\x01 ", 1)
            continue
        text = text.replace(shown, f" \x00{user_id}\x00 ", 1)  # a placeholder until the text is cleaned
        people[str(user_id)] = PersonRef(str(user_id), mentioned.get("name") or None)
    # Only mention entities make people: a typed (or HTML-escaped) "<@id>" must not pose as one.
    text = html.unescape(text).replace("<@", "@").replace("<#", "#")
    text = re.sub(r"\x00([^\x00]*)\x00", r"<@\1>", text)
    text = re.sub(r"\x01([^\x01]*)\x01", r"<#\1>", text)
    return " ".join(text.split()), people


def _is_channel(mentioned: dict[str, Any]) -> bool:
    """Teams marks channel mentions with ``conversationIdentityType``; channel ids start with ``19:``."""
    kind = str(mentioned.get("conversationIdentityType") or "").lower()
    return kind in ("channel", "team") or (not kind and str(mentioned.get("id", "")).startswith("19:"))


def to_message(activity: Activity, text: str, people: Mapping[str, PersonRef]) -> Message:
    """The command ``text`` (typed, or built from a card submit) as the core's ``Message``.

    See ``delivery_key`` for how a retry or a double submit is recognised.
    """
    return Message(
        community=community_of(activity),
        author=author_of(activity),
        text=text,
        channel=channel_of(activity),
        people=dict(people),
        delivery_key=delivery_key(activity),
    )


def delivery_key(activity: Activity) -> str | None:
    """What makes this delivery the same as an earlier one.

    Teams redelivers an activity with the same id. An input card submitted twice
    (a double click, or a second try after a slow answer) arrives as two
    activities, so a form's key is the card it came from (``replyToId``), the
    person and the values: the same form with the same content counts once, an
    edited one counts again. Button commands keep the activity id — their use
    cases are idempotent, and a card's "Sign up" may rightly be pressed again
    after "Cancel my seat".
    """
    value = _dict(activity.value)
    if value.get("form") and activity.reply_to_id and activity.from_property:
        digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:32]
        return f"teams:form:{activity.reply_to_id}:{activity.from_property.id}:{digest}"
    return f"teams:{activity.id}" if activity.id else None


def submitted(value: Any) -> tuple[str, dict[str, PersonRef]] | None:
    """Grammar text for a card submit, or None when ``value`` is no submit Guild made.

    Raises ``FormError`` when an input card lacks a field the command needs.
    """
    data = _dict(value)
    command = data.get("command")
    if isinstance(command, str) and command.strip():
        return command.strip(), {}
    form = data.get("form")
    if form == "session":
        return _session_text(data), {}
    if form == "kudos":
        return _kudos_text(data)
    if form == "feedback":
        return _feedback_text(data), {}
    if form == "notes":
        return _notes_text(data), {}
    if form == "edit":
        return _edit_text(data), {}
    return None


def _session_text(data: dict[str, Any]) -> str:
    title, day, start = _field(data, "title"), _field(data, "date"), _field(data, "time")
    minutes, seats, topic = _field(data, "minutes"), _field(data, "seats"), _field(data, "topic")
    missing = [name for name, v in (("title", title), ("date", day), ("time", start), ("minutes", minutes),
                                    ("seats", seats)) if not v]
    if missing:
        raise FormError(f"Please fill in the session's {', '.join(missing)}.")
    topic_word = "#" + "-".join(topic.lstrip("#").split()) if topic else ""
    program = data.get("program")
    program_words = f"program {_whole(str(program))}" if program else ""
    return " ".join(w for w in ("session new", shlex.quote(title), day, start, f"{_whole(minutes)}m",
                                _whole(seats), topic_word, program_words) if w)


def _kudos_text(data: dict[str, Any]) -> tuple[str, dict[str, PersonRef]]:
    receivers = [p.strip() for p in _field(data, "people").split(",") if p.strip()]
    message = _field(data, "message")
    if not receivers or not message:
        raise FormError("Please choose who to thank and write a few words of thanks.")
    values = " ".join("#" + "-".join(v.lstrip("#").split()) for v in _field(data, "values").split(",") if v.strip())
    tokens = " ".join(f"<@{r}>" for r in receivers)
    return f"kudos {tokens} {message} {values}".strip(), {r: PersonRef(r) for r in receivers}


def _feedback_text(data: dict[str, Any]) -> str:
    session, rating = _field(data, "session"), _field(data, "rating")
    if not session or not rating:
        raise FormError("Please choose a rating from 1 to 5.")
    comment = _field(data, "comment")
    anonymous = " --anonymous" if _field(data, "anonymous") == "true" else ""
    return f"feedback {session} {rating} {comment}".strip() + anonymous


def _notes_text(data: dict[str, Any]) -> str:
    session, notes = _field(data, "session"), _field(data, "notes")
    if not session or not notes:
        raise FormError("Please write the session's notes.")
    return f"session notes {session} {notes}"


def _edit_text(data: dict[str, Any]) -> str:
    session = _field(data, "session")
    inputs = {name: _field(data, key) for name, key in (
        ("title", "title"), ("day", "date"), ("start", "time"), ("minutes", "minutes"), ("seats", "seats"),
        ("topic", "topic"), ("where", "where"), ("program", "program"))}
    for number in ("minutes", "seats"):
        inputs[number] = _whole(inputs[number]) if inputs[number] else ""
    was = data.get("was") if isinstance(data.get("was"), dict) else None
    text = edit_text(int(session), {k: v or None for k, v in inputs.items()}, was) if session.isdigit() else ""
    if not re.fullmatch(r"session edit \d+ .+", text):
        raise FormError("Change at least one thing (what you leave as it is stays).")
    return text


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return " ".join(str(value).split()) if value is not None and not isinstance(value, dict | list) else ""


def _whole(number: str) -> str:
    """Input.Number may send ``60`` or ``60.0``; the grammar wants digits."""
    try:
        as_float = float(number)
    except ValueError:
        return number
    return str(int(as_float)) if as_float.is_integer() else number


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
