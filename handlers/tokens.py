"""Readers for the pieces every command is made of: mentions, numbers, dates, times, topics.

The base grammar (``handlers.grammar``) and the feature modules that parse their own
commands share these, so that a session number, a date or a topic reads the same in
every command and a bad one gets the same friendly ``UsageError``.
"""

from __future__ import annotations

import re
from datetime import date, time

from handlers.usage import USAGE

MENTION = re.compile(r"<@([^<>|\s]+)(?:\|[^<>]*)?>")
CHANNEL = re.compile(r"^<#([^<>|\s]+)(?:\|([^<>]*))?>$")
VALUE = re.compile(r"^#([\w][\w-]{0,63})$")
DURATION = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes|h|hr|hrs|hours)?$", re.IGNORECASE)
MIN_KUDOS_WORDS = 3
MAX_SEATS = 10_000
MAX_MINUTES = 24 * 60
MAX_TEXT = 3_000
MAX_TOPIC = 64
MENTION_PUNCTUATION = ",.;:!?&+-/()"
MAX_MENTIONS = 50
"""People one command (or kudos message) may name: each costs a lookup, a row and a notice, so more is refused."""
FIRST_YEAR, LAST_YEAR = 1970, 2999  # far enough for any logged or planned session; never near datetime's limits


class UsageError(Exception):
    """A command the grammar cannot read; ``str()`` is the friendly explanation."""

    def __init__(self, message: str, command: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command = command

    @property
    def usage(self) -> str | None:
        return USAGE.get(self.command) if self.command else None


def mentions(text: str) -> list[str]:
    """User ids mentioned in ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def too_many_people(count: int) -> str:
    """The friendly refusal for naming more than ``MAX_MENTIONS`` people at once."""
    return (f"That names {count:,} people — I take at most {MAX_MENTIONS} in one go. "
            "Split it into a few messages, a group at a time.")


def normalise(text: str) -> str:
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    text = " ".join(text.replace("\u00a0", " ").split())
    return text.lstrip("/").strip()


def clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slug(raw: str) -> str:
    """A topic's one spelling (DESIGN §4): lower case, spaces and underscores as ``-``, no leading ``#``.

    ``public speaking``, ``#Public-Speaking`` and ``public_speaking`` are one topic in
    volunteering, sessions, requests, programs and ``trainers``, because each of them
    stores and compares this form only.
    """
    text = re.sub(r"[\s_-]+", "-", raw.strip().lstrip("#").lower())
    return text.strip("-")


def read_topic(raw: str) -> str:
    """The slug of a typed topic; every feature reads topics through here so that they match."""
    return slug(raw)


def read_date(raw: str) -> date:
    try:
        day = date.fromisoformat("-".join(part.zfill(2) for part in raw.split("-")))
    except ValueError:
        raise UsageError(f"`{clip(raw)}` isn't a date I can read; use YYYY-MM-DD.", "session") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UsageError(f"`{clip(raw)}` is too far from today; use a date from {FIRST_YEAR} to {LAST_YEAR}.",
                         "session")
    return day


def read_time(raw: str, command: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise UsageError(f"`{clip(raw)}` isn't a time I can read; use 24-hour HH:MM, like 14:30.", command)
    return time(int(match.group(1)), int(match.group(2)))


def read_minutes(raw: str) -> int:
    match = DURATION.match(raw)
    if not match:
        raise UsageError(f"`{clip(raw)}` isn't a length I can read; use minutes, like 60m.", "session")
    unit = (match.group(2) or "m").lower()
    minutes = int(match.group(1)) * (60 if unit.startswith("h") else 1)
    if not 5 <= minutes <= MAX_MINUTES:
        raise UsageError("A session lasts between 5 minutes and 24 hours.", "session")
    return minutes


def whole_number(raw: str, what: str, low: int, high: int, command: str) -> int:
    if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
        raise UsageError(f"{what.capitalize()} should be a whole number from {low} to {high}.", command)
    return int(raw)


def read_session_id(raw: str, command: str) -> int:
    raw = raw.lstrip("#")
    if not re.fullmatch(r"\d{1,9}", raw) or int(raw) == 0:
        raise UsageError(f"`{clip(raw)}` isn't a session number; `sessions` lists them.", command)
    return int(raw)


def read_program_id(raw: str, command: str = "program") -> int:
    raw = raw.lstrip("#")
    if not re.fullmatch(r"\d{1,9}", raw) or int(raw) == 0:
        raise UsageError(f"`{clip(raw)}` isn't a program number; `programs` lists them.", command)
    return int(raw)


def single_id(rest: str, command: str) -> int:
    parts = rest.split()
    if len(parts) != 1:
        raise UsageError(f"Which session? e.g. `{command} 12`; `sessions` lists them.", command)
    return read_session_id(parts[0], command)


def read_channel(raw: str) -> tuple[str, str | None]:
    """(channel id, shown name): a ``<#id|name>`` token, or a typed ``#name`` that is its own id."""
    match = CHANNEL.match(raw)
    channel = match.group(1) if match else raw.lstrip("#")
    if not channel or len(channel) > 128:
        raise UsageError("Name the channel, like `#learning`.", "admin")
    label = (match.group(2) or None) if match else None
    return channel, label
