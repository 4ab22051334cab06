"""``session feedback <id>``: what learners said about a session, for the people who act on it.

Trainers got one message per rating as it came in; this is the whole picture in
one place: how many rated, the average, the 1–5 distribution and every comment.
It is for the session's trainer, admins and leaders. Anonymous comments carry no
name, and comments are listed by rating and text, never by time, so that their
order cannot point at who wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Context, Refusal, name_of
from handlers.sessions import load, may_read_feedback
from handlers.tokens import UsageError, read_session_id
from handlers.types import Reply, Section, private
from storage import feedback as ratings

BAR = 10


@dataclass(frozen=True)
class SessionFeedback:
    session_id: int


def parse_session_feedback(args: str) -> SessionFeedback:
    parts = args.split()
    if len(parts) != 1:
        raise UsageError("Which session? e.g. `session feedback 12`; `sessions mine` lists yours.", "session")
    return SessionFeedback(read_session_id(parts[0], "session"))


async def show(ctx: Context, command: SessionFeedback) -> Reply:
    session = await load(ctx, command.session_id)
    if not may_read_feedback(ctx, session):
        raise Refusal(
            f"The feedback on *{session.title}* is for its trainer, admins and leaders. "
            f"If you attended, `feedback {session.id} <1-5> [comment]` adds yours — thank you!"
        )
    rows = await ratings.for_session(ctx.session, session.id)
    if not rows:
        return private(f"Nobody has rated *{session.title}* yet. Attendees are asked once it is over.")
    count = len(rows)
    average = sum(rating for rating, _, _ in rows) / count
    per_star = {n: sum(1 for rating, _, _ in rows if rating == n) for n in range(5, 0, -1)}
    widest = max(per_star.values())
    distribution = "\n".join(
        f"{n}★ {'█' * round(BAR * k / widest) if k else '·'} {k}" for n, k in per_star.items()
    )
    comments = [f"• {'★' * rating} “{comment}” — {name_of(rater) if rater else 'anonymous'}"
                for rating, comment, rater in rows if comment]
    silent = count - len(comments)
    sections = [
        Section(fields=(("Ratings", str(count)), ("Average", f"{average:.1f} / 5"))),
        Section(text=distribution),
        Section(text="*Comments*\n" + ("\n".join(comments) if comments else "No comments yet.")),
    ]
    if comments and silent:
        sections.append(Section(text=f"{_ratings(silent)} came without a comment."))
    return private(f"Feedback on *{session.title}* (session {session.id}).", title="Session feedback",
                   sections=tuple(sections))


def _ratings(count: int) -> str:
    return "1 rating" if count == 1 else f"{count} ratings"


PARSERS: dict[str, object] = {}
SUBPARSERS = {("session", "feedback"): parse_session_feedback}
ROUTES = {SessionFeedback: show}
