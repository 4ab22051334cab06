"""Programs: curricula trainers develop together, keep fresh, and deliver through sessions.

Trainers are keener to deliver what they helped write, and learners in repeat
sessions stay awake when the content changes every year; so a program records
its co-authors (who are told when they are added and named in the roundup),
where its materials live, and each content refresh with what changed. Sessions
that run a program add their learners and ratings to it. The refresh clock and
its reminders are the ``refresh-due`` job's (``scheduler.jobs``).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import datetime

from handlers.context import Context, Refusal, name_of
from handlers.report_text import counted
from handlers.tokens import MAX_TEXT, MAX_TOPIC, MENTION, UsageError, clip, mentions, read_program_id, read_topic
from handlers.types import Button, Reply, Section, private, public
from handlers.wording import joined
from storage import programs, trainers
from storage.models import Community, Member, Program, TrainingSession

REFRESH_MONTHS = 12
LIST_LIMIT = 10
MAX_TITLE = 200
MAX_URL = 2000
TRAINING = ("onboarding", "active")
URL = re.compile(r"^<?(https?://[^\s<>|]+)(?:\|[^<>]*)?>?$", re.IGNORECASE)


def refresh_months(community: Community) -> int:
    """How old a program's content may get before its authors are asked to refresh it (``refresh-months``)."""
    return community.refresh_months or REFRESH_MONTHS


# --- commands --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramNew:
    title: str
    topic: str | None = None


@dataclass(frozen=True)
class ProgramsList:
    topic: str | None = None


@dataclass(frozen=True)
class ProgramShow:
    program_id: int


@dataclass(frozen=True)
class ProgramAuthors:
    program_id: int
    people: tuple[str, ...]


@dataclass(frozen=True)
class ProgramLink:
    program_id: int
    url: str


@dataclass(frozen=True)
class ProgramRefreshed:
    program_id: int
    note: str | None = None


def parse_programs(rest: str) -> ProgramsList:
    topic = read_topic(rest) if rest else None
    if topic is not None and (not topic or len(topic) > MAX_TOPIC):
        raise UsageError("Give a topic name, like `programs sql`.", "programs")
    return ProgramsList(topic)


def parse_program(rest: str) -> ProgramNew | ProgramShow | ProgramAuthors | ProgramLink | ProgramRefreshed:
    action, _, args = rest.partition(" ")
    action, args = action.lower(), args.strip()
    if action == "new":
        return _parse_new(args)
    if action in ("show", "authors", "link", "refreshed"):
        first, _, more = args.partition(" ")
        if not first:
            raise UsageError(f"Which program? e.g. `program {action} 3`; `programs` lists them.", "program")
        program_id, more = read_program_id(first), more.strip()
        if action == "show":
            if more:
                raise UsageError("e.g. `program show 3`.", "program")
            return ProgramShow(program_id)
        if action == "authors":
            people = tuple(mentions(more))
            if not people or re.sub(r"[\s,]", "", MENTION.sub("", more)):
                raise UsageError("Mention the co-authors, like `program authors 3 @ana @ben`.", "program")
            return ProgramAuthors(program_id, people)
        if action == "link":
            match = URL.match(more)
            if not match or len(match.group(1)) > MAX_URL:
                raise UsageError("Give the materials' web address, like `program link 3 https://…`.", "program")
            return ProgramLink(program_id, match.group(1))
        if len(more) > MAX_TEXT:
            raise UsageError(f"Say what changed in under {MAX_TEXT} characters.", "program")
        return ProgramRefreshed(program_id, more or None)
    raise UsageError(f"`program {clip(action)}` isn't something I know.", "program")


def _parse_new(args: str) -> ProgramNew:
    try:
        tokens = shlex.split(args)
    except ValueError:
        raise UsageError("A quote is not closed; put the title in \"double quotes\".", "program") from None
    topic = None
    if tokens and tokens[-1].startswith("#"):
        topic = read_topic(tokens.pop())
        if not topic or len(topic) > MAX_TOPIC:
            raise UsageError(f"A topic is a short name (up to {MAX_TOPIC} characters), like `#sql`.", "program")
    title = " ".join(tokens).strip()
    if not title:
        raise UsageError('Give the program a title, like `program new "Three steps of safety" #safety`.', "program")
    if len(title) > MAX_TITLE:
        raise UsageError(f"Titles are limited to {MAX_TITLE} characters.", "program")
    return ProgramNew(title, topic)


