"""The digest in words: its sections for chat, and the lines the one-pager shares with them.

``handlers.digest`` (the chat digest and the scheduled post) and
``handlers.report`` (the one-pager file) render the same ``DigestData`` with
these, so a headline or a quote reads the same everywhere.
"""

from __future__ import annotations

import asyncio

from handlers import charts, spans
from handlers.context import name_of
from handlers.digest_data import LOW_RATED_BELOW, DigestData, Figure
from handlers.digest_money import HOW_TO_SET
from handlers.report_text import counted, names_of, quoted
from handlers.tokens import MAX_TOPIC, slug
from handlers.types import Attachment, Chart, Reply, Section, Series, public
from handlers.workload import hours, hours_bar


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
    lines += [f"• *{topic}* — requested by {counted(n, 'person', 'people')} (open now)"
              for topic, n in data.open_requests]
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
    bar = hours(hours_bar(data.burnout_threshold))
    if data.overloaded_hours:
        lines.append(f"⚠️ More than {bar} of delivery in those 4 weeks: "
                     + ", ".join(f"{name_of(m)} ({hours(n)})" for m, n in data.overloaded_hours) + ".")
    else:
        lines.append(f"✅ Nobody above {bar} of delivery in those 4 weeks.")
    rule = f"the same program or title more than {data.repeat_limit} times in those 4 weeks"
    if data.repeated:
        lines.append(f"🔁 Repetition ({rule}): "
                     + ", ".join(f"{name_of(m)} — *{title}* ×{n}" for m, title, n in data.repeated)
                     + ". Variety helps: a co-deliverer or a refresh.")
    else:
        lines.append(f"✅ No repetition ({rule}).")
    if data.weakest_competency:
        round_id, name, average = data.weakest_competency
        lines.append(f"🎓 Competency survey round {round_id}: the weakest is *{name}* ({average:.1f} of 5) — worth "
                     f"a session on it that only trainers can sign up for: {trainers_session(name)}.")
    return lines


def trainers_session(competency: str) -> str:
    """The ``session new … for trainers`` a leader can pass on for a competency, with the inputs left to fill."""
    title = competency[:1].upper() + competency[1:].replace('"', "'")
    topic = slug(competency)[:MAX_TOPIC].strip("-")
    return f'`session new "{title}" <YYYY-MM-DD> <HH:MM> 60m <seats> #{topic} for trainers`'


def headline(data: DigestData) -> str:
    learners = data.figure("Learners trained")
    moved = f" ({learners.change})" if learners.change else ""
    since = since_label(data)
    total = f"; {counted(int(learners.total or 0), 'learner')} since {since}" if since else ""
    return f"In {data.span.label}, {counted(int(learners.value or 0), 'learner')} trained{moved}{total}."


def digest_reply(data: DigestData, chart: Chart | None = None) -> Reply:
    """The digest as a neutral reply (public, for the digest channel)."""
    return public(
        headline(data),
        title=f"Leadership digest — {data.span.label}",
        sections=tuple(sections(data)),
        names=names_of([m for m, _ in [*data.busiest, *data.overloaded]]),
        chart=chart,
    )


def chart_title(data: DigestData) -> str:
    last = data.weeks[-1].first if data.weeks else data.span.first
    return f"Learners and sessions per week, {len(data.weeks)} weeks to the week of {last.day} {last:%b %Y}"


def file_stem(span: spans.Span) -> str:
    return f"guild-digest-{span.key}{'-so-far' if span.so_far else ''}"


async def chart_of(data: DigestData) -> Chart | None:
    """The weekly chart: its data (for Teams' own chart elements) and its PNG (rendered off the event loop)."""
    if not data.weeks:
        return None
    title = chart_title(data)
    picture = await asyncio.to_thread(charts.png, data.weeks, title)
    return Chart(
        title=title,
        labels=tuple(charts.week_label(w) for w in data.weeks),
        bars=(Series("Learners", tuple(w.learners for w in data.weeks)),
              Series("Sessions", tuple(w.sessions for w in data.weeks))),
        line=Series("Average rating", tuple(
            round(w.average_rating, 2) if w.average_rating is not None else None for w in data.weeks)),
        image=Attachment(f"{file_stem(data.span)}.png", picture, "image/png", title),
    )
