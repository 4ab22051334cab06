"""Mentors for new trainers: an experienced colleague on the same topic, spread evenly.

When someone volunteers with topics (or adds topics while still without a
mentor), Guild picks an active trainer of level Senior or above who shares a
topic and has the fewest current mentees (ties: the longest-standing trainer).
Both are told; with nobody available the admins are told, so a person can step
in. Meeting the mentor is an onboarding step (``mentor``), ticked by the mentee
or by their first delivered session (``handlers.onboarding``); mentoring counts
toward the Lead level (``storage.levels``).
"""

from __future__ import annotations

from handlers.context import Context, name_of
from handlers.types import Button, private
from handlers.wording import joined
from storage import levels, members, mentors
from storage.models import Member


async def find_mentor(ctx: Context, topics: list[str]) -> Member | None:
    """The least-loaded Senior-or-above trainer sharing one of ``topics``, or None."""
    candidates = await mentors.sharing_topics(ctx.session, ctx.community.id, topics, exclude=ctx.member.id)
    if not candidates:
        return None
    records = await levels.records(ctx.session, ctx.community.id, candidates)
    seniors = [c for c in candidates if c in records and levels.at_least(levels.level_of(records[c]), "senior")]
    if not seniors:
        return None
    load = await mentors.current_mentees(ctx.session, seniors)
    chosen = min(seniors, key=lambda c: (load.get(c, 0), c))
    return (await members.by_ids(ctx.session, [chosen]))[chosen]


async def assign(ctx: Context, topics: list[str], *, first: bool = True) -> str:
    """Find and assign a mentor to the member who just volunteered; the sentence to add to their reply.

    Admins hear about a missing mentor when the person first volunteers, not again with each topic added.
    """
    mentor = await find_mentor(ctx, topics)
    if mentor is None and not first:
        return ""
    if mentor is None:
        for admin in await members.admins(ctx.session, ctx.community.id, ctx.settings.admins):
            ctx.tell(admin, private(
                f"{name_of(ctx.member)} just became a trainer ({joined([f'#{t}' for t in topics])}) and there is "
                "no Senior trainer on those topics to mentor them. Could you find someone to welcome them?",
                title="A new trainer needs a mentor", names={ctx.member.user_id: name_of(ctx.member)}))
        return " I couldn't find a mentor on your topics yet; an admin will help you find one."
    if not await mentors.assign(ctx.session, ctx.member.id, mentor.id, ctx.now):
        return ""
    ctx.tell(mentor, private(
        f"{name_of(ctx.member)} just became a trainer on {joined([f'#{t}' for t in topics])}, and you're their "
        "mentor. Say hello and meet them soon — thank you for passing it on!", title="You have a new mentee",
        names={ctx.member.user_id: name_of(ctx.member)}))
    return (f" Your mentor is {name_of(mentor)} — meet them soon and tick it with `volunteer done mentor`.")


def meet_button() -> Button:
    return Button("I met my mentor", "volunteer done mentor")
