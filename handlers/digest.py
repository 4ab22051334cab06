"""The leadership digest: one page per week, month or quarter, and its private preview.

Leaders read it to decide whether to keep backing the community, so every figure
comes with its change against the previous period, a few real voices from the
feedback (never with names), and a word on trainer workload: anyone over the
burnout threshold is named so that someone checks in with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import spans
from handlers.context import Context, Refusal, name_of
from handlers.report_text import counted, names_of, quoted
from handlers.tokens import UsageError
from handlers.types import Reply, Section, public
from storage import stats
from storage.models import Community

BURNOUT_WINDOW = timedelta(weeks=4)
QUOTES = 3
BUSIEST = 5

Kind = Literal["count", "hours", "rate", "rating"]
DigestPeriod = Literal["week", "month", "quarter"]


@dataclass(frozen=True)
class Digest:
    """``digest [week|month|quarter]``: a private preview of the leadership digest."""

    period: DigestPeriod = "month"


def parse_digest(rest: str) -> Digest:
    period = rest.lower() or "month"
    if period not in ("week", "month", "quarter"):
        raise UsageError("The digest covers a `week`, `month` or `quarter`.", "digest")
    return Digest(period)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Figure:
    label: str
    value: float | None
    previous: float | None
    kind: Kind = "count"

    def shown(self) -> str:
        return f"{_format(self.value, self.kind)}  {change(self.value, self.previous, self.kind)}"


def _format(value: float | None, kind: Kind) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value:.0%}"
    if kind == "rating":
        return f"{value:.1f} / 5"
    if kind == "hours":
        return f"{value:,.1f} h"
    return f"{value:,.0f}"


def change(value: float | None, previous: float | None, kind: Kind = "count") -> str:
    """▲/▼ against the previous period: percentage points for rates, per cent for the rest."""
    if value is None or previous is None:
        return "(no comparison)"
    if kind == "rate":
        return _arrow((value - previous) * 100, "pts")
    if previous == 0:
        return "(no change)" if value == 0 else "(▲ new)"
    return _arrow((value - previous) / previous * 100, "%")


def _arrow(delta: float, unit: str) -> str:
    """Rounded half up, as people round: 12.5% shows as 13%."""
    size = int(abs(delta) + 0.5)
    if size == 0:
        return "(no change)"
    return f"({'▲' if delta > 0 else '▼'} {size}{'' if unit == '%' else ' '}{unit})"


async def figures(session: AsyncSession, community_id: int, span: spans.Span, zone: ZoneInfo) -> list[Figure]:
    """The digest's figures for ``span``, each beside the previous period's."""
    before = spans.previous(span, zone)
    now_t = await stats.training_figures(session, community_id, span.start, span.end)
    then_t = await stats.training_figures(session, community_id, before.start, before.end)
    now_k = await stats.kudos_figures(session, community_id, span.start, span.end)
    then_k = await stats.kudos_figures(session, community_id, before.start, before.end)
    now_v = await stats.volunteer_count(session, community_id, span.start, span.end)
    then_v = await stats.volunteer_count(session, community_id, before.start, before.end)
    return [
        Figure("Learners trained", now_t.learners, then_t.learners),
        Figure("Unique learners", now_t.unique_learners, then_t.unique_learners),
        Figure("Sessions delivered", now_t.sessions, then_t.sessions),
        Figure("Training hours", now_t.hours, then_t.hours, "hours"),
        Figure("Attendance rate", now_t.attendance_rate, then_t.attendance_rate, "rate"),
        Figure("Average rating", now_t.average_rating, then_t.average_rating, "rating"),
        Figure("Feedback response rate", now_t.response_rate, then_t.response_rate, "rate"),
        Figure("Active trainers", now_t.trainers, then_t.trainers),
        Figure("New volunteers", now_v, then_v),
        Figure("Kudos given", now_k.count, then_k.count),
    ]


async def leadership_digest(session: AsyncSession, community: Community, span: spans.Span, zone: ZoneInfo) -> Reply:
    """The digest for ``span`` (a whole local week, month or quarter), ready to post."""
    shown = await figures(session, community.id, span, zone)
    sections = [Section(fields=tuple((f.label, f.shown()) for f in shown))]
    quotes = await stats.feedback_quotes(session, community.id, span.start, span.end, QUOTES)
    if quotes:
        sections.append(Section("💬 *What learners said*\n" + "\n".join(
            f"> {quoted(comment)} — on *{title}* ({rating}★)" for comment, rating, title in quotes
        )))
    busiest = await stats.sessions_per_trainer(session, community.id, span.start, span.end, BUSIEST)
    threshold = community.burnout_threshold
    overloaded = await stats.overloaded_trainers(
        session, community.id, span.end - BURNOUT_WINDOW, span.end, threshold
    )
    workload = []
    if busiest:
        workload.append("Sessions per trainer: " + ", ".join(f"{name_of(m)} {n}" for m, n in busiest) + ".")
    rule = f"more than {counted(threshold, 'session')} in the 4 weeks to the end of the period"
    if overloaded:
        workload.append(f"⚠️ Above the burnout threshold ({rule}): "
                        + ", ".join(f"{name_of(m)} ({n})" for m, n in overloaded) + ". Worth a check-in.")
    else:
        workload.append(f"✅ No trainer above the burnout threshold ({rule}).")
    sections.append(Section("🧭 *Trainer workload*\n" + "\n".join(workload)))
    headline = next(f for f in shown if f.label == "Learners trained")
    learners = counted(int(headline.value or 0), "learner")
    return public(
        f"In {span.label}, {learners} trained {change(headline.value, headline.previous)}.",
        title=f"Leadership digest — {span.label}",
        sections=tuple(sections),
        names=names_of([m for m, _ in [*busiest, *overloaded]]),
    )


async def preview(ctx: Context, command: Digest) -> Reply:
    """Show admins and leaders the digest of the last complete period, privately."""
    if not ctx.is_leader():
        raise Refusal("The digest preview is for Guild admins and leaders. It's posted to the leadership "
                      "channel regularly; ask an admin if you'd like to see it.")
    zone = ctx.community_zone()
    span = spans.last_complete(command.period, ctx.now, zone)
    reply = await leadership_digest(ctx.session, ctx.community, span, zone)
    return replace(reply, public=False, text=f"Preview, only for you. {reply.text}")


PARSERS = {"digest": parse_digest}
ROUTES = {Digest: preview}
