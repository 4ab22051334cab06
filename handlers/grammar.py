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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from handlers.tokens import (
    CHANNEL,
    MAX_MENTIONS,
    MAX_SEATS,
    MAX_TEXT,
    MAX_TOPIC,
    MENTION,
    MENTION_PUNCTUATION,
    MIN_KUDOS_WORDS,
    VALUE,
    UsageError,
    clip,
    mentions,
    normalise,
    read_channel,
    read_date,
    read_minutes,
    read_program_id,
    read_session_id,
    read_time,
    read_topic,
    single_id,
    too_many_people,
    whole_number,
)

if TYPE_CHECKING:
    from handlers.admin import AdminSet
    from handlers.levels import AdminLevel
    from handlers.survey import AdminSurveyStart

__all__ = ["MAX_TEXT", "MENTION", "VALUE", "UsageError", "completion", "mentions", "parse", "parsers"]

Period = Literal["week", "month", "all"]


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
    program_id: int | None = None
    confirm: bool = False
    """Schedule even beyond the trainer's monthly capacity (the "Schedule anyway" button adds ``confirm``)."""
    trainers_only: bool = False
    """``for trainers``: only trainers may sign up (a session on a trainer competency, say)."""


@dataclass(frozen=True)
class SessionForm:
    """``session new`` alone (or ``session new program <id>``): adapters with forms open one; elsewhere usage."""

    program_id: int | None = None


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
    | CancelSignup | Rate | AdminRole | AdminTrainer | AdminChannel | AdminRoundupSchedule
    | AdminDigestSchedule | AdminTimezone | AdminKudosEmoji | AdminKudosLimit | AdminBurnout | AdminShow
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


Parser = Callable[[str], Any]


def parse(text: str) -> Any:
    """Parse one command into its frozen dataclass. Raises ``UsageError`` (only) when the text is not one."""
    text = normalise(text)
    if not text:
        raise UsageError("Tell me what to do — try `help`.", "help")
    name, _, rest = text.partition(" ")
    name = name.lower()
    parser = parsers().get(name)
    if parser is None:
        raise UsageError(f"I don't know the command `{clip(name)}`. Try `help` to see what I can do.", "help")
    if (named := len(mentions(rest))) > MAX_MENTIONS:
        raise UsageError(too_many_people(named), name)
    return parser(rest.strip())


# Commands that name a session but still miss inputs a form can ask for; adapters with forms open one.
COMPLETIONS = {
    "feedback": re.compile(r"^feedback #?([1-9]\d{0,8})$"),
    "attend": re.compile(r"^session attend #?([1-9]\d{0,8})$"),
    "notes": re.compile(r"^session notes #?([1-9]\d{0,8})$"),
    "edit": re.compile(r"^session edit #?([1-9]\d{0,8})$"),
}


def completion(text: str) -> tuple[str, int] | None:
    """``("feedback" | "attend" | "notes" | "edit", session id)`` when ``text`` is such a command missing its inputs."""
    normalised = normalise(text).lower()
    for kind, pattern in COMPLETIONS.items():
        if match := pattern.match(normalised):
            return kind, int(match.group(1))
    return None


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


def _parse_volunteer(rest: str) -> Any:
    words = rest.split()
    head = words[0].lower() if words else ""
    if sub := subparsers().get(("volunteer", head)):  # e.g. `volunteer capacity 4` (handlers.workload)
        return sub(rest[len(words[0]):].strip())
    if head in ("status", "pause", "resume", "stop") and len(words) == 1:
        return VolunteerAction(head)  # type: ignore[arg-type]
    if head == "done":
        if len(words) != 2:
            raise UsageError("Which onboarding step did you finish? e.g. `volunteer done welcome`.", "volunteer")
        return VolunteerStepDone(words[1].lower())
    topics = tuple(dict.fromkeys(read_topic(t) for t in re.split(r"[,;]", rest) if t.strip()))
    if any(not t for t in topics) or any(len(t) > MAX_TOPIC for t in topics):
        raise UsageError("Topics are short names separated by commas, like `volunteer sql, excel`.", "volunteer")
    return Volunteer(topics)


