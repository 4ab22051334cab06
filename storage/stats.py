"""Every figure the roundup, milestones and the digest report, counted by the database.

Each function is one or two aggregate queries over indexed columns (kudos by
community and time, sessions by community, status and start, enrollments by
session and status), so that a community with millions of rows costs the same
few milliseconds as a small one; rows are only loaded when they are what is
shown (a highlight, a quote, a name).

Which sessions count, and in which period, is ``storage.counting`` (DESIGN §7):
a session counts in the period of its start time however late it was logged,
marked or closed, so a period's figures do not change with when people got
round to the paperwork. *Learners trained* are attended enrollments of counted
sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from storage.counting import held_before, held_between
from storage.models import (
    Enrollment,
    Feedback,
    FeedbackReceipt,
    Kudos,
    KudosValue,
    Member,
    TrainerProfile,
    TrainingSession,
)

ENROLLED = ("confirmed", "attended", "no_show")


def _delivered(community_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    return held_between(community_id, start, end)


def _kudos_in(community_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(Kudos.community_id == community_id, Kudos.created_at >= start, Kudos.created_at < end)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- kudos -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KudosFigures:
    count: int
    recipients: int
    givers: int


async def kudos_figures(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> KudosFigures:
    row = (
        await session.execute(
            select(func.count(), func.count(distinct(Kudos.receiver_id)), func.count(distinct(Kudos.giver_id))).where(
                _kudos_in(community_id, start, end)
            )
        )
    ).one()
    return KudosFigures(count=row[0], recipients=row[1], givers=row[2])


async def top_recipients(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int
) -> list[tuple[Member, int]]:
    """The most thanked people of the period with their kudos counts, most first."""
    return await _ranked(session, Kudos.receiver_id, _kudos_in(community_id, start, end), limit)


async def first_time_recipients(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int
) -> tuple[list[Member], int]:
    """People thanked in the period who had never been thanked before it, and how many there are."""
    # The period's receivers first, then one look back per person (not per kudos): a third of the time.
    earlier = aliased(Kudos)
    thanked = select(Kudos.receiver_id).where(_kudos_in(community_id, start, end)).distinct().subquery()
    never_before = ~exists(
        select(earlier.id).where(earlier.receiver_id == thanked.c.receiver_id, earlier.created_at < start)
    )
    newcomers = select(thanked.c.receiver_id).where(never_before)
    total = await session.scalar(select(func.count()).select_from(newcomers.subquery())) or 0
    if not total:
        return [], 0
    found = await session.scalars(
        select(Member).where(Member.id.in_(newcomers)).order_by(Member.id).limit(limit)
    )
    return list(found), total


async def top_values(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int
) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(KudosValue.value, func.count())
        .join(Kudos, Kudos.id == KudosValue.kudos_id)
        .where(_kudos_in(community_id, start, end))
        .group_by(KudosValue.value)
        .order_by(func.count().desc(), KudosValue.value)
        .limit(limit)
    )
    return [(value, n) for value, n in rows]


async def highlights(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int
) -> list[tuple[Kudos, Member, Member]]:
    """A few kudos worth quoting: the most detailed messages, each for a different person.

    Message length is a fair proxy for a thoughtful thank-you; the database picks
    a short list of the longest and Python keeps one per receiver and one per
    message (a kudos to three people is three rows with one text).
    """
    giver, receiver = aliased(Member), aliased(Member)
    rows = await session.execute(
        select(Kudos, giver, receiver)
        .join(giver, giver.id == Kudos.giver_id)
        .join(receiver, receiver.id == Kudos.receiver_id)
        .where(_kudos_in(community_id, start, end))
        .order_by(func.length(Kudos.message).desc(), Kudos.id)
        .limit(limit * 5)
    )
    chosen: list[tuple[Kudos, Member, Member]] = []
    seen: set[int] = set()
    quoted: set[tuple[int, str]] = set()
    for kudos, by, to in rows:
        act = (by.id, kudos.message)
        if to.id not in seen and act not in quoted and len(chosen) < limit:
            seen.add(to.id)
            quoted.add(act)
            chosen.append((kudos, by, to))
    return chosen


# --- sessions and learners -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingFigures:
    """What was delivered in a period; rates are None when there is nothing to divide by."""

    sessions: int
    minutes: int
    trainers: int
    learners: int
    unique_learners: int
    enrolled: int
    ratings: int
    rating_total: int
    responses: int

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def attendance_rate(self) -> float | None:
        return _ratio(self.learners, self.enrolled)

    @property
    def average_rating(self) -> float | None:
        return _ratio(self.rating_total, self.ratings)

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.responses, self.learners)


async def training_figures(
    session: AsyncSession, community_id: int, start: datetime, end: datetime
) -> TrainingFigures:
    delivered = _delivered(community_id, start, end)
    sessions_row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(TrainingSession.duration_minutes), 0),
                func.count(distinct(TrainingSession.trainer_id)),
            ).where(delivered)
        )
    ).one()
    attended = Enrollment.status == "attended"
    learners_row = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((attended, 1), else_=0)), 0),
                func.count(distinct(case((attended, Enrollment.member_id)))),
                func.count(),
            )
            .select_from(TrainingSession)
            .join(Enrollment, Enrollment.session_id == TrainingSession.id)
            .where(delivered, Enrollment.status.in_(ENROLLED))
        )
    ).one()
    rating_row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Feedback.rating), 0))
            .select_from(TrainingSession)
            .join(Feedback, Feedback.session_id == TrainingSession.id)
            .where(delivered)
        )
    ).one()
    responses = await session.scalar(
        select(func.count())
        .select_from(TrainingSession)
        .join(FeedbackReceipt, FeedbackReceipt.session_id == TrainingSession.id)
        .where(delivered)
    )
    return TrainingFigures(
        sessions=sessions_row[0],
        minutes=int(sessions_row[1]),
        trainers=sessions_row[2],
        learners=int(learners_row[0]),
        unique_learners=learners_row[1],
        enrolled=learners_row[2],
        ratings=rating_row[0],
        rating_total=int(rating_row[1]),
        responses=responses or 0,
    )


async def sessions_per_trainer(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int
) -> list[tuple[Member, int]]:
    """Trainers by sessions delivered in the period, busiest first."""
    return await _ranked(session, TrainingSession.trainer_id, _delivered(community_id, start, end), limit)


async def _ranked(
    session: AsyncSession, member_column: InstrumentedAttribute[int], where: ColumnElement[bool], limit: int
) -> list[tuple[Member, int]]:
    """The ``limit`` members most often named by ``member_column`` among rows matching ``where``, most first.

    Counting happens in the database over the filtered rows; only the top
    members are loaded, ties broken by member id so that the order is stable.
    """
    counted = (
        select(member_column.label("member_id"), func.count().label("n"))
        .where(where)
        .group_by(member_column)
        .order_by(func.count().desc(), member_column)
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(Member, counted.c.n).join(counted, counted.c.member_id == Member.id).order_by(
            counted.c.n.desc(), Member.id
        )
    )
    return [(member, n) for member, n in rows]


async def overloaded_trainers(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, threshold: int
) -> list[tuple[Member, int]]:
    """Trainers with more than ``threshold`` sessions starting in [start, end), busiest first.

    Workload counts every session that is not cancelled, delivered or still
    scheduled: a trainer with twelve sessions booked is just as stretched.
    """
    counted = (
        select(TrainingSession.trainer_id, func.count().label("n"))
        .where(
            TrainingSession.community_id == community_id,
            TrainingSession.status.in_(("scheduled", "done")),
            TrainingSession.starts_at >= start,
            TrainingSession.starts_at < end,
        )
        .group_by(TrainingSession.trainer_id)
        .having(func.count() > threshold)
        .subquery()
    )
    rows = await session.execute(
        select(Member, counted.c.n).join(counted, counted.c.trainer_id == Member.id).order_by(
            counted.c.n.desc(), Member.id
        )
    )
    return [(member, n) for member, n in rows]


# --- people ----------------------------------------------------------------------------------------------------


def _volunteered(community_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(
        TrainerProfile.community_id == community_id,
        TrainerProfile.volunteered_at >= start,
        TrainerProfile.volunteered_at < end,
    )


async def volunteer_count(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> int:
    where = _volunteered(community_id, start, end)
    return await session.scalar(select(func.count()).select_from(TrainerProfile).where(where)) or 0


async def new_volunteers(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int
) -> list[Member]:
    """The first ``limit`` people who volunteered to train in the period."""
    found = await session.scalars(
        select(Member)
        .join(TrainerProfile, TrainerProfile.member_id == Member.id)
        .where(_volunteered(community_id, start, end))
        .order_by(TrainerProfile.volunteered_at, Member.id)
        .limit(limit)
    )
    return list(found)


async def feedback_quotes(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int
) -> list[tuple[str, int, str]]:
    """(comment, rating, session title) of the best-rated, most detailed comments — never who wrote them."""
    rows = await session.execute(
        select(Feedback.comment, Feedback.rating, TrainingSession.title)
        .join(TrainingSession, TrainingSession.id == Feedback.session_id)
        .where(_delivered(community_id, start, end), Feedback.comment.is_not(None), Feedback.comment != "")
        .order_by(Feedback.rating.desc(), func.length(Feedback.comment).desc(), Feedback.id)
        .limit(limit)
    )
    return [(comment or "", rating, title) for comment, rating, title in rows]


# --- milestone candidates --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A running total before a window and at its end; a milestone in between was reached in the window."""

    key: int | None
    before: int
    total: int


