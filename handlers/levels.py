"""Career levels: a transparent ladder, so that being a trainer is a stepping stone and not a ceiling.

The rungs and their criteria are fixed defaults anyone can read (``help levels``,
``me``): *Trainer* once onboarding is done; *Senior trainer* from 10 sessions
delivered, an average of 4.0 or more from at least 10 ratings and a co-authored
program; *Lead trainer* from 30 sessions, 2 programs co-authored or refreshed
and 2 new trainers mentored (on top of the Senior rung). An admin may set a
level by hand (``admin level``), which then stands until they set ``auto``.
Reaching Senior or Lead is announced once by the ``milestones`` job (ledger key
``level:<member>:<level>``) and told to the trainer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.context import Context, Refusal, name_of
from handlers.tokens import UsageError, clip, mentions
from handlers.types import Reply, Section, private
from storage import levels as level_data
from storage.levels import (
    LEAD_MENTEES,
    LEAD_PROGRAMS,
    LEAD_SESSIONS,
    NAMES,
    SENIOR_AVERAGE,
    SENIOR_PROGRAMS,
    SENIOR_RATINGS,
    SENIOR_SESSIONS,
    earned,
    level_of,
)
from storage.models import Member

ANNOUNCED = ("senior", "lead")

LADDER = (
    "*Career levels* — how trainers grow in Guild:\n"
    "• *Trainer* — onboarding done.\n"
    f"• *Senior trainer* — ≥ {SENIOR_SESSIONS} sessions delivered, an average rating of ≥ {SENIOR_AVERAGE:.1f} "
    f"from ≥ {SENIOR_RATINGS} ratings, co-authored ≥ {SENIOR_PROGRAMS} program.\n"
    f"• *Lead trainer* — a Senior trainer with ≥ {LEAD_SESSIONS} sessions, ≥ {LEAD_PROGRAMS} programs "
    f"co-authored or refreshed, and ≥ {LEAD_MENTEES} new trainers mentored.\n"
    "Reaching a level is announced in the milestones channel. `me` shows where you stand; an admin can set a "
    "level by hand with `admin level @person senior`."
)


def progress(record: level_data.Record) -> tuple[str, str] | None:
    """The next rung's name and how far along it the trainer is, e.g. ``7 of 10 sessions · rating 4.4 ✓ · …``."""
    level = level_of(record)
    if level is None or level == "lead":
        return None
    if level == "trainer":
        if record.ratings < SENIOR_RATINGS:
            rating = f"{record.ratings} of {SENIOR_RATINGS} ratings"
        else:
            assert record.average is not None
            rating = f"rating {record.average:.1f} " + ("✓" if record.average >= SENIOR_AVERAGE
                                                        else f"(≥ {SENIOR_AVERAGE:.1f} needed)")
        parts = [_count(record.sessions, SENIOR_SESSIONS, "sessions"), rating,
                 _count(record.authored, SENIOR_PROGRAMS, "programs")]
        return NAMES["senior"], " · ".join(parts)
    parts = [_count(record.sessions, LEAD_SESSIONS, "sessions"),
             _count(record.authored_or_refreshed, LEAD_PROGRAMS, "programs co-authored or refreshed"),
             _count(record.mentees, LEAD_MENTEES, "trainers mentored")]
    return NAMES["lead"], " · ".join(parts)


def _count(have: int, need: int, what: str) -> str:
    return f"{min(have, need)} of {need} {what}" + (" ✓" if have >= need else "")


async def section(ctx: Context, member: Member) -> Section | None:
    """``me``: the trainer's level and progress to the next one (None for someone not yet onboarded)."""
    record = (await level_data.records(ctx.session, ctx.community.id, [member.id])).get(member.id)
    if record is None:
        return None
    level = level_of(record)
    if level is None:
        return Section(text="*Level* — you become a *Trainer* when onboarding is done. `help levels` has the ladder.")
    fields = [("Level", NAMES[level] + (" (set by an admin)" if record.set_level else ""))]
    following = progress(record)
    if following is not None:
        fields.append((f"Towards {following[0]}", following[1]))
    return Section(text="*Career level*", fields=tuple(fields))


def help_reply() -> Reply:
    return private(LADDER, title="Career levels")


# --- admin level <@person> <level> ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminLevel:
    person: str
    level: str | None  # None: back to the ladder's rules


WORDS = {"trainer": "trainer", "senior": "senior", "senior-trainer": "senior", "lead": "lead",
         "lead-trainer": "lead", "auto": None}


def parse_admin_level(rest: str) -> AdminLevel:
    """``<@person> <level>`` after ``admin level``; level is trainer, senior, lead or auto."""
    people = mentions(rest)
    word = "-".join(w for w in rest.split() if not w.startswith("<@") and not w.startswith("@")).lower()
    if len(people) != 1 or word not in WORDS:
        shown = f"`{clip(word)}` isn't a level. " if word and word not in WORDS else ""
        raise UsageError(f"{shown}e.g. `admin level @ana senior` (trainer, senior, lead, or auto for the rules).",
                         "admin")
    return AdminLevel(people[0], WORDS[word])


async def set_by_hand(ctx: Context, command: AdminLevel) -> Reply:
    """Set a trainer's level by hand; the change records who made it, and the trainer is told."""
    ctx.require_admin()
    person = ctx.person(command.person)
    record = (await level_data.records(ctx.session, ctx.community.id, [person.id])).get(person.id)
    if record is None:
        raise Refusal(f"{name_of(person)} never volunteered, so there's no trainer level to set.")
    await level_data.set_level(ctx.session, person.id, command.level, by=ctx.member.id, at=ctx.now)
    if command.level is None:
        now = earned(record)
        shown = NAMES[now] if now else "no level yet (onboarding)"
        return private(f"{name_of(person)}'s level follows the ladder's rules again: {shown}.")
    if person.id != ctx.member.id:
        ctx.tell(person, private(f"{name_of(ctx.member)} set your Guild trainer level to "
                                 f"*{NAMES[command.level]}*. `help levels` shows the ladder."))
    return private(f"{name_of(person)} is now a *{NAMES[command.level]}* (set by {name_of(ctx.member)}).")


PARSERS: dict[str, Callable[[str], Any]] = {}
ROUTES = {AdminLevel: set_by_hand}
