"""The trainer onboarding checklist and the one way to tick it.

Steps may be ticked in any order; the list order is the suggested one. The
last step, ``first-session``, cannot be ticked by hand: ``complete_step`` is
called for it when one of the trainer's sessions is marked done. When every
step is ticked the trainer becomes active and is congratulated, once.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.types import private
from storage import trainers
from storage.models import Member

STEPS: dict[str, str] = {
    "welcome": "Read the trainer welcome guide",
    "mentor": "Meet your mentor",
    "shadow": "Shadow a session",
    "co-deliver": "Co-deliver a session",
    "first-session": "Deliver your first session",
}
AUTOMATIC = frozenset({"first-session"})
CONGRATULATIONS = (
    "🎉 Congratulations — you've finished onboarding and are now an active Guild trainer. "
    "Thank you for sharing what you know!"
)
CONGRATULATIONS_WHILE_AWAY = (
    "🎉 Congratulations — you've finished onboarding. You'll be an active trainer when you come back "
    "(`volunteer resume`)."
)


async def complete_step(ctx: Context, trainer: Member, step: str) -> bool:
    """Tick ``step`` for ``trainer``; True if it was newly ticked.

    Safe to call repeatedly and for people who are not trainers (nothing
    happens, False). Completing the checklist makes the trainer active and
    queues a private congratulation, the first time only.
    """
    if step not in STEPS or await trainers.trainer_status(ctx.session, trainer.id) is None:
        return False
    if not await trainers.tick(ctx.session, trainer.id, step, ctx.now):
        return False
    if await trainers.count_ticked(ctx.session, trainer.id, STEPS) == len(STEPS) and await trainers.mark_onboarded(
        ctx.session, trainer.id, ctx.now
    ):
        active = await trainers.trainer_status(ctx.session, trainer.id) == "active"
        ctx.tell(trainer, private(CONGRATULATIONS if active else CONGRATULATIONS_WHILE_AWAY))
    return True


def checklist(ticked: set[str]) -> str:
    """The checklist as lines with ticks, for ``volunteer status`` and ``me``."""
    return "\n".join(f"{'✅' if step in ticked else '⬜'} {label} (`{step}`)" for step, label in STEPS.items())


def next_step(ticked: set[str]) -> str | None:
    """The first step the trainer can tick by hand and hasn't yet."""
    return next((s for s in STEPS if s not in ticked and s not in AUTOMATIC), None)


def progress(ticked: set[str]) -> str:
    return f"{len(ticked & STEPS.keys())}/{len(STEPS)}"
