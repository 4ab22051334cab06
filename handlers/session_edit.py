"""``session edit <id> …``: change a session without cancelling it and losing every sign-up.

One command may change several things at once (``session edit 7 when 2026-12-02 15:00 seats 20``),
which is what the Slack modal and the Teams card send; each form of DESIGN §4 is
the one-field case. Only the session's trainer and admins edit. A change of
time, length or place is what people plan around, so everyone confirmed or
waiting hears it once, with the old and new values; more seats go to the waitlist
first come first served; fewer seats than people confirmed is refused.
A new start moves the session's reminders with it (``storage.due.reminder_period``).
``for trainers`` / ``for everyone`` says who may take a seat from now on; seats already taken stay.
A new topic answers the open request for it, as ``session new`` does (``handlers.requests.answer``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from handlers import programs
from handlers import requests as topic_requests
from handlers.context import Context, Refusal, name_of
from handlers.enrollment import fill_from_waitlist
from handlers.sessions import card, load, require_owner, start_of, trainer_of, when
from handlers.tokens import (
    MAX_SEATS,
    MAX_TOPIC,
    UsageError,
    clip,
    read_date,
    read_minutes,
    read_program_id,
    read_session_id,
    read_time,
    read_topic,
    whole_number,
)
from handlers.types import Button, Reply, Section, private
from handlers.usage import USAGE
from handlers.wording import joined
from storage import enrollments, sessions
from storage.enrollments import HOLDING
from storage.models import Member, TrainingSession

FIELDS = ("title", "when", "length", "seats", "topic", "where", "program", "for")
AUDIENCES = {"trainers": True, "everyone": False}
MAX_TITLE = 200
MAX_PLACE = 500
TOKEN = re.compile(r'"([^"]*)"|(\S+)')
EXAMPLE = "e.g. `session edit 7 when 2026-12-02 15:00` or `session edit 7 seats 20`"
# Only these matter to people already signed up: they plan their day around them.
TOLD = ("when", "length", "where")


@dataclass(frozen=True)
class SessionEdit:
    """The fields to change; None leaves a field as it is."""

    session_id: int
    title: str | None = None
    day: date | None = None
    start: time | None = None
    minutes: int | None = None
    seats: int | None = None
    topic: str | None = None
    location: str | None = None
    program_id: int | None = None
    trainers_only: bool | None = None


@dataclass(frozen=True)
class SessionEditForm:
    """``session edit <id>`` alone: forms open an edit form; typed, it shows what can be changed."""

    session_id: int


def parse_edit(args: str) -> SessionEdit | SessionEditForm:
    """Read ``<id> <field> <value> [<field> <value> …]``; ``where`` takes the rest of the line."""
    first, _, rest = args.partition(" ")
    if not first:
        raise UsageError(f"Which session, and what should change? {EXAMPLE}.", "session")
    session_id = read_session_id(first, "session")
    tokens = [(m.group(1) if m.group(1) is not None else m.group(2), m.group(1) is not None, m.end())
              for m in TOKEN.finditer(rest)]
    if not tokens:
        return SessionEditForm(session_id)
    values: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        word, quoted, end = tokens[i]
        name = word.lower()
        if quoted or name not in FIELDS:
            raise UsageError(f"`{clip(word)}` isn't something I can change; say title, when, length, seats, "
                             f"topic, where, program or for — {EXAMPLE}.", "session")
        if name in values or (name == "when" and "day" in values) or (name == "for" and "trainers_only" in values):
            raise UsageError(f"Say `{name}` once.", "session")
        i += 1
        if name == "where":
            place = rest[end:].strip()
            if len(place) >= 2 and place[0] == place[-1] == '"':
                place = place[1:-1].strip()
            if not place:
                raise UsageError("Where will it be? Give a room or a link, like `where Room 4` "
                                 "or `where https://meet.example.com/sql`.", "session")
            if len(place) > MAX_PLACE:
                raise UsageError(f"A place or link is limited to {MAX_PLACE} characters.", "session")
            values["location"] = place
            break
        if name in ("title", "topic"):
            taken, i = _words(tokens, i)
            text = " ".join(taken)
            if name == "title":
                if not text or len(text) > MAX_TITLE:
                    raise UsageError(f"Give the new title (up to {MAX_TITLE} characters), like "
                                     '`session edit 7 title "SQL joins"`.', "session")
                values["title"] = text
            else:
                topic = read_topic(text)
                if not topic or len(topic) > MAX_TOPIC:
                    raise UsageError("Give the new topic, like `session edit 7 topic #sql`.", "session")
                values["topic"] = topic
            continue
        needs = 2 if name == "when" else 1
        given = [t for t, _, _ in tokens[i:i + needs]]
        if len(given) < needs:
            raise UsageError(f"`{name}` needs a value — {EXAMPLE}.", "session")
        i += needs
        if name == "when":
            values["day"], values["start"] = read_date(given[0]), read_time(given[1], "session")
        elif name == "length":
            values["minutes"] = read_minutes(given[0])
        elif name == "seats":
            values["seats"] = whole_number(given[0], "seats", 1, MAX_SEATS, "session")
        elif name == "for":
            if given[0].lower() not in AUDIENCES:
                raise UsageError("Who may sign up? `for trainers` or `for everyone`.", "session")
            values["trainers_only"] = AUDIENCES[given[0].lower()]
        else:
            values["program_id"] = read_program_id(given[0], "session")
    return SessionEdit(session_id, **values)  # type: ignore[arg-type]


FORM_INPUTS = ("title", "day", "start", "minutes", "seats", "topic", "where", "program")


def edit_text(session_id: int, inputs: Mapping[str, str | None], was: Mapping[str, str] | None = None) -> str:
    """The typed command a filled-in edit form stands for (Slack modal, Teams card); empty inputs stay as they are.

    ``inputs`` holds ``title``, ``day`` and ``start`` (both for a new time), ``minutes``, ``seats``, ``topic``,
    ``where`` and ``program``. ``where`` goes last because it takes the rest of the line. ``was`` is what the
    form was prefilled with (``form_values``): an input left as it was is no change, so a held session's
    form can still fix its title without "changing" its time.
    """
    given = {k: " ".join(v.split()) for k, v in inputs.items() if v is not None and v.strip()}
    if was:
        kept = {k for k, v in given.items() if " ".join(str(was.get(k) or "").split()) == v}
        moved = any(k in given and k not in kept for k in ("day", "start"))
        given = {k: v for k, v in given.items() if k not in kept or (moved and k in ("day", "start"))}
        if moved:  # a new time needs both halves: the one left as it was still counts
            given.update({k: was[k] for k in ("day", "start") if k not in given and was.get(k)})
    parts = [f"session edit {session_id}"]
    if "title" in given:
        parts.append('title "' + given["title"].replace('"', "'") + '"')
    if "day" in given or "start" in given:
        parts.append(f"when {given.get('day', '')} {given.get('start', '')}".rstrip())
    for name, word, suffix in (("minutes", "length", "m"), ("seats", "seats", ""), ("topic", "topic", ""),
                               ("program", "program", "")):
        if name in given:
            parts.append(f"{word} {given[name]}{suffix}")
    if "where" in given:
        parts.append(f"where {given['where']}")
    return " ".join(parts)


def _words(tokens: list[tuple[str, bool, int]], i: int) -> tuple[list[str], int]:
    """A quoted value, or the words up to the next field name."""
    if i < len(tokens) and tokens[i][1]:
        return [tokens[i][0].strip()], i + 1
    taken = []
    while i < len(tokens) and not _field_at(tokens, i):
        taken.append(tokens[i][0])
        i += 1
    return taken, i


def _field_at(tokens: list[tuple[str, bool, int]], i: int) -> bool:
    """Whether a field name starts at ``i``; ``for`` only as ``for trainers|everyone``, so "SQL for all" is a title."""
    word, quoted, _ = tokens[i]
    if quoted or word.lower() not in FIELDS:
        return False
    return word.lower() != "for" or (i + 1 < len(tokens) and tokens[i + 1][0].lower() in AUDIENCES)


async def edit(ctx: Context, command: SessionEdit) -> Reply:
    session = await load(ctx, command.session_id, lock=True)
    require_owner(ctx, session)
    _require_editable(ctx, session, command)
    values: dict[str, object] = {}
    if command.title is not None and command.title != session.title:
        values["title"] = command.title
    if command.topic is not None and command.topic != session.topic:
        values["topic"] = command.topic
    if command.location is not None and command.location != session.location:
        values["location"] = command.location
    if command.trainers_only is not None and command.trainers_only != session.trainers_only:
        values["trainers_only"] = command.trainers_only
    if command.program_id is not None and command.program_id != session.program_id:
        values["program_id"] = (await programs.load(ctx, command.program_id)).id  # one of this community's
    if command.minutes is not None and command.minutes != session.duration_minutes:
        values["duration_minutes"] = command.minutes
    starts_at = session.starts_at
    if command.day is not None and command.start is not None:
        starts_at = start_of(ctx, command.day, command.start)
        if starts_at <= ctx.now:
            raise Refusal(f"{when(ctx, starts_at)} has already passed; pick a time from now on.", USAGE["session"])
        if starts_at != session.starts_at:
            values["starts_at"] = starts_at
    if command.seats is not None and command.seats != session.seats:
        if command.seats < session.taken:
            raise Refusal(
                f"*{session.title}* has {session.taken} people confirmed, so it needs at least {session.taken} "
                f"seats. To go lower, people must give up their seats first (`cancel {session.id}`).",
                USAGE["session"],
            )
        values["seats"] = command.seats
    if not values:
        return private(f"*{session.title}* already looks like that — nothing changed.")
    before = Snapshot.of(session)
    await sessions.change(ctx.session, session.id, moved="starts_at" in values, **values)
    session = await load(ctx, session.id)
    after = Snapshot.of(session)
    promoted = await fill_from_waitlist(ctx, session) if "seats" in values else []
    told = await _tell_people(ctx, session, before, after, promoted)
    upcoming = session.status == "scheduled" and session.starts_at > ctx.now
    asked = await topic_requests.answer(ctx, session, lambda person: when(ctx, session.starts_at, person)) \
        if "topic" in values and upcoming else 0
    trainer = await trainer_of(ctx, session)
    if trainer.id != ctx.member.id:
        ctx.tell(trainer, private(f"{name_of(ctx.member)} changed your session *{session.title}*: "
                                  f"{_listing(ctx, before, after, trainer, FIELDS)}."))
    lines = [f"Changed *{session.title}*: {_listing(ctx, before, after, ctx.member, FIELDS)}."]
    if values.get("trainers_only") and session.taken:
        lines.append("People who signed up before keep their seats; from now on only trainers can sign up.")
    if promoted:
        lines.append(f"{joined([name_of(p) for p in promoted])} moved up from the waitlist and got a seat.")
    if told:
        lines.append(f"I told the {_people(told)} signed up or waiting.")
    if asked:
        lines.append(f"I told the {_people(asked)} who asked for *{session.topic}*.")
    program = await programs.of_session(ctx, session)
    return private("\n".join(lines), sections=(card(ctx, session, trainer, program),),
                   buttons=(Button("Show", f"session show {session.id}"),))


def form_values(ctx: Context, session: TrainingSession) -> dict[str, str]:
    """The session as an edit form shows it before anything is changed, keyed like ``edit_text``'s inputs.

    The date and time are the asker's own (their zone); empty strings for what is not set.
    """
    local = session.starts_at.astimezone(ctx.zone())
    return {"title": session.title, "day": local.date().isoformat(), "start": f"{local:%H:%M}",
            "minutes": str(session.duration_minutes), "seats": str(session.seats), "topic": session.topic or "",
            "where": session.location or "", "program": str(session.program_id) if session.program_id else ""}


def current(session_id: int, into: dict[str, str]) -> Callable[[Context], Awaitable[Reply]]:
    """A use case for adapters opening an edit form: fills ``into`` with ``form_values`` for someone who may edit.

    For anyone else it refuses like ``session edit`` would (``into`` stays empty), so the adapter answers the
    refusal instead of opening a form that could only fail.
    """
    async def read(ctx: Context) -> Reply:
        session = await load(ctx, session_id)
        require_owner(ctx, session)
        _require_editable(ctx, session, SessionEdit(session.id))
        into.update(form_values(ctx, session))
        return private(f"Editing *{session.title}*.")

    return read


async def form(ctx: Context, command: SessionEditForm) -> Reply:
    """Typed without changes (the console): the session as it is and how to change it."""
    session = await load(ctx, command.session_id)
    require_owner(ctx, session)
    _require_editable(ctx, session, SessionEdit(session.id))
    trainer = await trainer_of(ctx, session)
    program = await programs.of_session(ctx, session)
    usage = "\n".join(f"`session edit {session.id} {line}`" for line in (
        'title "<title>"', "when <YYYY-MM-DD> <HH:MM>", "length <minutes>m", "seats <n>", "topic #<topic>",
        "where <place or link>", "program <program id>", "for trainers|everyone"))
    return private(f"What should change in *{session.title}*? Several at once work too, {EXAMPLE}.",
                   sections=(card(ctx, session, trainer, program), Section(text=usage)))


def _require_editable(ctx: Context, session: TrainingSession, command: SessionEdit) -> None:
    if session.status == "cancelled":
        raise Refusal(f"*{session.title}* was cancelled; schedule a new one with `session new`.")
    settled = [name for name, given in (("when", command.day), ("length", command.minutes),
                                        ("seats", command.seats), ("where", command.location)) if given is not None]
    if settled and (session.status == "done" or session.starts_at <= ctx.now):
        raise Refusal(f"*{session.title}* has already taken place, so its {joined(settled)} can't change any "
                      "more; its title, topic and program still can.")


@dataclass(frozen=True)
class Snapshot:
    """A session's editable values at one moment (the ORM row itself is refreshed in place)."""

    title: str
    starts_at: datetime
    minutes: int
    seats: int
    topic: str | None
    location: str | None
    program_id: int | None
    trainers_only: bool

    @classmethod
    def of(cls, row: TrainingSession) -> Snapshot:
        return cls(row.title, row.starts_at, row.duration_minutes, row.seats, row.topic, row.location,
                   row.program_id, row.trainers_only)

    def shown(self, ctx: Context, reader: Member) -> dict[str, str]:
        """Each field as ``reader`` reads it (times in their own zone)."""
        return {
            "title": self.title,
            "when": when(ctx, self.starts_at, reader),
            "length": f"{self.minutes} min",
            "seats": str(self.seats),
            "topic": f"#{self.topic}" if self.topic else "none",
            "where": self.location or "not set",
            "program": str(self.program_id) if self.program_id else "none",
            "for": "trainers" if self.trainers_only else "everyone",
        }