async def trainer_sessions_progress(
    session: AsyncSession, community_id: int, since: datetime, until: datetime
) -> list[Progress]:
    """Delivered-session totals of each trainer who delivered one in [since, until)."""
    return await _trainer_progress(session, community_id, since, until, per_learner=False)


async def trainer_learners_progress(
    session: AsyncSession, community_id: int, since: datetime, until: datetime
) -> list[Progress]:
    """Learners-trained totals of each trainer who delivered a session in [since, until)."""
    return await _trainer_progress(session, community_id, since, until, per_learner=True)


async def _trainer_progress(
    session: AsyncSession, community_id: int, since: datetime, until: datetime, *, per_learner: bool
) -> list[Progress]:
    """Running totals of counted sessions — or of their attendees — for trainers who held one in the window.

    Sessions are ordered by start time (DESIGN §7): a trainer's tenth session is
    the tenth they held, whenever it was logged. Only trainers who held a
    session in the window are totalled, so the daily scan's cost follows the
    window's activity, not the community's whole history.
    """
    active = select(TrainingSession.trainer_id).where(_delivered(community_id, since, until))
    query = select(
        TrainingSession.trainer_id,
        func.sum(case((TrainingSession.starts_at < since, 1), else_=0)),
        func.count(),
    ).where(
        TrainingSession.trainer_id.in_(active),
        held_before(until),
    )
    if per_learner:
        query = query.join(Enrollment, Enrollment.session_id == TrainingSession.id).where(
            Enrollment.status == "attended"
        )
    rows = await session.execute(query.group_by(TrainingSession.trainer_id))
    return [Progress(trainer, int(before), total) for trainer, before, total in rows]


