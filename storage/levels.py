"""The career ladder's rules and measures, counted in SQL for one trainer or a whole community.

Like ``storage.counting``, this is the one definition: ``me``, ``trainers``,
the milestones job and ``export members`` all ask it.

Sessions delivered follow DESIGN §7 (``storage.counting.held``); ratings are
every rating of the trainer's sessions that were not cancelled (as the
``trainers`` directory counts them); programs are those the trainer
co-authors, or co-authors or refreshed for the Lead rung; mentees are the
trainers they were assigned to mentor (``trainer_profiles.mentor_id``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.counting import held
from storage.models import Feedback, ProgramAuthor, ProgramEvent, TrainerProfile, TrainingSession

LEVELS = ("trainer", "senior", "lead")
NAMES = {"trainer": "Trainer", "senior": "Senior trainer", "lead": "Lead trainer"}
SENIOR_SESSIONS, SENIOR_RATINGS, SENIOR_AVERAGE, SENIOR_PROGRAMS = 10, 10, 4.0, 1
LEAD_SESSIONS, LEAD_PROGRAMS, LEAD_MENTEES = 30, 2, 2


@dataclass(frozen=True)
class Record:
    """One trainer's standing on the ladder's measures."""

    member_id: int
    status: str
    onboarded: bool
    set_level: str | None
    sessions: int = 0
    ratings: int = 0
    average: float | None = None
    authored: int = 0
    authored_or_refreshed: int = 0
    mentees: int = 0


def _senior(r: Record) -> bool:
    return (r.sessions >= SENIOR_SESSIONS and r.ratings >= SENIOR_RATINGS and r.average is not None
            and r.average >= SENIOR_AVERAGE and r.authored >= SENIOR_PROGRAMS)


def _lead(r: Record) -> bool:
    return (_senior(r) and r.sessions >= LEAD_SESSIONS and r.authored_or_refreshed >= LEAD_PROGRAMS
            and r.mentees >= LEAD_MENTEES)


def earned(record: Record) -> str | None:
    """The rung the ladder's rules give (None before onboarding is done)."""
    if not record.onboarded:
        return None
    return "lead" if _lead(record) else "senior" if _senior(record) else "trainer"


def level_of(record: Record) -> str | None:
    """The trainer's level: one set by hand wins, else the rules'."""
    return record.set_level or earned(record)


def at_least(level: str | None, rung: str) -> bool:
    return level is not None and LEVELS.index(level) >= LEVELS.index(rung)


async def records(session: AsyncSession, community_id: int,
                  member_ids: Iterable[int] | None = None) -> dict[int, Record]:
    """Each trainer's measures (every trainer of the community, or those of ``member_ids``)."""
    where = [TrainerProfile.community_id == community_id]
    if member_ids is not None:
        ids = list(set(member_ids))
        if not ids:
            return {}
        where.append(TrainerProfile.member_id.in_(ids))
    profiles = (await session.execute(
        select(TrainerProfile.member_id, TrainerProfile.status, TrainerProfile.onboarded_at, TrainerProfile.level)
        .where(*where)
    )).all()
    if not profiles:
        return {}
    ids = [row[0] for row in profiles]
    delivered = dict((await session.execute(
        select(TrainingSession.trainer_id, func.count())
        .where(TrainingSession.community_id == community_id, TrainingSession.trainer_id.in_(ids), held())
        .group_by(TrainingSession.trainer_id)
    )).all())
    rated = {tid: (n, avg) for tid, n, avg in (await session.execute(
        select(TrainingSession.trainer_id, func.count(Feedback.id), func.avg(Feedback.rating))
        .join(Feedback, Feedback.session_id == TrainingSession.id)
        .where(TrainingSession.community_id == community_id, TrainingSession.trainer_id.in_(ids),
               TrainingSession.status != "cancelled")
        .group_by(TrainingSession.trainer_id)
    )).all()}
    authored = dict((await session.execute(
        select(ProgramAuthor.member_id, func.count()).where(ProgramAuthor.member_id.in_(ids))
        .group_by(ProgramAuthor.member_id)
    )).all())
    touched = union(
        select(ProgramAuthor.member_id.label("mid"), ProgramAuthor.program_id.label("pid"))
        .where(ProgramAuthor.member_id.in_(ids)),
        select(ProgramEvent.member_id.label("mid"), ProgramEvent.program_id.label("pid"))
        .where(ProgramEvent.member_id.in_(ids), ProgramEvent.kind == "refreshed"),
    ).subquery()
    either: dict[int, int] = dict((await session.execute(
        select(touched.c.mid, func.count(distinct(touched.c.pid))).group_by(touched.c.mid)
    )).all())
    mentees = dict((await session.execute(
        select(TrainerProfile.mentor_id, func.count()).where(TrainerProfile.mentor_id.in_(ids))
        .group_by(TrainerProfile.mentor_id)
    )).all())
    found = {}
    for member_id, status, onboarded_at, level in profiles:
        n, average = rated.get(member_id, (0, None))
        found[member_id] = Record(
            member_id, status, onboarded_at is not None or status == "active", level, delivered.get(member_id, 0), n,
            None if average is None else float(average), authored.get(member_id, 0), either.get(member_id, 0),
            mentees.get(member_id, 0))
    return found


async def set_level(session: AsyncSession, member_id: int, level: str | None, *, by: int, at: datetime) -> None:
    """Record a level set by hand (None: back to the ladder's rules), with who did it and when."""
    await session.execute(update(TrainerProfile).where(TrainerProfile.member_id == member_id)
                          .values(level=level, level_set_by_id=by, level_set_at=at))
