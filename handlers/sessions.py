"""Sessions: trainers schedule or log them, everyone browses them, trainers close them.

Only a session's trainer or an admin changes a session, and every lookup is
scoped to the asker's community, so a session number from another community is
simply "not found". Times are typed and shown in each person's own time zone
and stored in UTC. Seats are taken and given back in ``handlers.enrollment``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from handlers import programs, workload
from handlers import requests as topic_requests
from handlers.context import Context, Refusal, name_of
from handlers.grammar import SessionAction, SessionAttend, SessionForm, SessionNew, SessionNotes, SessionsList
from handlers.onboarding import complete_step
from handlers.report_text import counted
from handlers.types import Button, Reply, Section, private, public
from handlers.usage import USAGE
from handlers.volunteer import ADMIN_HOLD, held_by_admin
from storage import enrollments, members, sessions, trainers
from storage import workload as workload_data
from storage.enrollments import HOLDING
from storage.models import Member, Program, TrainingSession

LIST_LIMIT = 10
HORIZON = timedelta(days=2 * 366)
TRAINING = ("onboarding", "active")
ATTENDANCE_BUTTONS = 20
REPEAT_WINDOW = timedelta(days=1)
"""A second identical ``session new`` (same trainer, title and start) within this window creates nothing."""
TRAINERS_ONLY = "Trainers only"


def when(ctx: Context, at: datetime, member: Member | None = None) -> str:
    """A start time as ``member`` (default: the asker) reads it, in their own zone."""
    zone = ctx.zone(member)
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone.key})"


async def load(ctx: Context, session_id: int, *, lock: bool = False) -> TrainingSession:
    """The session in the asker's community, or a friendly "not found"."""
    found = await sessions.find_with_trainer(ctx.session, ctx.community.id, session_id, lock=lock)
    if found is None:
        raise Refusal(f"I can't find session {session_id}. `sessions` lists the upcoming ones.")
    ctx.saw(found[1])  # its trainer, for trainer_of and for names in replies
    return found[0]


def may_read_feedback(ctx: Context, session: TrainingSession) -> bool:
    """A session's ratings and comments are for its trainer, admins and leaders."""
    return session.trainer_id == ctx.member.id or ctx.is_leader()


def require_owner(ctx: Context, session: TrainingSession) -> None:
    if session.trainer_id != ctx.member.id and not ctx.is_admin():
        raise Refusal(f"Only the trainer of session {session.id} or an admin can change it.")


async def trainer_of(ctx: Context, session: TrainingSession) -> Member:
    if session.trainer_id == ctx.member.id:
        return ctx.member
    for seen in ctx.seen.values():
        if seen.id == session.trainer_id:
            return seen
    return ctx.saw((await members.by_ids(ctx.session, [session.trainer_id]))[session.trainer_id])


def seat_button(session_id: int, my_status: str | None) -> Button:
    """Sign up, or give the seat / queue place back for someone who holds one."""
    if my_status in HOLDING:
        return Button("Cancel my seat", f"cancel {session_id}")
    return Button("Sign up", f"signup {session_id}", "primary")


def card(ctx: Context, session: TrainingSession, trainer: Member, program: Program | None = None) -> Section:
    fields = [
        ("When", when(ctx, session.starts_at)),
        ("Length", f"{session.duration_minutes} min"),
        ("Trainer", name_of(trainer)),
        ("Seats", str(session.seats)),
    ]
    if session.topic:
        fields.append(("Topic", session.topic))
    if program:
        fields.append(("Program", f"{program.title} (program {program.id})"))
    if session.location:
        fields.append(("Where", session.location))
    if session.trainers_only:
        fields.append(("Who", TRAINERS_ONLY))
    return Section(text=f"*{session.title}* — session {session.id}", fields=tuple(fields))


