"""The weekly recognition roundup: a week of thanks, training and milestones in one calm post.

It names the most thanked people but also calls out everyone thanked for the
first time ever, so that the same few names do not fill every week. A week with
nothing to tell gives no post at all (``None``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import milestones
from handlers.context import name_of
from handlers.report_text import counted, names_of, quoted
from handlers.types import Reply, Section, public
from handlers.wording import joined
from storage import programs, stats
from storage.models import Community, Member

TOP_RECIPIENTS = 5
HIGHLIGHTS = 3
VALUES = 3
NEWCOMERS = 10
VOLUNTEERS = 10


async def weekly_roundup(
    session: AsyncSession, community: Community, start: datetime, end: datetime, zone: ZoneInfo
) -> Reply | None:
    """The roundup for [start, end), or None when the week had nothing to celebrate."""
    kudos = await stats.kudos_figures(session, community.id, start, end)
    training = await stats.training_figures(session, community.id, start, end)
    volunteer_total = await stats.volunteer_count(session, community.id, start, end)
    reached = await milestones.announced(session, community.id, start, end)
    program_news = await programs.events_between(session, community.id, start, end)
    if not (kudos.count or training.sessions or volunteer_total or reached or program_news):
        return None
    people: list[Member] = []
    names: dict[str, str] = {}
    sections: list[Section] = []
    if kudos.count:
        top = await stats.top_recipients(session, community.id, start, end, TOP_RECIPIENTS)
        people += [member for member, _ in top]
        thanked = [f"{name_of(member)} ({n})" for member, n in top]
        if kudos.recipients > len(top):
            thanked.append(counted(kudos.recipients - len(top), "other"))
        lines = [f"🙌 *{counted(kudos.count, 'kudos', 'kudos')}* for {counted(kudos.recipients, 'person', 'people')}: "
                 f"{joined(thanked)}."]
        values = await stats.top_values(session, community.id, start, end, VALUES)
        if values:
            lines.append("Values most named: " + ", ".join(f"#{value} ({n})" for value, n in values) + ".")
        sections.append(Section("\n".join(lines)))
        quotes = []
        for row, giver, receiver in await stats.highlights(session, community.id, start, end, HIGHLIGHTS):
            people += [giver, receiver]
            quotes.append(f"> {quoted(row.message)}\n> — {name_of(giver)} to {name_of(receiver)}")
        sections.append(Section("💬 *Highlights*\n" + "\n".join(quotes)))
        newcomers, newcomer_total = await stats.first_time_recipients(session, community.id, start, end, NEWCOMERS)
        if newcomers:
            people += newcomers
            named = [name_of(m) for m in newcomers] + (
                [counted(newcomer_total - len(newcomers), "other")] if newcomer_total > len(newcomers) else []
            )
            sections.append(Section(f"🌱 First kudos ever for {joined(named)} — welcome to the spotlight!"))
    if training.sessions:
        sections.append(Section(f"🎓 {counted(training.sessions, 'session')} delivered, "
                                f"{counted(training.learners, 'learner')} trained."))
    if volunteer_total:
        volunteers = await stats.new_volunteers(session, community.id, start, end, VOLUNTEERS)
        people += volunteers
        named = [name_of(m) for m in volunteers] + (
            [counted(volunteer_total - len(volunteers), "other")] if volunteer_total > len(volunteers) else []
        )
        sections.append(Section(f"👋 Welcome to our new volunteer {'trainer' if volunteer_total == 1 else 'trainers'} "
                                f"{joined(named)}!"))
    if program_news:
        lines = []
        for event in program_news:
            people += event.authors
            by = f" by {joined([name_of(a) for a in event.authors])}" if event.authors else ""
            if event.kind == "created":
                lines.append(f"• New program *{event.program.title}*{by}")
            else:
                changed = f": {quoted(event.note)}" if event.note else ""
                lines.append(f"• *{event.program.title}* refreshed{by}{changed}")
        sections.append(Section("📚 *Programs*\n" + "\n".join(lines)))
    if reached:
        for milestone in reached:
            names.update(milestone.names)
        sections.append(Section("🏆 *Milestones*\n" + "\n".join(f"• {m.text}" for m in reached)))
    first, last = start.astimezone(zone), (end - timedelta(seconds=1)).astimezone(zone)
    return public(
        f"Here's what our community did in the week of {first:%-d %b} – {last:%-d %b %Y}.",
        title="Weekly recognition roundup",
        sections=tuple(sections),
        names={**names, **names_of(people)},
    )
