"""``feedback``: people who attended a session rate it, once, and may change their mind.

A named rating can be replaced; an anonymous one cannot, because nothing links
it to its author — only a receipt records that they rated, so that reminders
stop. The trainer hears about every rating, without the name of an anonymous rater.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Context, Refusal, name_of
from handlers.grammar import Rate
from handlers.onboarding import complete_step
from handlers.sessions import load, trainer_of
from handlers.types import Reply, private
from handlers.usage import USAGE
from storage import enrollments
from storage import feedback as ratings
from storage.models import TrainingSession

ANONYMOUS_IS_FINAL = "Your anonymous rating can't be changed, since nothing links it to you. Thanks again for it!"


async def rate(ctx: Context, command: Rate) -> Reply:
    session = await load(ctx, command.session_id)
    await _require_attended(ctx, session)
    earlier = await ratings.claim_receipt(
        ctx.session, session.id, ctx.member.id, anonymous=command.anonymous
    )
    if earlier is not None and earlier.anonymous:
        raise Refusal(ANONYMOUS_IS_FINAL)
    if command.anonymous and earlier is not None:
        await ratings.forget_named(ctx.session, session.id, ctx.member.id)
        await ratings.make_receipt_anonymous(ctx.session, session.id, ctx.member.id)
    stars = "★" * command.rating + "☆" * (5 - command.rating)
    if earlier is not None and not command.anonymous and await _unchanged(ctx, session, command):
        return private(f"You rated *{session.title}* {stars} already — nothing changed.")  # a double click
    if earlier is not None and not command.anonymous:
        await ratings.replace(ctx.session, session.id, ctx.member.id, rating=command.rating,
                              comment=command.comment, at=ctx.now)
    else:
        await ratings.add(ctx.session, community_id=ctx.community.id, session_id=session.id,
                          member_id=None if command.anonymous else ctx.member.id,
                          rating=command.rating, comment=command.comment, at=ctx.now)
    rater = "" if command.anonymous else f" from {name_of(ctx.member)}"
    comment = f" — “{command.comment}”" if command.comment else ""
    trainer = await trainer_of(ctx, session)
    await complete_step(ctx, trainer, "first-feedback")
    ctx.tell(trainer, private(f"New rating for *{session.title}*{rater}: {stars}{comment}"))
    how = " anonymously" if command.anonymous else ""
    if earlier is not None:
        return private(f"Thanks — I updated your rating of *{session.title}* to {stars}{how}.")
    return private(f"Thanks for rating *{session.title}* {stars}{how}! It helps the trainer get better.")


async def _unchanged(ctx: Context, session: TrainingSession, command: Rate) -> bool:
    current = await ratings.named(ctx.session, session.id, ctx.member.id)
    return current is not None and (current.rating, current.comment or "") == (command.rating, command.comment or "")


async def _require_attended(ctx: Context, session: TrainingSession) -> None:
    """Rating needs a finished session (done, or its end time passed) and an attended mark."""
    ended = session.starts_at + timedelta(minutes=session.duration_minutes) <= ctx.now
    if session.status == "cancelled" or (session.status != "done" and not ended):
        raise Refusal(f"*{session.title}* hasn't taken place yet; rate it once it's over.", USAGE["feedback"])
    mine = await enrollments.find(ctx.session, session.id, ctx.member.id)
    if mine is None or mine.status != "attended":
        raise Refusal(
            f"Only people who attended *{session.title}* can rate it, and you're not marked as attended. "
            "If you were there, ask the trainer to add you with `session attend`."
        )


ROUTES = {Rate: rate}