def _listing(ctx: Context, before: Snapshot, after: Snapshot, reader: Member, names: tuple[str, ...]) -> str:
    old, new = before.shown(ctx, reader), after.shown(ctx, reader)
    return "; ".join(f"{name} {old[name]} → {new[name]}" for name in names if old[name] != new[name])


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


async def _tell_people(ctx: Context, session: TrainingSession, before: Snapshot, after: Snapshot,
                       promoted: list[Member]) -> int:
    """Tell everyone holding a seat or a place in the queue about a new time, length or place, once each.

    Each person reads the times in their own zone. People promoted by this edit
    already heard the news with the new details.
    """
    if not _listing(ctx, before, after, ctx.member, TOLD):
        return 0
    skip = {p.id for p in promoted} | {session.trainer_id}
    people = [p for p in await enrollments.people(ctx.session, session.id, HOLDING) if p.id not in skip]
    for person in people:
        old, new = before.shown(ctx, person), after.shown(ctx, person)
        lines = [f"• {name}: {old[name]} → {new[name]}" for name in TOLD if old[name] != new[name]]
        ctx.tell(person, private(
            f"*{session.title}* has changed:\n" + "\n".join(lines)
            + f"\n`cancel {session.id}` gives your place to someone else if it no longer suits you.",
            title="Session changed",
            buttons=(Button("Show", f"session show {session.id}"),),
        ))
    return len(people)


PARSERS: dict[str, object] = {}
SUBPARSERS = {("session", "edit"): parse_edit}
ROUTES = {SessionEdit: edit, SessionEditForm: form}
