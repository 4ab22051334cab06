"""The leadership digest: one page per week, month, quarter or year, its preview, and the one-pager.

Leaders read it to decide whether to keep backing the community, so every figure
comes with its change against the previous period and its total since the first
session; money and time come with their formulas; the voices are the best *and*
the most critical comments (never with names); and a word on trainer workload:
anyone over the burnout threshold is named so that someone checks in with them.
The figures are gathered once (``handlers.digest_data``) for every rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import spans
from handlers.context import Context, Refusal, name_of
from handlers.digest_data import LOW_RATED_BELOW, DigestData, Figure, gather
from handlers.digest_money import HOW_TO_SET
from handlers.report_text import counted, names_of, quoted
from handlers.tokens import UsageError
from handlers.types import Reply, Section, public
from storage.models import Community

USAGE_HINT = "e.g. `digest`, `digest quarter` or `digest quarter so far`."


@dataclass(frozen=True)
class Digest:
    """``digest [week|month|quarter|year] [so far]``: a private preview of the digest."""

    period: spans.Unit = "month"
    so_far: bool = False


def parse_digest(rest: str) -> Digest:
    words = rest.lower().split()
    period: str = "month"
    if words and words[0] in ("week", "month", "quarter", "year"):
        period = words.pop(0)
    so_far = words[:2] == ["so", "far"]
    if so_far:
        words = words[2:]
    if words:
        raise UsageError(f"The digest covers a `week`, `month`, `quarter` or `year`; {USAGE_HINT}", "digest")
    return Digest(period, so_far)  # type: ignore[arg-type]


def _field(figure: Figure, since: str | None) -> tuple[str, str]:
    """``12  (▲ 20%) · 140 since Mar 2026`` and, on the next line, the formula in italics."""
    shown = figure.shown()
    if figure.change:
        shown += f"  ({figure.change})"
    if figure.total is not None and since:
        shown += f" · {figure.shown(figure.total)} since {since}"
    if figure.formula:
        shown += f"\n_= {figure.formula}_"
    return figure.label, shown


def since_label(data: DigestData) -> str | None:
    return f"{data.since:%b %Y}" if data.since else None


def sections(data: DigestData) -> list[Section]:
    """The digest's sections, in the order a leader reads them: delivery, value, reach, topics, demand, voices,
    workload."""
    since = since_label(data)
    delivery = [_field(f, since) for f in data.delivery]
    found = [Section("📊 *Delivery*" + (f"\n🎯 Reach: {data.reach}." if data.reach else ""), fields=tuple(
        delivery[:6])), Section("⭐ *Quality and participation*", fields=tuple(delivery[6:]))]
    found.append(Section("💶 *Value*" + ("" if data.has_rates else f"\n{HOW_TO_SET}"),
                         fields=tuple(_field(f, since) for f in data.value)))
    if data.topics:
        lines = [f"• *{t.topic}* — {counted(t.sessions, 'session')}, {counted(t.learners, 'learner')}"
                 + (f", {t.average_rating:.1f}★" if t.average_rating is not None else "") for t in data.topics]
        if data.more_topics:
            lines.append(f"…and {counted(data.more_topics, 'more topic')}.")
        found.append(Section("🗂 *By topic*\n" + "\n".join(lines)))
    found.append(Section("📥 *Demand*\n" + "\n".join(demand_lines(data))))
    found.append(Section("💬 *What learners said*\n" + "\n".join(voice_lines(data))))
    if data.low_rated:
        found.append(Section("📉 *For trainers' leads*\n" + low_rated_line(data)))
    found.append(Section("🧭 *Trainer workload*\n" + "\n".join(workload_lines(data))))
    return found


def demand_lines(data: DigestData) -> list[str]:
    lines = []
    for d in data.demand:
        parts = [counted(d.waitlisted, "person", "people") + " waitlisted"] if d.waitlisted else []
        parts += [counted(d.full_sessions, "session") + " full"] if d.full_sessions else []
        lines.append(f"• *{d.topic}* — {', '.join(parts)}")
    lines += [f"• *{topic}* — {counted(n, 'open request')}" for topic, n in data.open_requests]
    return lines or ["No waitlists and no full sessions this period."]


def voice_lines(data: DigestData) -> list[str]:
    lines = [f"👍 {quoted(v.comment)} — on *{v.title}* ({v.rating}★)" for v in data.praise]
    lines += [f"⚠️ {quoted(v.comment)} — on *{v.title}* ({v.rating}★)" for v in data.concerns]
    return lines or ["No written comments this period."]


def low_rated_line(data: DigestData) -> str:
    named = ", ".join(f"*{s.title}* ({s.average:.1f}★ from {counted(s.ratings, 'rating')})" for s in data.low_rated)
    more = data.low_rated_total - len(data.low_rated)
    rest = f", and {more} more" if more else ""
    return (f"{counted(data.low_rated_total, 'session')} averaged below {LOW_RATED_BELOW}★: {named}{rest}. "
            "Worth a word with their trainers' leads.")


def workload_lines(data: DigestData) -> list[str]:
    lines = []
    if data.busiest:
        lines.append("Sessions per trainer: " + ", ".join(f"{name_of(m)} {n}" for m, n in data.busiest) + ".")
    rule = f"more than {counted(data.burnout_threshold, 'session')} in the 4 weeks to the end of the period"
    if data.overloaded:
        lines.append(f"⚠️ Above the burnout threshold ({rule}): "
                     + ", ".join(f"{name_of(m)} ({n})" for m, n in data.overloaded) + ". Worth a check-in.")
    else:
        lines.append(f"✅ No trainer above the burnout threshold ({rule}).")
    return lines


def headline(data: DigestData) -> str:
    learners = data.figure("Learners trained")
    moved = f" ({learners.change})" if learners.change else ""
    since = since_label(data)
    total = f"; {counted(int(learners.total or 0), 'learner')} since {since}" if since else ""
    return f"In {data.span.label}, {counted(int(learners.value or 0), 'learner')} trained{moved}{total}."


def digest_reply(data: DigestData) -> Reply:
    """The digest as a neutral reply (public, for the digest channel)."""
    return public(
        headline(data),
        title=f"Leadership digest — {data.span.label}",
        sections=tuple(sections(data)),
        names=names_of([m for m, _ in [*data.busiest, *data.overloaded]]),
    )


async def leadership_digest(session: AsyncSession, community: Community, span: spans.Span, zone: ZoneInfo) -> Reply:
    """The digest for ``span`` (a whole local week, month, quarter or year), ready to post."""
    return digest_reply(await gather(session, community, span, zone))


async def preview(ctx: Context, command: Digest) -> Reply:
    """Show admins and leaders the digest of the last complete period, privately."""
    if not ctx.is_leader():
        raise Refusal("The digest preview is for Guild admins and leaders. It's posted to the leadership "
                      "channel regularly; ask an admin if you'd like to see it.")
    zone = ctx.community_zone()
    if command.so_far:
        span = spans.so_far(command.period, ctx.now, zone)
    else:
        span = spans.last_complete(command.period, ctx.now, zone)
    reply = await leadership_digest(ctx.session, ctx.community, span, zone)
    return replace(reply, public=False, text=f"Preview, only for you. {reply.text}")


PARSERS = {"digest": parse_digest}
ROUTES = {Digest: preview}
