"""The trainer onboarding checklist: steps people tick, and steps that tick themselves.

Steps may be done in any order; the list order is the suggested one.

- ``welcome`` (read the trainer guide) is offered only when an admin set a guide
  (``admin set guide <url>``), and links to it; without one there is nothing to read.
- ``mentor``, ``shadow`` and ``co-deliver`` are ticked by the trainer
  (``volunteer done <step>``): only they know they happened. ``mentor`` (meet
  the mentor ``handlers.mentors`` assigned) also ticks with the first delivered session.
- ``first-scheduled``, ``first-session`` and ``first-feedback`` tick themselves
  from real events: the trainer's first ``session new``; their first session
  that counts as delivered (closed by them or by the close-out, logged, or with
  attendance marked — ``storage.counting``); the first rating of one of their sessions.

A trainer becomes *active* when the checklist's preparation (every offered step
before delivering) is done, or when their first session is delivered —
whichever comes first — and is congratulated once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context
from handlers.types import Reply, private
from storage import trainers
from storage.models import Member

STEPS: dict[str, str] = {
    "welcome": "Read the trainer guide",
    "mentor": "Meet your mentor",
    "shadow": "Shadow a session",
    "co-deliver": "Co-deliver a session",
    "first-scheduled": "Schedule your first session",
    "first-session": "Deliver your first session",
    "first-feedback": "Receive your first feedback",
}
AUTOMATIC = frozenset({"first-scheduled", "first-session", "first-feedback"})
AFTER_DELIVERY = frozenset({"first-session", "first-feedback"})
NEEDS_GUIDE = frozenset({"welcome"})
HOW_IT_TICKS = {
    "first-scheduled": "when you schedule a session (`session new`)",
    "first-session": "when one of your sessions is delivered (closed with `session done`, or attendance marked)",
    "first-feedback": "when someone rates one of your sessions",
}
CONGRATULATIONS = (
    "🎉 Congratulations — you've finished onboarding and are now an active Guild trainer. "
    "Thank you for sharing what you know!"
)
CONGRATULATIONS_WHILE_AWAY = (
    "🎉 Congratulations — you've finished onboarding. You'll be an active trainer when you come back "
    "(`volunteer resume`)."
)


def offered(guide: str | None) -> dict[str, str]:
    """The steps this community's trainers see: the guide step only when there is a guide."""
    return {step: label for step, label in STEPS.items() if guide or step not in NEEDS_GUIDE}


def _label(step: str, guide: str | None) -> str:
    return f"{STEPS[step]}: {guide}" if step in NEEDS_GUIDE and guide else STEPS[step]


def checklist(ticked: set[str], guide: str | None) -> str:
    """The checklist as lines with ticks, for ``volunteer status``, ``me`` and the nudges."""
    return "\n".join(f"{'✅' if step in ticked else '⬜'} {_label(step, guide)} (`{step}`)" for step in offered(guide))


def next_step(ticked: set[str], guide: str | None) -> str | None:
    """The first step the trainer can tick by hand and hasn't yet."""
    return next((s for s in offered(guide) if s not in ticked and s not in AUTOMATIC), None)


def progress(ticked: set[str], guide: str | None) -> str:
    steps = offered(guide)
    return f"{len(ticked & steps.keys())}/{len(steps)}"


def _ready(ticked: set[str], guide: str | None) -> bool:
    """Onboarding is done: every preparation step ticked, or a first session delivered."""
    preparation = offered(guide).keys() - AFTER_DELIVERY
    return "first-session" in ticked or preparation <= ticked


async def tick(session: AsyncSession, member_id: int, step: str, at: datetime, *, guide: str | None
               ) -> tuple[bool, Reply | None]:
    """Tick ``step`` for a trainer: (newly ticked?, the congratulation to send if they just became active).

    Safe to call repeatedly and for people who are not trainers (nothing
    happens). The scheduler calls it too (a session closed by the close-out),
    hence no ``Context``.
    """
    if step not in STEPS or await trainers.trainer_status(session, member_id) is None:
        return False, None
    if not await trainers.tick(session, member_id, step, at):
        return False, None
    if step == "first-session":  # a mentee has met their mentor by then, whether they ticked it or not
        profile = await trainers.profile(session, member_id)
        if profile is not None and profile.mentor_id is not None:
            await trainers.tick(session, member_id, "mentor", at)
    if _ready(await trainers.ticked(session, member_id), guide) and await trainers.mark_onboarded(
            session, member_id, at):
        active = await trainers.trainer_status(session, member_id) == "active"
        return True, private(CONGRATULATIONS if active else CONGRATULATIONS_WHILE_AWAY)
    return True, None


async def complete_step(ctx: Context, trainer: Member, step: str) -> bool:
    """Tick ``step`` for ``trainer`` as part of a command; True if it was newly ticked.

    A congratulation, when onboarding just finished, is sent after the commit.
    """
    newly, congratulation = await tick(ctx.session, trainer.id, step, ctx.now, guide=ctx.community.trainer_guide_url)
    if congratulation is not None:
        ctx.tell(trainer, congratulation)
    return newly


async def record_delivery(session: AsyncSession, trainer_id: int, at: datetime, guide: str | None) -> Reply | None:
    """A session of the trainer now counts as delivered; the congratulation to send, if any."""
    return (await tick(session, trainer_id, "first-session", at, guide=guide))[1]