def _parse_me(rest: str) -> Me:
    if rest:
        raise UsageError("`me` takes no arguments.", "me")
    return Me()


def _parse_sessions(rest: str) -> Any:
    if sub := subparsers().get(("sessions", rest.lower())):
        return sub("")
    topic = read_topic(rest) if rest else None
    if topic is not None and (not topic or len(topic) > MAX_TOPIC):
        raise UsageError("Give a topic name, like `sessions sql`.", "sessions")
    return SessionsList(topic)


def _parse_session(rest: str) -> Command:
    words = rest.split()
    if not words:
        raise UsageError("What would you like to do with a session?", "session")
    action, args = words[0].lower(), rest[len(words[0]):].strip()
    if sub := subparsers().get(("session", action)):
        return sub(args)
    if action == "new":
        if match := re.fullmatch(r"program\s+(\S+)", args, re.IGNORECASE):
            return SessionForm(read_program_id(match.group(1), "session"))
        return _parse_session_new(args) if args else SessionForm()
    if action in ("show", "cancel", "done"):
        parts = args.split()
        if len(parts) != 1:
            raise UsageError(f"Which session? e.g. `session {action} 12`.", "session")
        return SessionAction(action, read_session_id(parts[0], "session"))  # type: ignore[arg-type]
    if action == "attend":
        parts = args.split()
        if not parts:
            raise UsageError("Which session, and who came? e.g. `session attend 12 @ana @ben`.", "session")
        session_id = read_session_id(parts[0], "session")
        if any(not MENTION.fullmatch(p) for p in parts[1:]):
            raise UsageError("Mention each person who attended, like `session attend 12 @ana @ben`.", "session")
        return SessionAttend(session_id, tuple(mentions(args)))
    if action == "notes":
        first, _, text = args.partition(" ")
        if not first or not text.strip():
            raise UsageError("Which session, and what notes? e.g. `session notes 12 We covered joins`.", "session")
        if len(text) > MAX_TEXT:
            raise UsageError(f"Notes are limited to {MAX_TEXT} characters.", "session")
        return SessionNotes(read_session_id(first, "session"), text.strip())
    raise UsageError(f"`session {clip(action)}` isn't something I know.", "session")


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
    confirm = bool(rest) and rest[-1].lower() == "confirm"
    if confirm:
        rest.pop()
    program_id, topic, trainers_only = None, None, False
    for _ in range(3):  # `#topic`, `program <id>` and `for trainers`, in any order, after the seats
        if not trainers_only and len(rest) >= 2 and [t.lower() for t in rest[-2:]] == ["for", "trainers"]:
            trainers_only = True
            del rest[-2:]
        if program_id is None and len(rest) >= 2 and rest[-2].lower() == "program":
            program_id = read_program_id(rest.pop(), "session")
            rest.pop()
        if topic is None and rest and rest[-1].startswith("#"):
            topic = read_topic(rest.pop())
    if len(rest) > 4 and "for" in (t.lower() for t in rest[4:]):
        raise UsageError("`for trainers` (at the end) limits sign-up to trainers; sessions are for everyone "
                         "without it.", "session")
    tagged = next((i for i, t in enumerate(rest) if t.startswith("#")), None)
    if tagged is not None:
        words = "-".join(t.lstrip("#") for t in rest[tagged:])
        raise UsageError(f"A topic is one word after `#`; join its words with hyphens, like `#{clip(words)}`.",
                         "session")
    if len(rest) != 4 or not title or topic == "":
        raise UsageError("I need a title, date, time, length and seats.", "session")
    if len(title) > 200:
        raise UsageError("Titles are limited to 200 characters.", "session")
    if topic and len(topic) > MAX_TOPIC:
        raise UsageError(f"Topics are limited to {MAX_TOPIC} characters.", "session")
    day = read_date(rest[0])
    start = read_time(rest[1], "session")
    minutes = read_minutes(rest[2])
    seats = whole_number(rest[3], "seats", 1, MAX_SEATS, "session")
    return SessionNew(title=title, day=day, start=start, minutes=minutes, seats=seats, topic=topic,
                      program_id=program_id, confirm=confirm, trainers_only=trainers_only)


