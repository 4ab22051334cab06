"""``volunteer``: become a trainer at once, add topics, follow onboarding, pause or stop.

Volunteering needs no approval: the person is a trainer in onboarding right
away and may schedule sessions. A trainer may pause, resume and stop
themselves; a pause or stop made by an admin is lifted only by an admin
(``admin trainer activate``), so the trainer is asked to talk to one.
"""

from __future__ import annotations

from handlers import mentors, onboarding
from handlers.context import Context, Refusal
from handlers.grammar import Volunteer, VolunteerAction, VolunteerStepDone
from handlers.types import Button, Reply, Section, private
from handlers.usage import USAGE
from handlers.wording import joined
from storage import trainers
from storage.models import TrainerProfile

ADMIN_HOLD = ("An admin set your trainer status to {status}, so please talk to a Guild admin to come back — "
              "they can reactivate you.")
NOT_A_TRAINER = "You're not a trainer yet. `volunteer <topic, topic>` makes you one — no approval needed."


async def volunteer(ctx: Context, command: Volunteer) -> Reply:
    me = ctx.member.id
    if await trainers.enlist(ctx.session, community_id=ctx.community.id, member_id=me, at=ctx.now):
        added = await trainers.add_topics(ctx.session, me, command.topics)
        about = f" for {_listing(added)}" if added else ""
        mentor = await mentors.assign(ctx, added) if added else ""
        return private(
            f"Welcome aboard — you're now a Guild trainer{about}! You can schedule sessions right away.{mentor} "
            "Here is your onboarding checklist; tick steps with `volunteer done <step>`.",
            title="You're a trainer",
            sections=(Section(text=onboarding.checklist(set(), _guide(ctx))),),
            buttons=_next_button(set(), _guide(ctx)),
        )
    profile = await _profile(ctx)
    comeback = ""
    if profile.status in ("paused", "stopped"):
        _require_own_change(ctx, profile)
        status = await _resume(ctx, profile)
        comeback = f"Welcome back — you're {_status_words(status)} again. "
    added = await trainers.add_topics(ctx.session, me, command.topics)
    if added and profile.status == "onboarding" and profile.mentor_id is None:
        mentor = await mentors.assign(ctx, added, first=False)
        return private(f"{comeback}Added {_listing(added)} to your topics.{mentor}")
    if added:
        return private(f"{comeback}Added {_listing(added)} to your topics.")
    if command.topics:
        return private(f"{comeback}You already train {_listing(list(command.topics))}.")
    return private(comeback or "You're already a trainer. `volunteer status` shows where you are.")


async def action(ctx: Context, command: VolunteerAction) -> Reply:
    profile = await trainers.profile(ctx.session, ctx.member.id)
    if profile is None:
        if command.action == "status":
            return private(NOT_A_TRAINER)
        raise Refusal(NOT_A_TRAINER, usage=USAGE["volunteer"])
    if command.action == "status":
        return await _status(ctx, profile)
    if command.action == "pause":
        if profile.status in ("paused", "stopped"):
            raise Refusal(f"You're already {profile.status}. `volunteer resume` brings you back.")
        await trainers.set_status(ctx.session, profile.member_id, "paused", at=ctx.now, by=ctx.member.id)
        return private("Paused. Take the time you need — `volunteer resume` brings you back whenever you like.")
    if command.action == "resume":
        if profile.status not in ("paused", "stopped"):
            raise Refusal(f"You're not paused; you're {_status_words(profile.status)}.")
        _require_own_change(ctx, profile)
        status = await _resume(ctx, profile)
        return private(f"Welcome back — you're {_status_words(status)} again.")
    if profile.status == "stopped":
        raise Refusal("You've already stopped training. `volunteer` brings you back any time.")
    held = held_by_admin(ctx, profile)
    # Stopping is always the trainer's right, but it must not lift an admin's pause.
    by = profile.status_changed_by_id if held and profile.status_changed_by_id else ctx.member.id
    await trainers.set_status(ctx.session, profile.member_id, "stopped", at=ctx.now, by=by)
    back = "an admin can bring you back" if held else "`volunteer` brings you back"
    return private(f"You've stopped training. Thank you for everything you shared! {back}.")


