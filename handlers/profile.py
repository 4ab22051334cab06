"""``me``: your profile, your numbers and, for trainers, where onboarding stands."""

from __future__ import annotations

from handlers import levels, onboarding, programs, survey
from handlers.context import Context, name_of
from handlers.grammar import Me
from handlers.periods import start_of
from handlers.types import Button, Reply, Section, private
from storage import profile, trainers


async def me(ctx: Context, command: Me) -> Reply:
    member = ctx.member
    numbers = await profile.stats(ctx.session, member.id, since=start_of("month", ctx.now, ctx.zone(member)))
    roles = [role for role, held in (("admin", ctx.is_admin()), ("leader", member.is_leader)) if held]
    sections = [
        Section(
            text="*Kudos*",
            fields=(
                ("Received", f"{numbers.kudos_received} ({numbers.kudos_received_since} this month)"),
                ("Given", f"{numbers.kudos_given} ({numbers.kudos_given_since} this month)"),
            ),
        ),
        Section(
            text="*Learning and teaching*",
            fields=(
                ("Sessions attended", str(numbers.sessions_attended)),
                ("Sessions delivered", str(numbers.sessions_delivered)),
                ("Learners trained", str(numbers.learners_trained)),
                ("Average rating", _rating(numbers.average_rating, numbers.ratings)),
            ),
        ),
    ]
    buttons = [Button("Upcoming sessions", "sessions")]
    trainer = await trainers.profile(ctx.session, member.id)
    if trainer is not None and trainer.onboarded_at is None and numbers.sessions_delivered:
        # Delivered before the rule existed (or by a path that missed it): the real status is active.
        await onboarding.complete_step(ctx, member, "first-session")
        trainer = await trainers.profile(ctx.session, member.id)
    if trainer is not None:
        guide = ctx.community.trainer_guide_url
        ticked = await trainers.ticked(ctx.session, member.id)
        topics = await trainers.topics(ctx.session, member.id)
        fields = [("Status", trainer.status), ("Topics", ", ".join(topics) or "none yet")]
        if trainer.onboarded_at is None:
            fields.append(("Onboarding", onboarding.progress(ticked, guide)))
            sections.append(Section(text="*Trainer*", fields=tuple(fields)))
            sections.append(Section(text=onboarding.checklist(ticked, guide)))
            following = onboarding.next_step(ticked, guide)
            if following:
                buttons.append(Button("Mark next step done", f"volunteer done {following}", "primary"))
        else:
            sections.append(Section(text="*Trainer*", fields=tuple(fields)))
        ladder = await levels.section(ctx, member)
        if ladder is not None:
            sections.append(ladder)
        answered = await survey.mine(ctx)
        if answered is not None:
            sections.append(answered)
        authored = await programs.mine(ctx, member)  # co-authors are trainers: nobody else has programs
        if authored is not None:
            sections.append(authored)
    sections.append(Section(fields=(("Roles", ", ".join(roles) or "member"),)))
    return private(
        f"Here's your Guild profile, {name_of(member)}.",
        title="Your Guild profile",
        sections=tuple(sections),
        buttons=tuple(buttons),
    )


def _rating(average: float | None, ratings: int) -> str:
    if average is None:
        return "no ratings yet"
    return f"{average:.1f} / 5 from {ratings} rating{'s' if ratings != 1 else ''}"


ROUTES = {Me: me}
