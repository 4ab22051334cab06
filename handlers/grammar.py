"""The command grammar of DESIGN.md §4, parsed once, for every platform.

``parse`` turns command text into one of the frozen dataclasses below, or
raises ``UsageError`` with a friendly message and the right usage line. It
never raises anything else, whatever the text (the property tests hold it to
that). Mentions are ``<@USER_ID>`` tokens, already written that way by the
adapters; channels may be ``<#C123|name>``, ``#name`` or a bare name.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import date, time
from typing import Literal, TypeAlias

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


Period = Literal["week", "month", "all"]
DigestPeriod = Literal["week", "month", "quarter"]


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class KudosGive:
    receivers: tuple[str, ...]
    message: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class KudosForm:
    """``kudos`` alone: adapters with forms open one; elsewhere it explains usage."""


@dataclass(frozen=True)
class KudosTop:
    period: Period = "week"


@dataclass(frozen=True)
class KudosOptOut:
    opt_out: bool


@dataclass(frozen=True)
class Volunteer:
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class VolunteerAction:
    action: Literal["status", "pause", "resume", "stop"]


@dataclass(frozen=True)
class VolunteerStepDone:
    step: str


@dataclass(frozen=True)
class Me:
    pass


@dataclass(frozen=True)
class SessionsList:
    topic: str | None = None


@dataclass(frozen=True)
class SessionNew:
    title: str
    day: date
    start: time
    minutes: int
    seats: int
    topic: str | None = None


@dataclass(frozen=True)
class SessionForm:
    """``session new`` alone: adapters with forms open one; elsewhere it explains usage."""


@dataclass(frozen=True)
class SessionAction:
    action: Literal["show", "cancel", "done"]
    session_id: int


@dataclass(frozen=True)
class SessionAttend:
    """Mark ``people`` as attended; with nobody named, the trainer is offered the signed-up people to pick."""

    session_id: int
    people: tuple[str, ...]


@dataclass(frozen=True)
class SessionNotes:
    session_id: int
    text: str


@dataclass(frozen=True)
class Signup:
    session_id: int


@dataclass(frozen=True)
class CancelSignup:
    session_id: int


@dataclass(frozen=True)
class Rate:
    session_id: int
    rating: int
    comment: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class Digest:
    period: DigestPeriod = "month"


@dataclass(frozen=True)
class AdminRole:
    grant: bool
    role: Literal["admin", "leader"]
    people: tuple[str, ...]


@dataclass(frozen=True)
class AdminTrainer:
    action: Literal["pause", "stop", "activate"]
    people: tuple[str, ...]


@dataclass(frozen=True)
class AdminChannel:
    """``channel`` is the platform's id (None: where the admin speaks); ``label`` its shown name, if given."""

    kind: Literal["roundup", "digest", "milestones"]
    channel: str | None
    label: str | None = None


@dataclass(frozen=True)
class AdminRoundupSchedule:
    day: str
    at: time


@dataclass(frozen=True)
class AdminDigestSchedule:
    frequency: Literal["weekly", "monthly", "quarterly"]


@dataclass(frozen=True)
class AdminTimezone:
    timezone: str


@dataclass(frozen=True)
class AdminKudosEmoji:
    emoji: str


@dataclass(frozen=True)
class AdminKudosLimit:
    limit: int


@dataclass(frozen=True)
class AdminBurnout:
    sessions: int


@dataclass(frozen=True)
class AdminShow:
    pass