def start_of(ctx: Context, day: date, start: time) -> datetime:
    """The UTC instant of a wall time typed by the asker, refusing times their clocks skip or too far away."""
    local = datetime.combine(day, start, tzinfo=ctx.zone())
    starts_at = local.astimezone(UTC)
    if starts_at.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        shown = f"{day:%a} {day.day} {day:%b %Y}"
        raise Refusal(f"{start:%H:%M} doesn't exist on {shown} in {ctx.zone().key} — "
                      "the clocks jump forward then. Pick another time.", USAGE["session"])
    if abs(starts_at - ctx.now) > HORIZON:
        raise Refusal("Sessions can be scheduled or logged up to two years away from today.", USAGE["session"])
    return starts_at


async def create(ctx: Context, command: SessionNew) -> Reply:
    """Schedule a session, or log one that already happened (a start in the past)."""
    await _require_trainer(ctx)
    starts_at = start_of(ctx, command.day, command.start)
    twin = await sessions.same_as(ctx.session, trainer_id=ctx.member.id, title=command.title, starts_at=starts_at,
                                  since=ctx.now - REPEAT_WINDOW)
    if twin is not None:
        return private(f"*{twin.title}* at {when(ctx, starts_at)} is already scheduled as session {twin.id} — "
                       f"I didn't create another. `session show {twin.id}` shows it.")
    logged = starts_at <= ctx.now
    program = await programs.load(ctx, command.program_id) if command.program_id else None
    if not logged and not command.confirm:
        over = await _over_capacity(ctx, command, starts_at)
        if over is not None:
            return over
    session = await sessions.create(
        ctx.session,
        community_id=ctx.community.id,
        trainer_id=ctx.member.id,
        title=command.title,
        topic=command.topic or (program.topic if program else None),
        program_id=program.id if program else None,
        starts_at=starts_at,
        duration_minutes=command.minutes,
        seats=command.seats,
        created_at=ctx.now,
        done=logged,
        trainers_only=command.trainers_only,
    )
    await complete_step(ctx, ctx.member, "first-scheduled")
    if logged:
        await complete_step(ctx, ctx.member, "first-session")
        return private(
            f"Logged *{session.title}* as session {session.id}, held {when(ctx, starts_at)}. "
            f"Mark who came with `session attend {session.id} @…`."
        )
    asked = await topic_requests.answer(ctx, session, lambda person: when(ctx, starts_at, person))
    told = f" I told the {asked} people who asked for *{session.topic}*." if asked else ""
    buttons = (seat_button(session.id, None), Button("Show", f"session show {session.id}"))
    kind = "session for trainers" if session.trainers_only else "session"
    return public(
        f"{name_of(ctx.member)} scheduled a new {kind}.{told}", sections=(card(ctx, session, ctx.member, program),),
        buttons=buttons,
    )


async def _over_capacity(ctx: Context, command: SessionNew, starts_at: datetime) -> Reply | None:
    """The confirmation to ask for when the session would go beyond the trainer's own monthly cap."""
    profile = await trainers.profile(ctx.session, ctx.member.id)
    if profile is None or profile.capacity is None:
        return None
    local = starts_at.astimezone(ctx.zone())
    month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (month + timedelta(days=32)).replace(day=1)
    booked = await workload_data.booked_count(ctx.session, ctx.community.id, ctx.member.id,
                                              month.astimezone(UTC), following.astimezone(UTC))
    if booked < profile.capacity:
        return None
    text = workload.session_text(command.title, command.day.isoformat(), f"{command.start:%H:%M}",
                                 command.minutes, command.seats, command.topic, command.program_id,
                                 trainers_only=command.trainers_only)
    return workload.confirm_reply(text, booked, profile.capacity, workload.month_label(local))


