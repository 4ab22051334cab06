"""Milestones: moments worth celebrating, each found by comparing running totals before and after a window.

A milestone is *reached in* [since, until) when a running total was below it
before ``since`` and at or above it at ``until``. The same function serves the
milestone announcements (which the scheduler claims one by one in the ledger,
so each is announced once) and the roundup's "milestones this week".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import name_of
from handlers.report_text import names_of, ordinal
from handlers.types import Reply, public
from storage import members, stats
from storage.models import Member

SESSION_MARKS = (1, 10, 25, 50, 100)
TRAINER_LEARNER_MARKS = (100, 500, 1000)
COMMUNITY_LEARNER_MARKS = (1000, 5000, 10000, 50000)


@dataclass(frozen=True)
class Milestone:
    """``key`` names the milestone for the ledger, e.g. ``trainer-sessions:12:10``."""

    key: str
    text: str
    names: dict[str, str] = field(default_factory=dict)


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
    for member in await stats.onboarded(session, community_id, since, until):
        found.append(Milestone(f"onboarded:{member.id}", f"{name_of(member)} finished onboarding and is now "
                               "an active trainer — welcome aboard!", names_of([member])))
    community = await stats.community_learners_progress(session, community_id, since, until)
    for mark in crossed(community, COMMUNITY_LEARNER_MARKS):
        found.append(Milestone(f"community-learners:{mark}", f"Together we have now trained {mark:,} learners! 🎉"))
    return found


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
