"""Milestones: moments worth celebrating, each found by comparing running totals before and after a window.

A milestone is *reached in* [since, until) when a running total was below it
before ``since`` and at or above it at ``until``. The scheduler claims each one
in the ledger under its key (job ``milestone``), so each is announced once; the
weekly roundup then lists the milestones *announced* that week straight from
the ledger, which is cheap however large the community and always agrees with
what was announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import levels
from handlers.context import name_of
from handlers.report_text import names_of, ordinal
from handlers.types import Reply, public
from storage import ledger, members, stats
from storage import levels as level_data
from storage.models import Member

SESSION_MARKS = (1, 10, 25, 50, 100)


def _steps(first: int, last: int) -> tuple[int, ...]:
    """``first`` and then the 1-2.5-5 steps above it up to ``last``: 25, 50, 100, 250, 500, 1,000, 2,500 …

    Marks start small so that a pilot of twenty people hears its first
    milestone in weeks, not a year, and keep coming as the community grows.
    """
    marks, scale = [], 1
    while scale <= last:
        marks += [m * scale for m in (10, 25, 50) if first <= m * scale <= last]
        scale *= 10
    return tuple(marks)


TRAINER_LEARNER_MARKS = _steps(10, 10_000_000)  # 10, 25, 50, 100, 250, …
COMMUNITY_LEARNER_MARKS = _steps(25, 100_000_000)  # 25, 50, 100, 250, 500, 1,000, …
LEDGER_JOB = "milestone"
LEDGER_CHANNEL = "*"  # announced once per community, whichever channel is configured at the time


@dataclass(frozen=True)
class Milestone:
    """``key`` names the milestone for the ledger, e.g. ``trainer-sessions:12:10``."""

    key: str
    text: str
    names: dict[str, str] = field(default_factory=dict)
    reached_by: Member | None = None
    """For a career level: the trainer, whom the job also tells privately."""


def crossed(progress: stats.Progress, marks: tuple[int, ...]) -> list[int]:
    return [mark for mark in marks if progress.before < mark <= progress.total]


async def reached(session: AsyncSession, community_id: int, since: datetime, until: datetime) -> list[Milestone]:
    """Every milestone reached in [since, until), in a stable order."""
    by_trainer: list[tuple[int, str, int]] = []
    for progress in await stats.trainer_sessions_progress(session, community_id, since, until):
        by_trainer += [(progress.key or 0, "trainer-sessions", mark) for mark in crossed(progress, SESSION_MARKS)]
    for progress in await stats.trainer_learners_progress(session, community_id, since, until):
        by_trainer += [
            (progress.key or 0, "trainer-learners", mark) for mark in crossed(progress, TRAINER_LEARNER_MARKS)
        ]
    people = await members.by_ids(session, (member_id for member_id, _, _ in by_trainer))
    found = [_trainer_milestone(people[member_id], kind, mark) for member_id, kind, mark in sorted(by_trainer)]
    found += [_onboarded(member) for member in await stats.onboarded(session, community_id, since, until)]
    found += await _levels(session, community_id)
    community = await stats.community_learners_progress(session, community_id, since, until)
    found += [_community_milestone(mark) for mark in crossed(community, COMMUNITY_LEARNER_MARKS)]
    return found


async def announced(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> list[Milestone]:
    """The milestones announced in [start, end), rebuilt from their ledger keys."""
    keys = await ledger.posted_between(session, job=LEDGER_JOB, community_id=community_id, start=start, end=end)
    parsed = [key.split(":") for key in keys]
    people = await members.by_ids(session, (int(parts[1]) for parts in parsed if parts[0] != "community-learners"))
    found = []
    for parts in parsed:
        if parts[0] == "community-learners":
            found.append(_community_milestone(int(parts[1])))
        elif parts[0] == "level" and int(parts[1]) in people and parts[2] in level_data.NAMES:
            found.append(_level(people[int(parts[1])], parts[2]))
        elif parts[0] == "onboarded" and int(parts[1]) in people:
            found.append(_onboarded(people[int(parts[1])]))
        elif int(parts[1]) in people:
            found.append(_trainer_milestone(people[int(parts[1])], parts[0], int(parts[2])))
    return found


async def _levels(session: AsyncSession, community_id: int) -> list[Milestone]:
    """Every Senior or Lead level held now, each rung below it included (the ledger keeps each to one announcement).

    Levels are not windowed like running totals: a level is reached when the
    trainer holds it, whenever the history that earned it happened, so seeded
    or imported history is announced once too. Paused and stopped trainers wait.
    """
    records = await level_data.records(session, community_id)
    active = [r for r in records.values() if r.status == "active"]
    rungs = [(r.member_id, rung) for r in active for rung in levels.ANNOUNCED
             if level_data.at_least(level_data.level_of(r), rung)]
    people = await members.by_ids(session, (member_id for member_id, _ in rungs))
    return [_level(people[member_id], rung) for member_id, rung in sorted(rungs)]


def _level(member: Member, level: str) -> Milestone:
    return Milestone(f"level:{member.id}:{level}", f"{name_of(member)} is now a {level_data.NAMES[level]} 🎓",
                     names_of([member]), reached_by=member)


def level_notice(level: str) -> Reply:
    """What the trainer is told when the ladder (or an admin) takes them to a new level."""
    from handlers.types import private

    return private(f"Congratulations — you're now a *{level_data.NAMES[level]}* in Guild! Thank you for all you give. "
                   "`help levels` shows the ladder; `me` shows what's next.", title="New career level")


def _onboarded(member: Member) -> Milestone:
    return Milestone(f"onboarded:{member.id}", f"{name_of(member)} finished onboarding and is now an active "
                     "trainer — welcome aboard!", names_of([member]))


def _community_milestone(mark: int) -> Milestone:
    return Milestone(f"community-learners:{mark}", f"Together we have now trained {mark:,} learners! 🎉")


def _trainer_milestone(member: Member, kind: str, mark: int) -> Milestone:
    who = name_of(member)
    if kind == "trainer-sessions":
        text = f"{who} delivered their {'first' if mark == 1 else ordinal(mark)} session"
    else:
        text = f"{who} has now trained {mark:,} learners"
    return Milestone(f"{kind}:{member.id}:{mark}", text, names_of([member]))


def announcement(reached: list[Milestone]) -> Reply:
    """One calm message for every milestone of a run."""
    names: dict[str, str] = {}
    for milestone in reached:
        names.update(milestone.names)
    lines = "\n".join(f"• {milestone.text}" for milestone in reached)
    return public(f"🏆 Milestones reached\n{lines}", title="Milestones", names=names)