# --- use cases ---------------------------------------------------------------------------------------------------


async def load(ctx: Context, program_id: int) -> Program:
    """The program in the asker's community, or a friendly "not found"."""
    found = await programs.find(ctx.session, ctx.community.id, program_id)
    if found is None:
        raise Refusal(f"I can't find program {program_id}. `programs` lists them.")
    return found


async def of_session(ctx: Context, session: TrainingSession) -> Program | None:
    """The program a session delivers, if any."""
    return await programs.find(ctx.session, ctx.community.id, session.program_id) if session.program_id else None


async def _is_trainer(ctx: Context, member: Member) -> bool:
    status = await trainers.trainer_status(ctx.session, member.id)
    return status in TRAINING


async def _require_author(ctx: Context, program: Program) -> None:
    if ctx.is_admin() or await programs.is_author(ctx.session, program.id, ctx.member.id):
        return
    raise Refusal(f"Only the authors of *{program.title}* or an admin can change it.")


def _day(ctx: Context, at: datetime) -> str:
    local = at.astimezone(ctx.zone())
    return f"{local.day} {local:%b %Y}"


async def card(ctx: Context, program: Program) -> Section:
    """The program's card: authors, materials, last refresh and what its sessions add up to."""
    authors = (await programs.authors(ctx.session, [program.id]))[program.id]
    figures = await programs.figures(ctx.session, program.id)
    refreshed = await programs.last_refresh(ctx.session, program.id)
    if refreshed is None:
        last = f"never (created {_day(ctx, program.created_at)})"
    else:
        last = _day(ctx, refreshed.at) + (f" — {refreshed.note}" if refreshed.note else "")
    rating = "no ratings yet" if figures.average_rating is None else (
        f"{figures.average_rating:.1f} / 5 from {counted(figures.ratings, 'rating')}")
    fields = [
        ("Authors", joined([name_of(a) for a in authors]) or "none yet"),
        ("Topic", program.topic or "—"),
        ("Materials", program.materials_url or "no link yet"),
        ("Last refresh", last),
        ("Sessions delivered", str(figures.sessions)),
        ("Learners reached", str(figures.learners)),
        ("Average rating", rating),
    ]
    return Section(text=f"*{program.title}* — program {program.id}", fields=tuple(fields))


def schedule_button(program: Program) -> Button:
    """Opens the session form for this program where there are forms; explains the command elsewhere."""
    return Button("Schedule a session", f"session new program {program.id}", "primary")


async def create(ctx: Context, command: ProgramNew) -> Reply:
    """Trainers (and admins) start a program; a trainer who creates one is its first author."""
    trainer = await _is_trainer(ctx, ctx.member)
    if not trainer and not ctx.is_admin():
        raise Refusal("Programs are written by trainers. Want to help? `volunteer <topic>` makes you one.")
    program = await programs.create(ctx.session, community_id=ctx.community.id, title=command.title,
                                    topic=command.topic, created_by=ctx.member.id, author=trainer, at=ctx.now)
    buttons = (schedule_button(program), Button("Show", f"program show {program.id}"))
    tip = (f"Add co-authors with `program authors {program.id} @…` and the materials with "
           f"`program link {program.id} <url>`.")
    return public(f"{name_of(ctx.member)} started a new program. {tip}",
                  sections=(await card(ctx, program),), buttons=buttons)


async def listing(ctx: Context, command: ProgramsList) -> Reply:
    rows, total = await programs.listing(ctx.session, ctx.community.id, topic=command.topic, limit=LIST_LIMIT)
    about = f" on {command.topic}" if command.topic else ""
    if not rows:
        return private(f"No programs{about} yet. Trainers start one with `program new \"<title>\" #topic`.")
    by_program = await programs.authors(ctx.session, [p.id for p in rows])
    sections = []
    for program in rows:
        title = f"*{program.title}* — program {program.id}" + (f" · #{program.topic}" if program.topic else "")
        authors = joined([name_of(a) for a in by_program[program.id]]) or "no authors yet"
        refreshed = _day(ctx, programs.clock_start(program))
        sections.append(Section(text=title, fields=(("Authors", authors), ("Content from", refreshed)),
                                buttons=(Button("Show", f"program show {program.id}"),)))
    return private(f"{counted(total, 'program')}{about}.", title="Programs", sections=tuple(sections),
                   more=total - len(sections))


