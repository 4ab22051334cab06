"""Private nudges the scheduler sends: session reminders, feedback requests and onboarding nudges.

Each is a plain Reply for one person; the scheduler decides who is due one and
makes sure nobody gets the same one twice. Feedback requests carry 1–5 buttons
that run ``feedback <id> <n>`` as the person who clicks, so rating is one tap.
Workload notices live beside their rules, in ``handlers.workload``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import name_of
from handlers.onboarding import STEPS, next_step, progress
from handlers.report_text import counted, names_of
from handlers.types import Button, Reply, private
from storage.models import Member, TrainingSession


def local_time(at: datetime, zone: ZoneInfo) -> str:
    """``Tue 1 Dec, 14:00 (Europe/Berlin)``."""
    return f"{at.astimezone(zone):%a %-d %b, %H:%M} ({zone.key})"


def session_reminder(
    row: TrainingSession, trainer: Member, *, lead: str, zone: ZoneInfo, for_trainer: bool
) -> Reply:
    """``lead`` says how soon: "in 24 hours", "in 1 hour"."""
    when = local_time(row.starts_at, zone) + (f" at {row.location}" if row.location else "")
    if for_trainer:
        return private(
            f"⏰ You're training *{row.title}* {lead} — {when}. "
            f"{_seats(row)} Thank you for sharing what you know!",
            title="Session reminder",
        )
    return private(
        f"⏰ *{row.title}* with {name_of(trainer)} starts {lead} — {when}. "
        f"Can't make it? Give your seat to someone on the waitlist.",
        title="Session reminder",
        buttons=(Button("Give up my seat", f"cancel {row.id}", "danger"),),
        names=names_of([trainer]),
    )


def _seats(row: TrainingSession) -> str:
    if not row.taken:
        return f"No seats taken yet ({counted(row.seats, 'seat')} free)."
    return f"{row.taken} of {counted(row.seats, 'seat')} taken."


def feedback_request(row: TrainingSession, trainer: Member, *, reminder: bool) -> Reply:
    ask = "A gentle reminder: how" if reminder else "How"
    return private(
        f"{ask} was *{row.title}* with {name_of(trainer)}? Tap a rating from 1 (poor) to 5 (excellent), "
        f"or type `feedback {row.id} <1-5> [comment]` to add a comment.",
        title="How was the session?",
        buttons=tuple(Button(str(n), f"feedback {row.id} {n}") for n in range(1, 6)),
        names=names_of([trainer]),
    )


def onboarding_nudge(ticked: set[str], guide: str | None) -> Reply:
    following = next_step(ticked, guide)
    step = (f"Your next step: {STEPS[following]} — tick it with `volunteer done {following}`."
            if following else "All that's left is delivering your first session — `session new` schedules one.")
    return private(
        f"👋 Your trainer onboarding ({progress(ticked, guide)} done) has been quiet for a week. {step} "
        "Need a hand? Reply `volunteer status` to see the whole checklist.",
        title="Trainer onboarding",
        buttons=(Button("Mark next step done", f"volunteer done {following}", "primary"),) if following else (),
    )