async def _require_trainer(ctx: Context) -> None:
    profile = await trainers.profile(ctx.session, ctx.member.id)
    if profile is not None and profile.status in TRAINING:
        return
    if profile is not None and held_by_admin(ctx, profile):
        raise Refusal(ADMIN_HOLD.format(status=profile.status))
    if profile is not None and profile.status == "paused":
        raise Refusal("Your trainer profile is paused; `volunteer resume` and then schedule away.")
    raise Refusal(
        "Sessions are scheduled by trainers. Want to teach? `volunteer <topic>` signs you up, "
        "e.g. `volunteer sql, excel`."
    )


async def form(ctx: Context, command: SessionForm) -> Reply:
    if command.program_id:
        program = await programs.load(ctx, command.program_id)
        topic = f" #{program.topic}" if program.topic else ""
        return private(f"Tell me the date, time, length and seats of a session of *{program.title}*:\n"
                       f'`session new "{program.title}" <YYYY-MM-DD> <HH:MM> <minutes>m <seats>{topic} '
                       f"program {program.id}`")
    return private(f"Tell me the title, date, time, length and seats:\n`{USAGE['session'].split('  ·  ')[0]}`")


async def upcoming(ctx: Context, command: SessionsList) -> Reply:
    rows, total = await sessions.upcoming(
        ctx.session, ctx.community.id, now=ctx.now, member_id=ctx.member.id, topic=command.topic, limit=LIST_LIMIT
    )
    about = f" on {command.topic}" if command.topic else ""
    if not rows:
        return private(f"No upcoming sessions{about} yet. Trainers schedule them with `session new`.")
    sections = []
    for row in rows:
        seats = f"{row.seats_left} of {row.session.seats} left"
        if row.waitlisted:
            seats += f", {row.waitlisted} waiting"
        own = row.session.trainer_id == ctx.member.id
        button = Button("Show", f"session show {row.session.id}") if own else seat_button(row.session.id, row.my_status)
        title = f"*{row.session.title}* — session {row.session.id}"
        if row.session.topic:
            title += f" · #{row.session.topic}"
        if row.session.trainers_only:
            title += f" · {TRAINERS_ONLY.lower()}"
        sections.append(
            Section(
                text=title,
                fields=(
                    ("When", when(ctx, row.session.starts_at)),
                    ("Trainer", name_of(ctx.saw(row.trainer))),
                    ("Seats", seats),
                    *((("Where", row.session.location),) if row.session.location else ()),
                ),
                buttons=(button,),
            )
        )
    return private(
        f"{total} upcoming session{'s' if total != 1 else ''}{about}.",
        title="Upcoming sessions",
        sections=tuple(sections),
        more=total - len(sections),
    )


async def act(ctx: Context, command: SessionAction) -> Reply:
    return await {"show": _show, "cancel": _cancel, "done": _done}[command.action](ctx, command.session_id)


async def _show(ctx: Context, session_id: int) -> Reply:
    session = await load(ctx, session_id)
    trainer = await trainer_of(ctx, session)
    owner = session.trainer_id == ctx.member.id or ctx.is_admin()
    counts = await enrollments.counts(ctx.session, session.id)
    lines = [f"Status: {session.status}", *seat_lines(session, counts)]
    if owner:
        for label, statuses in (("Signed up", ("confirmed", "attended")), ("Waiting, in order", ("waitlisted",))):
            people = await enrollments.people(ctx.session, session.id, statuses)
            if people:
                lines.append(f"{label}: " + ", ".join(name_of(p) for p in people))
    notes = await sessions.notes(ctx.session, session.id)
    program = await programs.of_session(ctx, session)
    sections = [card(ctx, session, trainer, program), Section(text="\n".join(lines))]
    if notes:
        sections.append(Section(text="Notes:\n" + "\n".join(f"• {n.text} — {name_of(a)}" for n, a in notes)))
    return private(f"Session {session.id}", sections=tuple(sections), buttons=await _actions(ctx, session, owner))