async def step_done(ctx: Context, command: VolunteerStepDone) -> Reply:
    guide = _guide(ctx)
    if command.step in onboarding.NEEDS_GUIDE and not guide:
        raise Refusal("There's no trainer guide to read yet, so that step isn't on your checklist. "
                      "An admin can add one with `admin set guide <url>`.")
    if command.step not in onboarding.offered(guide):
        steps = ", ".join(f"`{s}`" for s in onboarding.offered(guide) if s not in onboarding.AUTOMATIC)
        raise Refusal(f"`{command.step[:40]}` isn't an onboarding step you tick. The steps are {steps}.")
    if command.step in onboarding.AUTOMATIC:
        raise Refusal(f"That step ticks itself {onboarding.HOW_IT_TICKS[command.step]}.")
    profile = await _profile(ctx)
    if not await onboarding.complete_step(ctx, ctx.member, command.step):
        return private(f"You had already ticked “{onboarding.STEPS[command.step]}”.")
    ticked = await trainers.ticked(ctx.session, profile.member_id)
    return private(
        f"Ticked “{onboarding.STEPS[command.step]}” — {onboarding.progress(ticked, guide)} done.",
        sections=(Section(text=onboarding.checklist(ticked, guide)),),
        buttons=_next_button(ticked, guide),
    )


def _guide(ctx: Context) -> str | None:
    return ctx.community.trainer_guide_url


def _next_button(ticked: set[str], guide: str | None) -> tuple[Button, ...]:
    following = onboarding.next_step(ticked, guide)
    return (Button("Mark next step done", f"volunteer done {following}", "primary"),) if following else ()


async def _status(ctx: Context, profile: TrainerProfile) -> Reply:
    ticked = await trainers.ticked(ctx.session, profile.member_id)
    topics = await trainers.topics(ctx.session, profile.member_id)
    fields = (
        ("Status", profile.status),
        ("Topics", ", ".join(topics) or "none yet — `volunteer <topic>` adds some"),
        ("Onboarding", onboarding.progress(ticked, _guide(ctx))),
    )
    return private(
        f"You're {_status_words(profile.status)}.",
        title="Your trainer status",
        sections=(Section(fields=fields), Section(text=onboarding.checklist(ticked, _guide(ctx)))),
    )


async def _profile(ctx: Context) -> TrainerProfile:
    profile = await trainers.profile(ctx.session, ctx.member.id)
    if profile is None:
        raise Refusal(NOT_A_TRAINER, usage=USAGE["volunteer"])
    return profile


def held_by_admin(ctx: Context, profile: TrainerProfile) -> bool:
    """Whether someone else (an admin) paused or stopped this trainer, so only an admin lifts it."""
    return profile.status in ("paused", "stopped") and profile.status_changed_by_id not in (None, ctx.member.id)


def _require_own_change(ctx: Context, profile: TrainerProfile) -> None:
    if held_by_admin(ctx, profile):
        raise Refusal(ADMIN_HOLD.format(status=profile.status))


async def _resume(ctx: Context, profile: TrainerProfile) -> str:
    status = "active" if profile.onboarded_at else "onboarding"
    await trainers.set_status(ctx.session, profile.member_id, status, at=ctx.now, by=ctx.member.id)
    return status


def _status_words(status: str) -> str:
    return {"onboarding": "a trainer in onboarding", "active": "an active trainer"}.get(status, status)


def _listing(topics: list[str]) -> str:
    return joined([f"*{topic}*" for topic in topics])


ROUTES = {Volunteer: volunteer, VolunteerAction: action, VolunteerStepDone: step_done}