def _parse_signup(rest: str) -> Signup:
    return Signup(single_id(rest, "signup"))


def _parse_cancel(rest: str) -> CancelSignup:
    return CancelSignup(single_id(rest, "cancel"))


def _parse_feedback(rest: str) -> Rate:
    words = rest.split()
    anonymous = any(w.lower() in ("--anonymous", "--anon") for w in words)
    words = [w for w in words if w.lower() not in ("--anonymous", "--anon")]
    if len(words) < 2:
        raise UsageError("Which session, and how many stars (1–5)? e.g. `feedback 12 5 Loved it`.", "feedback")
    session_id = read_session_id(words[0], "feedback")
    rating = whole_number(words[1], "the rating", 1, 5, "feedback")
    comment = " ".join(words[2:]) or None
    if comment and len(comment) > MAX_TEXT:
        raise UsageError(f"Comments are limited to {MAX_TEXT} characters.", "feedback")
    return Rate(session_id, rating, comment, anonymous)


def _parse_admin(rest: str) -> Command | AdminSet | AdminLevel | AdminSurveyStart:
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
        channel, label = read_channel(named) if named else (None, None)
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
        return AdminKudosLimit(whole_number(args[0], "the daily limit", 1, 1000, "admin"))
    if sub == "burnout" and len(args) == 1:
        return AdminBurnout(whole_number(args[0], "the threshold", 1, 1000, "admin"))
    if sub == "show" and not args:
        return AdminShow()
    if sub == "survey":
        from handlers.survey import parse_admin_survey  # the survey lives beside its use cases

        return parse_admin_survey(rest[len(words[0]):].strip())
    if sub == "level":
        from handlers.levels import parse_admin_level  # the ladder lives beside its use case

        return parse_admin_level(rest[len(words[0]):].strip())
    if sub == "set":
        from handlers.admin import parse_set  # the settings table lives beside its use case

        return parse_set(rest[len(words[0]):].strip())
    raise UsageError(f"`admin {clip(sub)}` isn't something I know, or needs other arguments.", "admin")


def _parse_admin_schedule(args: list[str]) -> Command:
    if len(args) == 3 and args[0].lower() == "roundup":
        day = args[1].lower()[:3]
        if day not in DAYS:
            raise UsageError("Name a weekday, like `admin schedule roundup friday 16:00`.", "admin")
        return AdminRoundupSchedule(day, read_time(args[2], "admin"))
    if len(args) == 2 and args[0].lower() == "digest" and args[1].lower() in ("weekly", "monthly", "quarterly"):
        return AdminDigestSchedule(args[1].lower())  # type: ignore[arg-type]
    raise UsageError("e.g. `admin schedule roundup friday 16:00` or `admin schedule digest monthly`.", "admin")


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
    "admin": _parse_admin,
}


@cache
def parsers() -> dict[str, Parser]:
    """Every command word and its parser: the base grammar above and the feature modules that read their own.

    A feature module (``handlers/digest.py``) keeps its commands, parsing and use cases in one place and
    lists its parsers in ``PARSERS``. It may import this module's commands, so it is gathered on first use.
    """
    return {**_PARSERS, **{word: parser for feature in _features() for word, parser in feature.PARSERS.items()}}


@cache
def subparsers() -> dict[tuple[str, str], Parser]:
    """Sub-commands of a base word that a feature module reads itself: ``("session", "edit") → parse_edit``."""
    return {key: parser for feature in _features() for key, parser in getattr(feature, "SUBPARSERS", {}).items()}


def _features() -> tuple[Any, ...]:
    from handlers import (
        digest,
        levels,
        mine,
        programs,
        requests,
        session_edit,
        session_feedback,
        survey,
        trainers,
        workload,
    )

    return (digest, programs, requests, session_edit, session_feedback, mine, trainers, levels, workload, survey)
