"""Everything the digest and the one-pager show, gathered once from the database.

The chat digest (``handlers.digest``), the report (``handlers.report``) and the
chart (``handlers.charts``) all render this one value, so a leader who reads
the digest in Slack and forwards the report sees the same numbers.

Trends are honest for small communities: ▲/▼ as a percentage only when the
previous value is at least ``SIGNIFICANT``; below that the absolute change
(``+3``, ``−1``, ``new``), and no marker at all for no change (0 → 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import digest_money, spans
from handlers import workload as workload_rules
from handlers.digest_money import MoneySettings
from storage import digest_figures as figures
from storage import requests, stats, workload
from storage.models import Community, Member

SIGNIFICANT = 10
TOPICS = 8
PRAISE = 3
CRITICAL = 2
LOW_RATED_BELOW = 3.5
LOW_RATED = 3
CHART_WEEKS = 12
BURNOUT_WINDOW = timedelta(weeks=4)
BUSIEST = 5
OPEN_REQUESTS = 5

Kind = Literal["count", "hours", "rate", "rating", "money", "ratio"]


def change(value: float | None, previous: float | None, kind: Kind = "count", currency: str = "USD") -> str:
    """The change against the previous period, in words a small pilot can live with ("" for none)."""
    if value is None or previous is None:
        return ""
    if kind == "rate":
        points = int(abs(value - previous) * 100 + 0.5)  # half up, as people round: 12.5 shows as 13
        return "" if points == 0 else f"{'▲' if value > previous else '▼'} {points} pts"
    if kind in ("rating", "ratio"):
        tenths = int(abs(value - previous) * 10 + 0.5)
        return "" if tenths == 0 else f"{'+' if value > previous else '−'}{tenths / 10:.1f}"
    if value == previous:
        return ""
    if previous == 0:
        return "new"
    if abs(previous) >= SIGNIFICANT:
        percent = int(abs(value - previous) / abs(previous) * 100 + 0.5)
        return "" if percent == 0 else f"{'▲' if value > previous else '▼'} {percent}%"
    sign = "+" if value > previous else "−"
    size = abs(value - previous)
    if kind == "hours":
        return f"{sign}{digest_money.hours(size)}"
    if kind == "money":
        return f"{sign}{digest_money.money(size, currency)}"
    return f"{sign}{size:,.0f}"


@dataclass(frozen=True)
class Figure:
    """One figure of the digest: this period, the previous one, the total since the start, and its formula."""

    label: str
    value: float | None
    previous: float | None
    kind: Kind = "count"
    total: float | None = None
    formula: str | None = None
    currency: str = "USD"

    def shown(self, value: float | None = None) -> str:
        return show(self.value if value is None else value, self.kind, self.currency)

    @property
    def change(self) -> str:
        return change(self.value, self.previous, self.kind, self.currency)


def show(value: float | None, kind: Kind, currency: str = "USD") -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value:.0%}"
    if kind == "rating":
        return f"{value:.1f} / 5"
    if kind == "hours":
        return digest_money.hours(value)
    if kind == "money":
        return digest_money.money(value, currency)
    if kind == "ratio":
        return f"{value:.1f} : 1"
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Week:
    """One bar of the chart: the week starting ``first`` (local Monday)."""

    first: date
    sessions: int
    learners: int
    ratings: int
    rating_total: int

    @property
    def average_rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


@dataclass(frozen=True)
class DigestData:
    span: spans.Span
    before: spans.Span
    since: date | None
    settings: MoneySettings
    delivery: list[Figure]
    value: list[Figure]
    reach: str | None
    topics: list[figures.TopicLine]
    more_topics: int
    demand: list[figures.DemandLine]
    open_requests: list[tuple[str, int]]
    praise: list[figures.Voice]
    concerns: list[figures.Voice]
    low_rated: list[figures.LowRated]
    low_rated_total: int
    busiest: list[tuple[Member, int]]
    overloaded: list[tuple[Member, int]]
    burnout_threshold: int
    overloaded_hours: list[tuple[Member, int]] = field(default_factory=list)
    """Trainers over the hours bar (minutes delivered in the 4 weeks), whatever their session count."""
    repeated: list[tuple[Member, str, int]] = field(default_factory=list)
    repeat_limit: int = 8
    weakest_competency: tuple[int, str, float] | None = None
    """(round, competency, average) of the survey round opened in this period: named once, in this digest."""
    weeks: list[Week] = field(default_factory=list)

    @property
    def has_rates(self) -> bool:
        return self.settings.external_rate is not None

    def figure(self, label: str) -> Figure:
        return next(f for f in [*self.delivery, *self.value] if f.label == label)


def settings_of(community: Community) -> MoneySettings:
    """The community's digest settings (``admin set external-rate|internal-rate|currency|prep-ratio|headcount``)."""
    def decimal(raw: float | None) -> Decimal | None:
        return None if raw is None else Decimal(str(raw))

    return MoneySettings(
        external_rate=decimal(community.external_rate), internal_rate=decimal(community.internal_rate),
        currency=community.currency, prep_ratio=decimal(community.prep_ratio), headcount=community.headcount,
    )