def seat_lines(session: TrainingSession, counts: dict[str, int]) -> list[str]:
    """Seats while a session is open; what happened once it is done (attended, no-shows, cancelled)."""
    if session.status == "done":
        return [f"Attended: {counts.get('attended', 0)} · No-shows: {counts.get('no_show', 0)} · "
                f"Cancelled: {counts.get('cancelled', 0)}"]
    if session.status == "cancelled":
        return []
    taken = counts.get("confirmed", 0) + counts.get("attended", 0)
    lines = [f"Seats taken: {taken} of {session.seats}" if taken else f"Seats: all {session.seats} free"]
    if session.attendance_marked:
        lines.append(f"Attended so far: {counts.get('attended', 0)}")
    if counts.get("waitlisted"):
        lines.append(f"Waitlist: {counts['waitlisted']}")
    return lines


async def _actions(ctx: Context, session: TrainingSession, owner: bool) -> tuple[Button, ...]:
    """The trainer's (or an admin's) tools for the session's stage; a seat button for everyone else."""
    if session.status == "cancelled":
        return ()
    held = session.status == "done" or session.starts_at <= ctx.now
    readable = held and may_read_feedback(ctx, session)
    reviews = (Button("Feedback", f"session feedback {session.id}"),) if readable else ()
    if owner:
        notes = Button("Add notes", f"session notes {session.id}")
        attendance = Button("Mark attendance", f"session attend {session.id}")
        if session.status == "done":
            return (attendance, notes, *reviews)
        cancel = Button("Cancel session", f"session cancel {session.id}", "danger")
        if session.starts_at > ctx.now:
            return (Button("Edit", f"session edit {session.id}"), notes, cancel)
        return (Button("Mark done", f"session done {session.id}", "primary"), attendance, notes, cancel, *reviews)
    if reviews:
        return reviews
    if session.status != "scheduled" or session.starts_at <= ctx.now:
        return ()
    mine = await enrollments.find(ctx.session, session.id, ctx.member.id)
    return (seat_button(session.id, mine.status if mine else None),)


async def _cancel(ctx: Context, session_id: int) -> Reply:
    session = await load(ctx, session_id, lock=True)
    require_owner(ctx, session)
    if session.status != "scheduled":
        raise Refusal(f"*{session.title}* is already {session.status}.")
    told = await enrollments.people(ctx.session, session.id, (*HOLDING, "attended"))
    await sessions.cancel(ctx.session, session.id, ctx.now)
    for person in told:
        ctx.tell(
            person,
            private(f"Sorry — *{session.title}* ({when(ctx, session.starts_at, person)}) has been cancelled."),
        )
    if not told:
        return private(f"Cancelled *{session.title}*. Nobody had a seat or was waiting, so there was no one to tell.")
    return private(f"Cancelled *{session.title}*. I told the {counted(len(told), 'person', 'people')} "
                   f"who had a seat or were waiting.")


async def _done(ctx: Context, session_id: int) -> Reply:
    session = await load(ctx, session_id, lock=True)
    require_owner(ctx, session)
    if session.status != "scheduled":
        raise Refusal(f"*{session.title}* is already {session.status}.")
    if session.starts_at > ctx.now:
        raise Refusal(f"*{session.title}* hasn't started yet; mark it done once it has taken place.")
    everyone_came = not session.attendance_marked
    await enrollments.close(ctx.session, session.id, confirmed_attended=everyone_came, at=ctx.now)
    await sessions.mark_done(ctx.session, session.id, ctx.now)
    await complete_step(ctx, await trainer_of(ctx, session), "first-session")
    after = await enrollments.counts(ctx.session, session.id)
    return private(f"Marked *{session.title}* done. {settled(session.id, after)}")


