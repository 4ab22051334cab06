"""``sessions mine`` (or ``my sessions``): my seats, my waitlist places and the sessions I run.

The same on every platform, and built from the queries of Slack's App Home
(``handlers.home``), so the two never disagree. Each line carries the buttons
that act on it: give a seat or a queue place back; show, edit or close a
session one trains.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Context
from handlers.sessions import when
from handlers.tokens import UsageError
from handlers.types import Button, Reply, Section, private
from storage import mine, sessions
from storage.models import TrainingSession

SHOWN = 10


@dataclass(frozen=True)
class SessionsMine:
    pass


def parse_mine(rest: str) -> SessionsMine:
    if rest.strip():
        raise UsageError("`sessions mine` takes nothing more.", "sessions")
    return SessionsMine()


def parse_my(rest: str) -> SessionsMine:
    """``my sessions``, as people naturally type it."""
    if rest.strip().lower() != "sessions":
        raise UsageError("Did you mean `sessions mine`?", "sessions")
    return SessionsMine()


async def show(ctx: Context, command: SessionsMine) -> Reply:
    attending, training = await sessions.upcoming_for(ctx.session, ctx.member.id, now=ctx.now, limit=SHOWN)
    places = await mine.waitlist_positions(ctx.session, ctx.member.id,
                                           [s.id for s, status in attending if status == "waitlisted"])
    open_ones = await mine.to_close(ctx.session, ctx.member.id, now=ctx.now, limit=SHOWN)
    parts: list[Section] = []
    seats = [s for s, status in attending if status == "confirmed"]
    waiting = [s for s, status in attending if status == "waitlisted"]
    if seats:
        parts.append(Section(text="*Your seats*"))
        parts.extend(Section(text=f"*{s.title}* — session {s.id}", fields=_where(ctx, s),
                             buttons=(Button("Cancel my seat", f"cancel {s.id}"),)) for s in seats)
    if waiting:
        parts.append(Section(text="*On the waitlist*"))
        parts.extend(Section(text=f"*{s.title}* — session {s.id}, number {places.get(s.id, '?')} in the queue",
                             fields=_where(ctx, s), buttons=(Button("Leave the waitlist", f"cancel {s.id}"),))
                     for s in waiting)
    if training:
        parts.append(Section(text="*Sessions you run*"))
        parts.extend(Section(text=f"*{s.title}* — session {s.id}",
                             fields=(*_where(ctx, s), ("Seats taken", f"{s.taken} of {s.seats}")),
                             buttons=(Button("Show", f"session show {s.id}"), Button("Edit", f"session edit {s.id}")))
                     for s in training)
    if open_ones:
        parts.append(Section(text="*Waiting to be closed*"))
        parts.extend(Section(text=f"*{s.title}* — session {s.id}", fields=_where(ctx, s),
                             buttons=(Button("Mark done", f"session done {s.id}", "primary"),
                                      Button("Mark attendance", f"session attend {s.id}")))
                     for s in open_ones)
    if not parts:
        return private("You have no seats, waitlist places or sessions to run. `sessions` lists what's on.")
    summary = [text for text, items in (
        (f"{len(seats)} seat{'s' if len(seats) != 1 else ''}", seats),
        (f"{len(waiting)} waitlist place{'s' if len(waiting) != 1 else ''}", waiting),
        (f"{len(training)} session{'s' if len(training) != 1 else ''} to run", training),
        (f"{len(open_ones)} to close", open_ones),
    ) if items]
    return private("You have " + ", ".join(summary) + ".", title="Your sessions", sections=tuple(parts))


def _where(ctx: Context, row: TrainingSession) -> tuple[tuple[str, str], ...]:
    fields = [("When", when(ctx, row.starts_at))]
    if row.location:
        fields.append(("Where", row.location))
    return tuple(fields)


PARSERS = {"my": parse_my}
SUBPARSERS = {("sessions", "mine"): parse_mine}
ROUTES = {SessionsMine: show}
