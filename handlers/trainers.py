"""``trainers [topic]``: the community's directory of trainers, so people find who teaches what.

An employee looks for someone to learn from; a leader sees the bench. Each
trainer shows their topics, sessions delivered, learners and average rating —
the rating only from ``MIN_RATINGS`` up, since one or two ratings say more about
the raters than the trainer. Counted per DESIGN §7 (``storage.directory``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from handlers import levels
from handlers.context import Context, name_of
from handlers.tokens import MAX_TOPIC, UsageError, read_topic
from handlers.types import Reply, Section, private
from storage import directory
from storage import levels as level_data

MIN_RATINGS = 3
SHOWN = 15


@dataclass(frozen=True)
class Trainers:
    topic: str | None = None


def parse_trainers(rest: str) -> Trainers:
    """``trainers public speaking`` and ``trainers #public-speaking`` name one topic."""
    if not rest.strip():
        return Trainers()
    topic = read_topic(rest)
    if not topic or len(topic) > MAX_TOPIC:
        raise UsageError("Give a topic name, like `trainers sql`.", "trainers")
    return Trainers(topic)


async def show(ctx: Context, command: Trainers) -> Reply:
    entries, total = await directory.trainers(ctx.session, ctx.community.id, topic=command.topic, limit=SHOWN)
    about = f" on #{command.topic}" if command.topic else ""
    if not entries:
        return private(f"No trainers{about} yet. Want to teach it? `volunteer {command.topic or '<topic>'}`.")
    ladder = await level_data.records(ctx.session, ctx.community.id, [e.member.id for e in entries])
    entries = [replace(e, level=_level(ladder.get(e.member.id))) for e in entries]
    return private(
        f"{total} trainer{'s' if total != 1 else ''}{about}, most sessions delivered first.",
        title=f"Trainers{about}",
        sections=tuple(_entry(e) for e in entries),
        more=total - len(entries),
    )


def _entry(entry: directory.Entry) -> Section:
    topics = ", ".join(f"#{t}" for t in entry.topics) or "no topics listed"
    fields = [
        ("Sessions delivered", str(entry.sessions)),
        ("Learners", str(entry.learners)),
        ("Rating", _rating(entry)),
    ]
    if entry.level:
        fields.append(("Level", entry.level))
    onboarding = " (onboarding)" if entry.status == "onboarding" else ""
    return Section(text=f"{name_of(entry.member)}{onboarding} — {topics}", fields=tuple(fields))


def _level(record: level_data.Record | None) -> str | None:
    found = levels.level_of(record) if record else None
    return levels.NAMES[found] if found else None


def _rating(entry: directory.Entry) -> str:
    if entry.average is None or entry.ratings < MIN_RATINGS:
        return f"not yet ({entry.ratings} of {MIN_RATINGS} ratings needed)"
    return f"{entry.average:.1f} / 5 from {entry.ratings} ratings"


PARSERS = {"trainers": parse_trainers}
ROUTES = {Trainers: show}