async def community_learners_progress(
    session: AsyncSession, community_id: int, since: datetime, until: datetime
) -> Progress:
    """The community's learners trained before ``since`` and up to ``until``.

    Only the window is counted when nothing was delivered in it; otherwise one
    indexed count over the community's attended enrollments up to ``until``.
    """
    window = await session.scalar(
        select(func.count())
        .select_from(TrainingSession)
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(_delivered(community_id, since, until), Enrollment.status == "attended")
    ) or 0
    if not window:
        return Progress(None, 0, 0)
    total = await session.scalar(
        select(func.count())
        .select_from(TrainingSession)
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(
            TrainingSession.community_id == community_id,
            held_before(until),
            Enrollment.status == "attended",
        )
    ) or 0
    return Progress(None, total - window, total)


async def onboarded(session: AsyncSession, community_id: int, since: datetime, until: datetime) -> list[Member]:
    """Trainers who finished onboarding in [since, until)."""
    found = await session.scalars(
        select(Member)
        .join(TrainerProfile, TrainerProfile.member_id == Member.id)
        .where(
            TrainerProfile.community_id == community_id,
            TrainerProfile.onboarded_at >= since,
            TrainerProfile.onboarded_at < until,
        )
        .order_by(TrainerProfile.onboarded_at, Member.id)
    )
    return list(found)
