"""Close-out: a session that has ended gets closed without anyone having to remember.

The ``closeout`` job (``scheduler.jobs.closeout``) finds sessions whose end has
passed and that are still open, and for each, once (the post ledger):

1. right after it ends, asks its trainer privately who came — a button per
   signed-up person and "All N came" (the same offer as ``session attend <id>``),
   then "Close session" and "Add notes";
2. if it is still open on the next local morning (the trainer's zone, else the
   community's), reminds them once;
3. ``closeout_days`` after the end (``admin set closeout-days``, default 3),
   closes it itself and tells the trainer what it counted and how to correct it.

Closing by the job follows ``session done``: when the trainer marked nobody,
everyone still confirmed counts as attended; when they marked some, those are
the attendees and the rest count as no-shows. Either way the session then counts
in the period it was held (``storage.counting``), and feedback requests go to
its attendees as for any closed session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.onboarding import record_delivery
from handlers.reminders import local_time
from handlers.report_text import counted, names_of
from handlers.sessions import attendance_offer
from handlers.types import Button, Reply, Section, private
from storage import enrollments, sessions
from storage.due import ends
from storage.models import Member, TrainingSession

MORNING = time(9, 0)
"""When "the next morning" starts, on the trainer's wall clock."""


def reminder_due(row: TrainingSession, zone: ZoneInfo) -> datetime:
    """The first local morning after the day the session ended."""
    next_day = ends(row).astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(next_day, MORNING, tzinfo=zone).astimezone(UTC)


def close_due(row: TrainingSession, days: int) -> datetime:
    return ends(row) + timedelta(days=days)


async def ask(session: AsyncSession, row: TrainingSession, trainer: Member, *, zone: ZoneInfo, days: int,
              reminder: bool) -> Reply:
    """The trainer's close-out message: who came (the ``session attend`` offer), then close it or add notes."""
    came = await enrollments.people(session, row.id, ("attended",))
    expected = await enrollments.people(session, row.id, ("confirmed", "no_show"))
    lines, buttons = attendance_offer(row, came, expected)
    held = local_time(row.starts_at, zone)
    if reminder:
        lead = f"⏰ A reminder: *{row.title}* ({held}) is still open."
    else:
        lead = f"🏁 *{row.title}* ({held}) has ended — thank you for running it!"
    if came:
        counts = "the people you marked as attended"
    elif expected:
        counts = f"all {counted(len(expected), 'person', 'people')} signed up as attended"
    else:
        counts = "nobody as attended"
    return private(
        f"{lead} Mark who came and close it, so it counts. If it's still open on "
        f"{local_time(close_due(row, days), zone)}, I'll close it for you, counting {counts}.",
        title="Close your session",
        sections=(Section(text="\n".join(lines)),),
        buttons=(*buttons, Button("Close session", f"session done {row.id}", "primary"),
                 Button("Add notes", f"session notes {row.id}")),
        names=names_of([*came, *expected]),
    )


@dataclass(frozen=True)
class Closed:
    """What the job counted when it closed a session itself."""

    attended: int
    no_shows: int
    congratulation: Reply | None


async def close(session: AsyncSession, community_id: int, session_id: int, at: datetime, *,
                guide: str | None) -> Closed | None:
    """Close the session as ``session done`` would; None when it is no longer open (someone closed it)."""
    row = await sessions.find(session, community_id, session_id, lock=True)
    if row is None or row.status != "scheduled":
        return None
    await enrollments.close(session, row.id, confirmed_attended=not row.attendance_marked, at=at)
    await sessions.mark_done(session, row.id, at)
    after = await enrollments.counts(session, row.id)
    congratulation = await record_delivery(session, row.trainer_id, at, guide)
    return Closed(after.get("attended", 0), after.get("no_show", 0), congratulation)


def closed_notice(row: TrainingSession, closed: Closed, *, zone: ZoneInfo, days: int) -> Reply:
    """Tells the trainer the job closed their session, what it counted, and how to put it right."""
    came = counted(closed.attended, "person", "people") + " as attended" if closed.attended else "nobody as attended"
    missed = f" and {counted(closed.no_shows, 'no-show')}" if closed.no_shows else ""
    return private(
        f"🗂 *{row.title}* ({local_time(row.starts_at, zone)}) was still open {counted(days, 'day')} after it "
        f"ended, so I closed it, counting {came}{missed}. Someone missing? `session attend {row.id} @name` adds "
        f"them; `session show {row.id}` shows who is counted.",
        title="Session closed",
        buttons=(Button("Mark attendance", f"session attend {row.id}"), Button("Add notes", f"session notes {row.id}")),
    )
