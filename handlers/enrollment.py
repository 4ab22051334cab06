"""Taking and giving up seats, with a first-come-first-served waitlist.

Both use cases lock the session row before anything else, so that sign-ups and
cancellations of one session happen one at a time on PostgreSQL (SQLite's
BEGIN IMMEDIATE serialises every transaction anyway). Under that lock a seat is
taken by a conditional UPDATE, never by counting in Python, and a freed seat
passes to the head of the queue in the same transaction.
"""

from __future__ import annotations

from handlers.context import Context, Refusal, name_of
from handlers.grammar import CancelSignup, Signup
from handlers.report_text import counted
from handlers.sessions import TRAINING, load, trainer_of, when
from handlers.types import Reply, private
from handlers.volunteer import ADMIN_HOLD, held_by_admin
from storage import enrollments, members, trainers
from storage.models import Enrollment, Member, TrainingSession


async def signup(ctx: Context, command: Signup) -> Reply:
    session = await load(ctx, command.session_id, lock=True)
    _require_open(ctx, session)
    if session.trainer_id == ctx.member.id:
        raise Refusal(f"You're the trainer of *{session.title}* — no seat needed.")
    if session.trainers_only:
        await _require_trainer(ctx, session)
    mine = await enrollments.find(ctx.session, session.id, ctx.member.id)
    if mine is not None and mine.status in ("confirmed", "attended"):
        return private(f"You're already signed up for *{session.title}*.")
    if mine is not None and mine.status == "waitlisted":
        place = await enrollments.position(ctx.session, mine)
        return private(f"You're already on the waitlist for *{session.title}* (number {place}).")
    seated = await enrollments.take_seat(ctx.session, session.id)  # updates session.taken in place too
    placed = await enrollments.place(
        ctx.session,
        community_id=ctx.community.id,
        session_id=session.id,
        member_id=ctx.member.id,
        status="confirmed" if seated else "waitlisted",
        at=ctx.now,
    )
    if not placed:
        raise Refusal(f"You're already signed up for *{session.title}*.")
    trainer = await trainer_of(ctx, session)
    if seated:
        ctx.tell(trainer, private(
            f"{name_of(ctx.member)} signed up for *{session.title}* "
            f"({session.taken} of {counted(session.seats, 'seat')})."
        ))
        return private(
            f"You're in: *{session.title}*, {when(ctx, session.starts_at)}. "
            f"`cancel {session.id}` gives your seat to someone else if plans change."
        )
    queued = await enrollments.find(ctx.session, session.id, ctx.member.id)
    assert queued is not None
    place = await enrollments.position(ctx.session, queued)
    ctx.tell(trainer, private(f"{name_of(ctx.member)} joined the waitlist for *{session.title}* (number {place})."))
    return private(
        f"*{session.title}* is full, so you're number {place} on the waitlist. "
        "I'll tell you as soon as a seat opens up."
    )


async def cancel(ctx: Context, command: CancelSignup) -> Reply:
    session = await load(ctx, command.session_id, lock=True)
    _require_open(ctx, session)
    mine = await enrollments.find(ctx.session, session.id, ctx.member.id)
    if mine is None or mine.status not in enrollments.HOLDING:
        raise Refusal(f"You're not signed up for *{session.title}*, so there's nothing to cancel.")
    trainer = await trainer_of(ctx, session)
    was_waiting = mine.status == "waitlisted"
    await enrollments.set_status(ctx.session, mine.id, "cancelled", ctx.now)
    if was_waiting:
        ctx.tell(trainer, private(f"{name_of(ctx.member)} left the waitlist for *{session.title}*."))
        return private(f"You've left the waitlist for *{session.title}*.")
    successor = await enrollments.first_waitlisted(ctx.session, session.id)
    if successor is None:
        await enrollments.release_seat(ctx.session, session.id)
        handover = ""
    else:
        promoted = await _promote(ctx, session, successor)
        handover = f"; {name_of(promoted)} from the waitlist has it now"
    ctx.tell(trainer, private(f"{name_of(ctx.member)} gave up their seat in *{session.title}*{handover}."))
    return private(f"You've given up your seat in *{session.title}*. Thanks for letting someone else have it.")


async def fill_from_waitlist(ctx: Context, session: TrainingSession) -> list[Member]:
    """Give free seats to the head of the queue, first come first served, and tell each person promoted.

    For a session that gained seats; the caller holds the session's row lock.
    """
    promoted: list[Member] = []
    while (head := await enrollments.first_waitlisted(ctx.session, session.id)) is not None:
        if not await enrollments.take_seat(ctx.session, session.id):
            break
        promoted.append(await _promote(ctx, session, head))
    return promoted


async def _promote(ctx: Context, session: TrainingSession, successor: Enrollment) -> Member:
    """Confirm a waitlisted person in a seat already counted for them, and tell them."""
    await enrollments.set_status(ctx.session, successor.id, "confirmed", ctx.now)
    promoted = (await members.by_ids(ctx.session, [successor.member_id]))[successor.member_id]
    ctx.tell(promoted, private(
        f"Good news — a seat opened up and it's yours: *{session.title}*, "
        f"{when(ctx, session.starts_at, promoted)}. `cancel {session.id}` if you can't make it."
    ))
    return promoted


async def _require_trainer(ctx: Context, session: TrainingSession) -> None:
    """A trainers-only session seats trainers who are onboarding or active, not paused or stopped ones."""
    profile = await trainers.profile(ctx.session, ctx.member.id)
    if profile is not None and profile.status in TRAINING:
        return
    if profile is not None and profile.status in ("paused", "stopped"):
        back = ADMIN_HOLD.format(status=profile.status) if held_by_admin(ctx, profile) else \
            "`volunteer resume` and you can sign up."
        raise Refusal(f"*{session.title}* is for trainers only, and your trainer profile is {profile.status}. {back}")
    raise Refusal(f"*{session.title}* is for trainers only — it helps the people who run sessions. "
                  "`sessions` lists the ones open to everyone, and `volunteer <topic>` makes you a trainer.")


def _require_open(ctx: Context, session: TrainingSession) -> None:
    if session.status == "cancelled":
        raise Refusal(f"*{session.title}* was cancelled.")
    if session.status == "done" or session.starts_at <= ctx.now:
        raise Refusal(f"*{session.title}* has already started, so its seats are settled.")


ROUTES = {Signup: signup, CancelSignup: cancel}