async def show(ctx: Context, command: ProgramShow) -> Reply:
    program = await load(ctx, command.program_id)
    buttons = [schedule_button(program)] if await _is_trainer(ctx, ctx.member) or ctx.is_admin() else []
    if ctx.is_admin() or await programs.is_author(ctx.session, program.id, ctx.member.id):
        buttons.append(Button("Mark refreshed", f"program refreshed {program.id}"))
    return private(f"Program {program.id}", sections=(await card(ctx, program),), buttons=tuple(buttons))


async def add_authors(ctx: Context, command: ProgramAuthors) -> Reply:
    """Co-authors must be trainers; each new one is told."""
    program = await load(ctx, command.program_id)
    await _require_author(ctx, program)
    people = [ctx.person(uid) for uid in command.people]
    statuses = await trainers.profiles(ctx.session, [p.id for p in people])
    not_trainers = [p for p in people if p.id not in statuses or statuses[p.id].status == "stopped"]
    if not_trainers:
        raise Refusal(f"{joined([name_of(p) for p in not_trainers])}: co-authors are trainers. "
                      "They can become one with `volunteer <topic>`.")
    added = set(await programs.add_authors(ctx.session, program.id, [p.id for p in people], at=ctx.now))
    new = [p for p in people if p.id in added]
    for person in new:
        if person.id != ctx.member.id:
            ctx.tell(person, private(
                f"{name_of(ctx.member)} added you as a co-author of *{program.title}* (program {program.id}). "
                f"Thank you for shaping it! `program show {program.id}` has the details.",
                buttons=(Button("Show", f"program show {program.id}"),)))
    if not new:
        return private(f"{joined([name_of(p) for p in people])} already co-author *{program.title}*.")
    return private(f"{joined([name_of(p) for p in new])} now co-author *{program.title}*.")


async def link(ctx: Context, command: ProgramLink) -> Reply:
    program = await load(ctx, command.program_id)
    await _require_author(ctx, program)
    await programs.set_link(ctx.session, program.id, command.url)
    return private(f"The materials of *{program.title}* are at {command.url}.")


async def refreshed(ctx: Context, command: ProgramRefreshed) -> Reply:
    """Record a content update (what changed goes into the history); it restarts the refresh clock."""
    program = await load(ctx, command.program_id)
    await _require_author(ctx, program)
    await programs.refresh(ctx.session, program.id, by=ctx.member.id, note=command.note, at=ctx.now)
    due = programs.months_after(ctx.now, refresh_months(ctx.community))
    what = f" ({command.note})" if command.note else ""
    return private(f"Recorded a refresh of *{program.title}*{what}. The next one is due by {_day(ctx, due)}.")


async def mine(ctx: Context, member: Member) -> Section | None:
    """``me``: the programs a trainer co-authors (None when there are none)."""
    owned = await programs.of_author(ctx.session, member.id)
    if not owned:
        return None
    lines = [f"• *{p.title}* — program {p.id}" + (f" · #{p.topic}" if p.topic else "") for p in owned]
    return Section(text="*Programs you co-author*\n" + "\n".join(lines))


def refresh_notice(program: Program, months: int, *, reminder: bool) -> Reply:
    """What the ``refresh-due`` job tells each author of a program whose content is due for its refresh."""
    start = programs.clock_start(program)
    since = f"{start.day} {start:%b %Y}"
    ago = "a year" if months == 12 else counted(months, "month")
    opening = "A monthly reminder: the" if reminder else "The"
    return private(
        f"{opening} content of *{program.title}* (program {program.id}) was last refreshed on {since}, more than "
        f"{ago} ago. Fresh examples, videos and exercises keep repeat sessions alive — once you've updated it, "
        f"record it with `program refreshed {program.id} <what changed>`.",
        title="Program due for a refresh",
        buttons=(Button("Mark refreshed", f"program refreshed {program.id}", "primary"),
                 Button("Show", f"program show {program.id}")),
    )


PARSERS = {"program": parse_program, "programs": parse_programs}
ROUTES = {
    ProgramNew: create,
    ProgramsList: listing,
    ProgramShow: show,
    ProgramAuthors: add_authors,
    ProgramLink: link,
    ProgramRefreshed: refreshed,
}