def settled(session_id: int, counts: dict[str, int]) -> str:
    """What closing counted, in words that never say "0 people"."""
    attended, missed = counts.get("attended", 0), counts.get("no_show", 0)
    if not attended and not missed:
        return (f"Nobody had a seat, so nobody is counted as attended; `session attend {session_id} @name` "
                "adds walk-ins.")
    came = f"I counted {counted(attended, 'person', 'people')} as attended" if attended else "Nobody came"
    if missed:
        came += f" and {counted(missed, 'no-show')}"
    return f"{came}; `session attend {session_id} @name` corrects it."


async def attend(ctx: Context, command: SessionAttend) -> Reply:
    """Mark who came; walk-ins (and everyone at a logged session) get an enrollment."""
    session = await load(ctx, command.session_id, lock=True)
    require_owner(ctx, session)
    if session.status == "cancelled":
        raise Refusal(f"*{session.title}* was cancelled, so nobody can have attended it.")
    if session.starts_at > ctx.now:
        raise Refusal(f"*{session.title}* hasn't started yet; mark who came once it has begun.")
    if not command.people:
        return await _attendance_choices(ctx, session)
    people = [ctx.person(user_id) for user_id in command.people]
    if any(p.id == session.trainer_id for p in people):
        raise Refusal("The trainer doesn't need marking; mention only the people who came to learn.")
    await enrollments.mark_attended(
        ctx.session,
        community_id=ctx.community.id,
        session_id=session.id,
        member_ids=[p.id for p in people],
        at=ctx.now,
    )
    await sessions.mark_attendance_taken(ctx.session, session.id)
    await complete_step(ctx, await trainer_of(ctx, session), "first-session")  # marked attendance: it counts
    return private(f"Marked {', '.join(name_of(p) for p in people)} as attended at *{session.title}*.")


async def _attendance_choices(ctx: Context, session: TrainingSession) -> Reply:
    """One button per signed-up person not yet marked, for platforms without a people picker (Teams, console)."""
    came = await enrollments.people(ctx.session, session.id, ("attended",))
    expected = await enrollments.people(ctx.session, session.id, ("confirmed", "no_show"))
    lines, buttons = attendance_offer(session, came, expected)
    return private(f"Who came to *{session.title}*?", sections=(Section(text="\n".join(lines)),), buttons=buttons)


def attendance_offer(
    session: TrainingSession, came: list[Member], expected: list[Member]
) -> tuple[list[str], tuple[Button, ...]]:
    """Who is marked so far, and a button per signed-up person not yet marked plus "All N came".

    The same offer serves ``session attend <id>`` and the close-out message the
    ``closeout`` job sends, so a tap means the same everywhere.
    """
    walk_ins = f"Walk-ins: `session attend {session.id} @name …`."
    lines = [f"Attended so far: {', '.join(name_of(p) for p in came)}." if came else "Nobody is marked yet."]
    if not expected:
        return [*lines, walk_ins], ()
    shown = expected[:ATTENDANCE_BUTTONS]
    buttons = [Button(f"✓ {p.display_name or p.user_id}", f"session attend {session.id} <@{p.user_id}>")
               for p in shown]
    if len(shown) > 1:
        everyone = " ".join(f"<@{p.user_id}>" for p in shown)
        buttons.append(Button(f"All {len(shown)} came", f"session attend {session.id} {everyone}", "primary"))
    if len(expected) > len(shown):
        lines.append(f"{counted(len(expected) - len(shown), 'more person', 'more people')} signed up; "
                     "mention them to mark them.")
    lines.append(f"Tap each person who came. {walk_ins}")
    return lines, tuple(buttons)


async def notes(ctx: Context, command: SessionNotes) -> Reply:
    session = await load(ctx, command.session_id)
    require_owner(ctx, session)
    await sessions.add_note(ctx.session, session.id, ctx.member.id, command.text, ctx.now)
    return private(f"Added your note to *{session.title}*; `session show {session.id}` shows it.")


ROUTES = {
    SessionNew: create,
    SessionForm: form,
    SessionsList: upcoming,
    SessionAction: act,
    SessionAttend: attend,
    SessionNotes: notes,
}
