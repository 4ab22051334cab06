"""The leadership digest's own figures, counted by the database (DESIGN §7 via ``storage.counting``).

Kept apart from ``storage.stats`` (which serves the roundup, milestones and
``me``) because these answer a leader's questions: how much was delivered and
to how many since the start, by topic, what people waited for, what the
feedback really said (best *and* most critical), and week by week for the
chart. Every function is a handful of aggregate queries; rows are only loaded
for what is shown (a quote, a session title, a topic line).

A session counts in the period of its start time once it was held; learners
are its ``attended`` enrollments; learner-minutes are attendees × its length.
``start=None`` means "since the community's first session".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.counting import held
from storage.models import Enrollment, Feedback, FeedbackReceipt, Member, TrainingSession

ENROLLED = ("confirmed", "attended", "no_show")
NO_TOPIC = "(no topic)"


def counted(community_id: int, start: datetime | None, end: datetime) -> ColumnElement[bool]:
    """Held sessions of the community that started in [start, end) — or before ``end`` when start is None."""
    bounds = [TrainingSession.community_id == community_id, TrainingSession.starts_at < end, held()]
    if start is not None:
        bounds.append(TrainingSession.starts_at >= start)
    return and_(*bounds)


@dataclass(frozen=True)
class Delivered:
    """What was delivered in a period; rates are None when there is nothing to divide by."""

    sessions: int = 0
    minutes: int = 0
    trainers: int = 0
    learners: int = 0
    unique_learners: int = 0
    learner_minutes: int = 0
    enrolled: int = 0
    ratings: int = 0
    rating_total: int = 0
    responses: int = 0

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def learner_hours(self) -> float:
        return self.learner_minutes / 60

    @property
    def attendance_rate(self) -> float | None:
        return self.learners / self.enrolled if self.enrolled else None

    @property
    def average_rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.learners if self.learners else None


async def delivered(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> Delivered:
    """Sessions, hours, learners, learner-minutes, ratings and feedback receipts of [start, end)."""
    where = counted(community_id, start, end)
    s = (await session.execute(
        select(func.count(), func.coalesce(func.sum(TrainingSession.duration_minutes), 0),
               func.count(distinct(TrainingSession.trainer_id))).where(where)
    )).one()
    attended = Enrollment.status == "attended"
    e = (await session.execute(
        select(
            func.coalesce(func.sum(case((attended, 1), else_=0)), 0),
            func.count(distinct(case((attended, Enrollment.member_id)))),
            func.coalesce(func.sum(case((attended, TrainingSession.duration_minutes), else_=0)), 0),
            func.count(),
        )
        .select_from(TrainingSession)
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(where, Enrollment.status.in_(ENROLLED))
    )).one()
    r = (await session.execute(
        select(func.count(), func.coalesce(func.sum(Feedback.rating), 0))
        .select_from(TrainingSession).join(Feedback, Feedback.session_id == TrainingSession.id).where(where)
    )).one()
    responses = await session.scalar(
        select(func.count()).select_from(TrainingSession)
        .join(FeedbackReceipt, FeedbackReceipt.session_id == TrainingSession.id).where(where)
    ) or 0
    return Delivered(
        sessions=s[0], minutes=int(s[1]), trainers=s[2], learners=int(e[0]), unique_learners=e[1],
        learner_minutes=int(e[2]), enrolled=e[3], ratings=r[0], rating_total=int(r[1]), responses=responses,
    )


async def totals(session: AsyncSession, community_id: int, end: datetime) -> Delivered:
    """Sessions, minutes, learners, learner-minutes and unique learners of every held session before ``end``.

    The community's whole history, so shaped for the indexes: attendances are
    summed through the covering (session, status, member) index without a
    ``count(distinct …)``, and unique learners are the community's members with
    at least one attendance (an index probe per member, stopping at the first)
    — a distinct count over every enrollment would sort them all.
    """
    where = counted(community_id, None, end)
    held_row = (await session.execute(
        select(func.count(), func.coalesce(func.sum(TrainingSession.duration_minutes), 0)).where(where)
    )).one()
    learner_row = (await session.execute(
        select(func.count(), func.coalesce(func.sum(TrainingSession.duration_minutes), 0))
        .select_from(TrainingSession).join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(where, Enrollment.status == "attended")
    )).one()
    attended_once = (
        select(Enrollment.id).join(TrainingSession, TrainingSession.id == Enrollment.session_id)
        .where(Enrollment.member_id == Member.id, Enrollment.status == "attended", where)
    )
    unique = await session.scalar(
        select(func.count()).select_from(Member).where(Member.community_id == community_id, exists(attended_once))
    ) or 0
    return Delivered(sessions=held_row[0], minutes=int(held_row[1]), learners=learner_row[0],
                     learner_minutes=int(learner_row[1]), unique_learners=unique)


async def first_session(session: AsyncSession, community_id: int, end: datetime) -> datetime | None:
    """When the community's first counted session started (before ``end``), if any."""
    return await session.scalar(select(func.min(TrainingSession.starts_at)).where(counted(community_id, None, end)))


@dataclass(frozen=True)
class TopicLine:
    topic: str
    sessions: int
    learners: int
    ratings: int
    rating_total: int

    @property
    def average_rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