async def gather(session: AsyncSession, community: Community, span: spans.Span, zone: ZoneInfo, *,
                 weeks: bool = True, settings: MoneySettings | None = None) -> DigestData:
    """Every figure of ``span`` with its comparison (the previous period, counted alike) and totals."""
    settings = settings or settings_of(community)
    cid = community.id
    before = spans.previous(span, zone)
    now = await figures.delivered(session, cid, span.start, span.end)
    then = await figures.delivered(session, cid, before.start, before.end)
    total = await figures.totals(session, cid, span.end)
    first = await figures.first_session(session, cid, span.end)
    kudos_now = await stats.kudos_figures(session, cid, span.start, span.end)
    kudos_then = await stats.kudos_figures(session, cid, before.start, before.end)
    volunteers_now = await stats.volunteer_count(session, cid, span.start, span.end)
    volunteers_then = await stats.volunteer_count(session, cid, before.start, before.end)
    cur = settings.currency_code
    m_now, m_then, m_total = (digest_money.compute(d.minutes, d.learner_minutes, settings) for d in (now, then, total))
    f = digest_money.formulas(m_now, now.learners, settings)

    delivery = [
        Figure("Sessions delivered", now.sessions, then.sessions, total=total.sessions),
        Figure("Training hours", now.hours, then.hours, "hours", total=total.hours,
               formula="the sessions' lengths"),
        Figure("Learners trained", now.learners, then.learners, total=total.learners,
               formula="attendees of the sessions held"),
        Figure("Unique learners", now.unique_learners, then.unique_learners, total=total.unique_learners),
        Figure("Learner-hours", m_now.learner_hours, m_then.learner_hours, "hours", total=m_total.learner_hours,
               formula=f.learner_hours),
        Figure("Trainer time invested", m_now.invested_hours, m_then.invested_hours, "hours",
               total=m_total.invested_hours, formula=f.invested),
        Figure("Attendance rate", now.attendance_rate, then.attendance_rate, "rate"),
        Figure("Average rating", now.average_rating, then.average_rating, "rating"),
        Figure("Feedback response rate", now.response_rate, then.response_rate, "rate"),
        Figure("Active trainers", now.trainers, then.trainers),
        Figure("New volunteers", volunteers_now, volunteers_then),
        Figure("Kudos given", kudos_now.count, kudos_then.count),
    ]
    value: list[Figure] = []
    if m_now.avoided is not None:
        value.append(Figure("External cost avoided", m_now.avoided, m_then.avoided, "money", total=m_total.avoided,
                            formula=f.avoided, currency=cur))
    if m_now.internal is not None:
        value.append(Figure("Internal cost of time invested", m_now.internal, m_then.internal, "money",
                            total=m_total.internal, formula=f.internal, currency=cur))
    if m_now.avoided is not None and m_now.internal is not None:
        value.append(Figure("Net value", m_now.net, m_then.net, "money", total=m_total.net, formula=f.net,
                            currency=cur))
        value.append(Figure("Return", m_now.ratio, m_then.ratio, "ratio", total=m_total.ratio, formula=f.ratio))

    topics, topic_count = await figures.by_topic(session, cid, span.start, span.end, TOPICS)
    praise, concerns = await figures.voices(session, cid, span.start, span.end, best=PRAISE, critical=CRITICAL)
    low, low_total = await figures.lowest_rated(session, cid, span.start, span.end, below=LOW_RATED_BELOW,
                                                limit=LOW_RATED)
    busiest = await stats.sessions_per_trainer(session, cid, span.start, span.end, BUSIEST)
    threshold = community.burnout_threshold
    loads = await workload.overloaded(session, cid, span.end - BURNOUT_WINDOW, span.end, sessions=threshold,
                                      minutes=workload_rules.hours_bar(threshold))
    overloaded = [(load.member, load.sessions) for load in loads if load.sessions > threshold]
    overloaded_hours = [(load.member, load.minutes) for load in loads
                        if load.minutes > workload_rules.hours_bar(threshold)]
    limit = workload_rules.repeat_limit(community)
    repeated = [(rep.member, rep.title, rep.sessions) for rep in await workload.repetitions(
        session, cid, span.end - BURNOUT_WINDOW, span.end, limit)]
    return DigestData(
        span=span, before=before, since=first.astimezone(zone).date() if first else None, settings=settings,
        delivery=delivery, value=value, reach=_reach(now.unique_learners, total.unique_learners, settings),
        topics=topics, more_topics=topic_count - len(topics),
        demand=await figures.demand(session, cid, span.start, span.end),
        weakest_competency=await _weakest(session, cid, span),
        open_requests=[(r.request.topic, r.supporters)
                       for r in (await requests.open_requests(session, cid, limit=OPEN_REQUESTS))[0]],
        praise=praise, concerns=concerns, low_rated=low, low_rated_total=low_total,
        busiest=busiest, overloaded=overloaded, burnout_threshold=community.burnout_threshold,
        overloaded_hours=overloaded_hours, repeated=repeated, repeat_limit=limit,
        weeks=await weekly(session, cid, span, zone) if weeks else [],
    )