Command: TypeAlias = (
    Help | KudosGive | KudosForm | KudosTop | KudosOptOut | Volunteer | VolunteerAction | VolunteerStepDone
    | Me | SessionsList | SessionNew | SessionForm | SessionAction | SessionAttend | SessionNotes | Signup
    | CancelSignup | Rate | Digest | AdminRole | AdminTrainer | AdminChannel | AdminRoundupSchedule
    | AdminDigestSchedule | AdminTimezone | AdminKudosEmoji | AdminKudosLimit | AdminBurnout | AdminShow
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse(text: str) -> Command:
    """Parse one command. Raises ``UsageError`` (only) when the text is not one."""
    text = _normalise(text)
    if not text:
        raise UsageError("Tell me what to do — try `help`.", "help")
    name, _, rest = text.partition(" ")
    name = name.lower()
    parser = _PARSERS.get(name)
    if parser is None:
        raise UsageError(f"I don't know the command `{_clip(name)}`. Try `help` to see what I can do.", "help")
    return parser(rest.strip())


# Commands that name a session but still miss inputs a form can ask for; adapters with forms open one.
COMPLETIONS = {
    "feedback": re.compile(r"^feedback #?([1-9]\d{0,8})$"),
    "attend": re.compile(r"^session attend #?([1-9]\d{0,8})$"),
    "notes": re.compile(r"^session notes #?([1-9]\d{0,8})$"),
}


def completion(text: str) -> tuple[str, int] | None:
    """``("feedback" | "attend" | "notes", session id)`` when ``text`` is such a command missing its inputs."""
    normalised = _normalise(text).lower()
    for kind, pattern in COMPLETIONS.items():
        if match := pattern.match(normalised):
            return kind, int(match.group(1))
    return None


def mentions(text: str) -> list[str]:
    """User ids mentioned in ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def _normalise(text: str) -> str:
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    text = " ".join(text.replace("\u00a0", " ").split())
    return text.lstrip("/").strip()


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_help(rest: str) -> Help:
    topic = rest.split()[0].lower().lstrip("/") if rest else None
    return Help(topic)


def _parse_kudos(rest: str) -> Command:
    words = rest.split()
    if not words:
        return KudosForm()
    head = words[0].lower()
    if head == "top" and not MENTION.search(rest):
        period = words[1].lower() if len(words) > 1 else "week"
        if len(words) > 2 or period not in ("week", "month", "all"):
            raise UsageError("The leaderboard covers `week`, `month` or `all`.", "kudos")
        return KudosTop(period)  # type: ignore[arg-type]
    if head in ("optout", "optin") and len(words) == 1:
        return KudosOptOut(opt_out=head == "optout")
    receivers = tuple(mentions(rest))
    if not receivers:
        raise UsageError("Who would you like to thank? Mention them, like `kudos @ana thanks for the demo`.", "kudos")
    tokens = [w for w in words if not _only_mentions(w)]
    values = tuple(dict.fromkeys(m.group(1).lower() for w in tokens if (m := VALUE.match(w))))
    while tokens and VALUE.match(tokens[-1]):
        tokens.pop()
    message = " ".join(tokens).strip(" ,:-")
    plain_words = [w for w in message.split() if not VALUE.match(w)]
    if len(plain_words) < MIN_KUDOS_WORDS:
        raise UsageError(
            f"Say a few words about what they did (at least {MIN_KUDOS_WORDS} words) — it means more that way.",
            "kudos",
        )
    if len(message) > MAX_TEXT:
        raise UsageError(f"That message is a little long; keep it under {MAX_TEXT} characters.", "kudos")
    return KudosGive(receivers=receivers, message=message, values=values)


def _only_mentions(word: str) -> bool:
    """``<@ana>`` or ``<@ana>,`` is no word of thanks; ``<@ana>'s`` and a lone ``&`` are."""
    return bool(MENTION.search(word)) and not MENTION.sub("", word).strip(MENTION_PUNCTUATION)


def _parse_volunteer(rest: str) -> Command:
    words = rest.split()
    head = words[0].lower() if words else ""
    if head in ("status", "pause", "resume", "stop") and len(words) == 1:
        return VolunteerAction(head)  # type: ignore[arg-type]
    if head == "done":
        if len(words) != 2:
            raise UsageError("Which onboarding step did you finish? e.g. `volunteer done welcome`.", "volunteer")
        return VolunteerStepDone(words[1].lower())
    topics = tuple(dict.fromkeys(_topic(t) for t in re.split(r"[,;]", rest) if t.strip()))
    if any(not t for t in topics) or any(len(t) > MAX_TOPIC for t in topics):
        raise UsageError("Topics are short names separated by commas, like `volunteer sql, excel`.", "volunteer")
    return Volunteer(topics)


def _topic(raw: str) -> str:
    return " ".join(raw.strip().lstrip("#").lower().split())


def _parse_me(rest: str) -> Me:
    if rest:
        raise UsageError("`me` takes no arguments.", "me")
    return Me()


def _parse_sessions(rest: str) -> SessionsList:
    topic = _topic(rest) if rest else None
    if topic is not None and (not topic or len(topic) > MAX_TOPIC):
        raise UsageError("Give a topic name, like `sessions sql`.", "sessions")
    return SessionsList(topic)


def _parse_session(rest: str) -> Command:
    words = rest.split()
    if not words:
        raise UsageError("What would you like to do with a session?", "session")
    action, args = words[0].lower(), rest[len(words[0]):].strip()
    if action == "new":
        return _parse_session_new(args) if args else SessionForm()
    if action in ("show", "cancel", "done"):
        parts = args.split()
        if len(parts) != 1:
            raise UsageError(f"Which session? e.g. `session {action} 12`.", "session")
        return SessionAction(action, _session_id(parts[0], "session"))  # type: ignore[arg-type]
    if action == "attend":
        parts = args.split()
        if not parts:
            raise UsageError("Which session, and who came? e.g. `session attend 12 @ana @ben`.", "session")
        session_id = _session_id(parts[0], "session")
        if any(not MENTION.fullmatch(p) for p in parts[1:]):
            raise UsageError("Mention each person who attended, like `session attend 12 @ana @ben`.", "session")
        return SessionAttend(session_id, tuple(mentions(args)))
    if action == "notes":
        first, _, text = args.partition(" ")
        if not first or not text.strip():
            raise UsageError("Which session, and what notes? e.g. `session notes 12 We covered joins`.", "session")
        if len(text) > MAX_TEXT:
            raise UsageError(f"Notes are limited to {MAX_TEXT} characters.", "session")
        return SessionNotes(_session_id(first, "session"), text.strip())
    raise UsageError(f"`session {_clip(action)}` isn't something I know.", "session")


def _parse_session_new(args: str) -> SessionNew:
    try:
        tokens = shlex.split(args)
    except ValueError:
        raise UsageError("A quote is not closed; put the title in \"double quotes\".", "session") from None
    date_at = next((i for i, t in enumerate(tokens) if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", t)), None)
    if not date_at:
        raise UsageError("I need a title and then a date like 2026-12-01.", "session")
    title = " ".join(tokens[:date_at]).strip()
    rest = tokens[date_at:]
    topic = None
    if rest and rest[-1].startswith("#"):
        topic = _topic(rest.pop())
    if len(rest) != 4 or not title or topic == "":
        raise UsageError("I need a title, date, time, length and seats.", "session")
    if len(title) > 200:
        raise UsageError("Titles are limited to 200 characters.", "session")
    if topic and len(topic) > MAX_TOPIC:
        raise UsageError(f"Topics are limited to {MAX_TOPIC} characters.", "session")
    day = _date(rest[0])
    start = _time(rest[1], "session")
    minutes = _minutes(rest[2])
    seats = _int(rest[3], "seats", 1, MAX_SEATS, "session")
    return SessionNew(title=title, day=day, start=start, minutes=minutes, seats=seats, topic=topic)


def _date(raw: str) -> date:
    try:
        day = date.fromisoformat("-".join(part.zfill(2) for part in raw.split("-")))
    except ValueError:
        raise UsageError(f"`{_clip(raw)}` isn't a date I can read; use YYYY-MM-DD.", "session") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UsageError(f"`{_clip(raw)}` is too far from today; use a date from {FIRST_YEAR} to {LAST_YEAR}.",
                         "session")
    return day


def _time(raw: str, command: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise UsageError(f"`{_clip(raw)}` isn't a time I can read; use 24-hour HH:MM, like 14:30.", command)
    return time(int(match.group(1)), int(match.group(2)))


def _minutes(raw: str) -> int:
    match = DURATION.match(raw)
    if not match:
        raise UsageError(f"`{_clip(raw)}` isn't a length I can read; use minutes, like 60m.", "session")
    unit = (match.group(2) or "m").lower()
    minutes = int(match.group(1)) * (60 if unit.startswith("h") else 1)
    if not 5 <= minutes <= MAX_MINUTES:
        raise UsageError("A session lasts between 5 minutes and 24 hours.", "session")
    return minutes


def _int(raw: str, what: str, low: int, high: int, command: str) -> int:
    if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
        raise UsageError(f"{what.capitalize()} should be a whole number from {low} to {high}.", command)
    return int(raw)


def _session_id(raw: str, command: str) -> int:
    raw = raw.lstrip("#")
    if not re.fullmatch(r"\d{1,9}", raw) or int(raw) == 0:
        raise UsageError(f"`{_clip(raw)}` isn't a session number; `sessions` lists them.", command)
    return int(raw)


def _single_id(rest: str, command: str) -> int:
    parts = rest.split()
    if len(parts) != 1:
        raise UsageError(f"Which session? e.g. `{command} 12`; `sessions` lists them.", command)
    return _session_id(parts[0], command)


def _parse_signup(rest: str) -> Signup:
    return Signup(_single_id(rest, "signup"))


def _parse_cancel(rest: str) -> CancelSignup:
    return CancelSignup(_single_id(rest, "cancel"))


def _parse_feedback(rest: str) -> Rate:
    words = rest.split()
    anonymous = any(w.lower() in ("--anonymous", "--anon") for w in words)
    words = [w for w in words if w.lower() not in ("--anonymous", "--anon")]
    if len(words) < 2:
        raise UsageError("Which session, and how many stars (1–5)? e.g. `feedback 12 5 Loved it`.", "feedback")
    session_id = _session_id(words[0], "feedback")
    rating = _int(words[1], "the rating", 1, 5, "feedback")
    comment = " ".join(words[2:]) or None
    if comment and len(comment) > MAX_TEXT:
        raise UsageError(f"Comments are limited to {MAX_TEXT} characters.", "feedback")
    return Rate(session_id, rating, comment, anonymous)


def _parse_digest(rest: str) -> Digest:
    period = rest.lower() or "month"
    if period not in ("week", "month", "quarter"):
        raise UsageError("The digest covers a `week`, `month` or `quarter`.", "digest")
    return Digest(period)  # type: ignore[arg-type]


def _parse_admin(rest: str) -> Command:
    words = rest.split()
    if not words:
        raise UsageError("Which admin command?", "admin")
    sub, args = words[0].lower(), words[1:]
    if sub in ("grant", "revoke"):
        if not args or args[0].lower() not in ("admin", "leader") or not mentions(" ".join(args[1:])):
            raise UsageError(f"e.g. `admin {sub} leader @ana`.", "admin")
        return AdminRole(sub == "grant", args[0].lower(), tuple(mentions(" ".join(args[1:]))))  # type: ignore[arg-type]
    if sub == "trainer":
        if not args or args[0].lower() not in ("pause", "stop", "activate") or not mentions(" ".join(args[1:])):
            raise UsageError("e.g. `admin trainer pause @ana`.", "admin")
        return AdminTrainer(args[0].lower(), tuple(mentions(" ".join(args[1:]))))  # type: ignore[arg-type]
    if sub == "channel":
        named = " ".join(args[1:])  # a channel token's name may have spaces: <#19:…|Learning and Development>
        if not args or args[0].lower() not in ("roundup", "digest", "milestones") or (
                len(args) > 2 and not CHANNEL.match(named)):
            raise UsageError("e.g. `admin channel roundup #learning` (or no channel for this one).", "admin")
        channel, label = _channel(named) if named else (None, None)
        return AdminChannel(args[0].lower(), channel, label)  # type: ignore[arg-type]
    if sub == "schedule":
        return _parse_admin_schedule(args)
    if sub == "timezone" and len(args) == 1:
        return AdminTimezone(args[0])
    if sub in ("kudos-emoji", "emoji") and len(args) == 1:
        emoji = args[0].strip(":").lower()
        if not re.fullmatch(r"[a-z0-9_+\-']{1,64}", emoji):
            raise UsageError("Give the emoji's name, like `admin kudos-emoji tada`.", "admin")
        return AdminKudosEmoji(emoji)
    if sub == "kudos-limit" and len(args) == 1:
        return AdminKudosLimit(_int(args[0], "the daily limit", 1, 1000, "admin"))
    if sub == "burnout" and len(args) == 1:
        return AdminBurnout(_int(args[0], "the threshold", 1, 1000, "admin"))
    if sub == "show" and not args:
        return AdminShow()
    raise UsageError(f"`admin {_clip(sub)}` isn't something I know, or needs other arguments.", "admin")


def _parse_admin_schedule(args: list[str]) -> Command:
    if len(args) == 3 and args[0].lower() == "roundup":
        day = args[1].lower()[:3]
        if day not in DAYS:
            raise UsageError("Name a weekday, like `admin schedule roundup friday 16:00`.", "admin")
        return AdminRoundupSchedule(day, _time(args[2], "admin"))
    if len(args) == 2 and args[0].lower() == "digest" and args[1].lower() in ("weekly", "monthly", "quarterly"):
        return AdminDigestSchedule(args[1].lower())  # type: ignore[arg-type]
    raise UsageError("e.g. `admin schedule roundup friday 16:00` or `admin schedule digest monthly`.", "admin")


def _channel(raw: str) -> tuple[str, str | None]:
    """(channel id, shown name): a ``<#id|name>`` token, or a typed ``#name`` that is its own id."""
    match = CHANNEL.match(raw)
    channel = match.group(1) if match else raw.lstrip("#")
    if not channel or len(channel) > 128:
        raise UsageError("Name the channel, like `#learning`.", "admin")
    label = (match.group(2) or None) if match else None
    return channel, label


_PARSERS = {
    "help": _parse_help,
    "kudos": _parse_kudos,
    "volunteer": _parse_volunteer,
    "me": _parse_me,
    "sessions": _parse_sessions,
    "session": _parse_session,
    "signup": _parse_signup,
    "cancel": _parse_cancel,
    "feedback": _parse_feedback,
    "digest": _parse_digest,
    "admin": _parse_admin,
}