async def by_topic(session: AsyncSession, community_id: int, start: datetime, end: datetime,
                   limit: int) -> tuple[list[TopicLine], int]:
    """The period's topics by learners (then sessions), at most ``limit``, and how many topics there were."""
    where = counted(community_id, start, end)
    topic = func.coalesce(TrainingSession.topic, NO_TOPIC)
    sessions = {t: n for t, n in await session.execute(select(topic, func.count()).where(where).group_by(topic))}
    learners = {t: n for t, n in await session.execute(
        select(topic, func.count()).select_from(TrainingSession)
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(where, Enrollment.status == "attended").group_by(topic)
    )}
    ratings = {t: (n, int(total)) for t, n, total in await session.execute(
        select(topic, func.count(), func.sum(Feedback.rating)).select_from(TrainingSession)
        .join(Feedback, Feedback.session_id == TrainingSession.id).where(where).group_by(topic)
    )}
    lines = [TopicLine(t, n, learners.get(t, 0), *ratings.get(t, (0, 0))) for t, n in sessions.items()]
    lines.sort(key=lambda line: (-line.learners, -line.sessions, line.topic))
    return lines[:limit], len(lines)


@dataclass(frozen=True)
class DemandLine:
    """Unmet demand on one topic: people left on a waitlist, and sessions that filled up."""

    topic: str
    waitlisted: int
    full_sessions: int


async def demand(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> list[DemandLine]:
    """Per topic, for sessions starting in [start, end) and not cancelled: distinct people waitlisted, and
    sessions whose seats were all taken — most wanted first. Only topics with some unmet demand appear."""
    topic = func.coalesce(TrainingSession.topic, NO_TOPIC)
    in_period = and_(TrainingSession.community_id == community_id, TrainingSession.starts_at >= start,
                     TrainingSession.starts_at < end, TrainingSession.status != "cancelled")
    waiting = {t: n for t, n in await session.execute(
        select(topic, func.count(distinct(Enrollment.member_id))).select_from(TrainingSession)
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(in_period, Enrollment.status == "waitlisted").group_by(topic)
    )}
    full = {t: n for t, n in await session.execute(
        select(topic, func.count()).where(in_period, TrainingSession.taken >= TrainingSession.seats).group_by(topic)
    )}
    lines = [DemandLine(t, waiting.get(t, 0), full.get(t, 0)) for t in set(waiting) | set(full)]
    return sorted(lines, key=lambda line: (-line.waitlisted, -line.full_sessions, line.topic))


@dataclass(frozen=True)
class Voice:
    """A comment as leaders see it: words, stars and the session — never who wrote it."""

    comment: str
    rating: int
    title: str


async def voices(session: AsyncSession, community_id: int, start: datetime, end: datetime,
                 *, best: int, critical: int) -> tuple[list[Voice], list[Voice]]:
    """The best comments (rated 4★ or more, highest first, most detailed) and the most critical ones (rated
    3★ or less, lowest first, most detailed) of the period: so a 2★ "too fast" reaches leaders too."""
    base = (
        select(Feedback.id, Feedback.comment, Feedback.rating, TrainingSession.title)
        .join(TrainingSession, TrainingSession.id == Feedback.session_id)
        .where(counted(community_id, start, end), Feedback.comment.is_not(None), Feedback.comment != "")
    )
    length = func.length(Feedback.comment)
    top = list(await session.execute(base.order_by(Feedback.rating.desc(), length.desc(), Feedback.id).limit(best)))
    low = list(await session.execute(
        base.where(Feedback.rating <= 3).order_by(Feedback.rating, length.desc(), Feedback.id).limit(critical)
    ))
    praise = [Voice(c or "", r, t) for _, c, r, t in top if r >= 4]
    return praise, [Voice(c or "", r, t) for _, c, r, t in low]


@dataclass(frozen=True)
class LowRated:
    title: str
    ratings: int
    average: float


async def lowest_rated(session: AsyncSession, community_id: int, start: datetime, end: datetime,
                       *, below: float, limit: int) -> tuple[list[LowRated], int]:
    """Sessions of the period whose average rating is below ``below``, lowest first (at most ``limit``),
    and how many there are in all."""
    average = func.avg(Feedback.rating)
    grouped = (
        select(TrainingSession.id, TrainingSession.title, func.count().label("n"), average.label("avg"))
        .join(Feedback, Feedback.session_id == TrainingSession.id)
        .where(counted(community_id, start, end))
        .group_by(TrainingSession.id, TrainingSession.title)
        .having(average < below)
        .subquery()
    )
    total = await session.scalar(select(func.count()).select_from(grouped)) or 0
    rows = await session.execute(
        select(grouped.c.title, grouped.c.n, grouped.c.avg).order_by(grouped.c.avg, grouped.c.n.desc(), grouped.c.id)
        .limit(limit)
    )
    return [LowRated(title, n, float(avg)) for title, n, avg in rows], total


@dataclass(frozen=True)
class HeldSession:
    """One held session for the weekly chart: when, how many attended, its ratings."""

    starts_at: datetime
    learners: int
    ratings: int
    rating_total: int


async def held_sessions(session: AsyncSession, community_id: int, start: datetime, end: datetime) -> list[HeldSession]:
    """Every held session of [start, end) with its attendees and ratings (the chart buckets them by week)."""
    where = counted(community_id, start, end)
    learners = (
        select(func.count()).where(Enrollment.session_id == TrainingSession.id, Enrollment.status == "attended")
        .correlate(TrainingSession).scalar_subquery()
    )
    rated = (
        select(Feedback.session_id, func.count().label("n"), func.sum(Feedback.rating).label("total"))
        .join(TrainingSession, TrainingSession.id == Feedback.session_id).where(where)
        .group_by(Feedback.session_id).subquery()
    )
    rows = await session.execute(
        select(TrainingSession.starts_at, learners, func.coalesce(rated.c.n, 0), func.coalesce(rated.c.total, 0))
        .outerjoin(rated, rated.c.session_id == TrainingSession.id)
        .where(where)
    )
    return [HeldSession(at, int(n or 0), int(r), int(t)) for at, n, r, t in rows]