async def _weakest(session: AsyncSession, community_id: int, span: spans.Span) -> tuple[int, str, float] | None:
    """The weakest competency of the latest survey round, when that round opened in the digest's period."""
    from handlers.survey import results_of

    found = await results_of(session, community_id, before=span.end)
    if found is None or found.round.started_at < span.start or not found.figures:
        return None
    weakest = found.weakest(1)[0]
    return found.round.id, weakest.competency, weakest.average


def _reach(unique: int, total_unique: int, settings: MoneySettings) -> str | None:
    if not settings.headcount:
        return None
    return (f"{unique / settings.headcount:.0%} of the {settings.headcount:,} employees learned something this "
            f"period; {total_unique / settings.headcount:.0%} since the first session")


async def weekly(session: AsyncSession, community_id: int, span: spans.Span, zone: ZoneInfo) -> list[Week]:
    """The ``CHART_WEEKS`` local weeks up to the end of ``span`` (the last one may be partial)."""
    last = spans.containing("week", span.end - timedelta(microseconds=1), zone)
    firsts = [last.first - timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1)]
    start = spans.containing("week", datetime.combine(firsts[0], datetime.min.time(), zone), zone).start
    buckets = {first: [0, 0, 0, 0] for first in firsts}
    for held in await figures.held_sessions(session, community_id, start, span.end):
        day = held.starts_at.astimezone(zone).date()
        bucket = buckets.get(day - timedelta(days=day.weekday()))
        if bucket is not None:
            bucket[0] += 1
            bucket[1] += held.learners
            bucket[2] += held.ratings
            bucket[3] += held.rating_total
    return [Week(first, *values) for first, values in buckets.items()]
