"""The competency survey: trainers rate themselves 1–5 per competency, so the community learns what to teach them.

``admin survey start`` opens a round with the community's competency list
(``admin set competencies a, b, c``; defaults below) and sends every active
trainer the form privately: one row of 1–5 buttons per competency (each
button is ``survey rate <round> <n> <rating>``), or the whole answer typed
(``survey answer 4 5 3 2 4 5 : comment``). ``survey`` reopens it. A second
answer in the same round replaces the first. One reminder goes out 3 days after
the start (the hourly ``onboarding-nudges`` scan, ledger job ``survey-reminder``).
``survey results`` (admins, leaders) shows responses / invited, the average and
spread per competency, the weakest three and the change since the previous
round; individual answers are shown only to the trainer (``me``) and in
``export competencies``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.context import Context, Refusal
from handlers.tokens import MAX_TEXT, UsageError, whole_number
from handlers.types import Button, Reply, Section, private
from storage import survey
from storage.models import Community, SurveyRound

DEFAULTS = ("giving feedback", "building partnerships", "handling conflict", "managing energy and avoiding burnout",
            "engaging a group", "designing materials")
REMINDER_AFTER = timedelta(days=3)
WEAKEST = 3
MAX_COMPETENCIES = 12
MAX_NAME = 100


def competencies_of(community: Community) -> list[str]:
    """The community's list (``admin set competencies``), else the defaults."""
    if community.competencies:
        return [c for c in community.competencies.split("\n") if c]
    return list(DEFAULTS)


def parse_competencies(text: str) -> str | None:
    """``a, b, c`` for ``admin set competencies`` (``default`` restores the defaults)."""
    if text.strip().lower() in ("default", "defaults", "none"):
        return None
    names = list(dict.fromkeys(" ".join(n.split()).lower() for n in text.split(",") if n.strip()))
    if len(names) < 2 or len(names) > MAX_COMPETENCIES or any(len(n) > MAX_NAME for n in names):
        raise UsageError(f"List 2 to {MAX_COMPETENCIES} competencies separated by commas, like "
                         "`admin set competencies giving feedback, handling conflict`.", "admin")
    return "\n".join(names)


def show_competencies(value: object) -> str:
    return ", ".join(str(value).split("\n")) if value else ", ".join(DEFAULTS) + " (defaults)"


# --- commands --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyOpen:
    pass


@dataclass(frozen=True)
class SurveyResults:
    pass


@dataclass(frozen=True)
class SurveyRate:
    round_id: int
    index: int  # 1-based position in the round's list
    rating: int


@dataclass(frozen=True)
class SurveyAnswer:
    ratings: tuple[int, ...]
    comment: str | None = None


@dataclass(frozen=True)
class SurveyComment:
    text: str


@dataclass(frozen=True)
class AdminSurveyStart:
    pass


def parse_survey(rest: str) -> SurveyOpen | SurveyResults | SurveyRate | SurveyAnswer | SurveyComment:
    action, _, args = rest.strip().partition(" ")
    action, args = action.lower(), args.strip()
    if not action:
        return SurveyOpen()
    if action == "results" and not args:
        return SurveyResults()
    if action == "rate":
        words = args.split()
        if len(words) != 3:
            raise UsageError("e.g. `survey rate 1 2 4` (round, competency number, rating 1-5).", "survey")
        return SurveyRate(whole_number(words[0], "the round", 1, 999_999_999, "survey"),
                          whole_number(words[1], "the competency number", 1, MAX_COMPETENCIES, "survey"),
                          whole_number(words[2], "the rating", 1, 5, "survey"))
    if action == "answer":
        numbers, _, comment = args.partition(":")
        ratings = tuple(whole_number(w, "each rating", 1, 5, "survey") for w in re.split(r"[\s,]+", numbers.strip())
                        if w)
        if not ratings:
            raise UsageError("Give one rating (1-5) per competency, like `survey answer 4 3 5 2 4 3 : comment`.",
                             "survey")
        text = comment.strip()
        if len(text) > MAX_TEXT:
            raise UsageError(f"Comments are limited to {MAX_TEXT} characters.", "survey")
        return SurveyAnswer(ratings, text or None)
    if action == "comment":
        if not args or len(args) > MAX_TEXT:
            raise UsageError(f"e.g. `survey comment I'd love a session on facilitation` (up to {MAX_TEXT} "
                             "characters).", "survey")
        return SurveyComment(args)
    raise UsageError(f"`survey {action[:20]}` isn't something I know.", "survey")


def parse_admin_survey(rest: str) -> AdminSurveyStart:
    if rest.strip().lower() != "start":
        raise UsageError("e.g. `admin survey start`.", "admin")
    return AdminSurveyStart()


# --- use cases ---------------------------------------------------------------------------------------------------


def form(round_: SurveyRound, given: dict[str, int] | None = None, *, reminder: bool = False) -> Reply:
    """The survey for one trainer: a row of 1–5 buttons per competency (their current rating marked)."""
    names = survey.competencies(round_)
    given = given or {}
    sections = []
    for n, name in enumerate(names, start=1):
        mark = f" — your rating: {given[name]}" if name in given else ""
        sections.append(Section(text=f"*{n}. {name.capitalize()}*{mark}", buttons=tuple(
            Button(str(r), f"survey rate {round_.id} {n} {r}", "primary" if given.get(name) == r else None)
            for r in range(1, 6))))
    opening = "A reminder: the" if reminder else "The"
    return private(
        f"{opening} competency survey is open (round {round_.id}). Rate yourself from 1 (just starting) to 5 "
        "(could teach it) on each — it helps Guild plan sessions for trainers. Only you and the admins' export "
        "see your answers; everyone else sees averages. Tap a number, or type them all: "
        f"`survey answer {' '.join(['4'] * len(names))} : optional comment`. Add a comment with "
        "`survey comment <text>`.",
        title="Competency survey",
        sections=tuple(sections),
    )


async def start(ctx: Context, command: AdminSurveyStart) -> Reply:
    """Open a round and send every active trainer the form."""
    ctx.require_admin()
    names = competencies_of(ctx.community)
    trainer_ids = await survey.active_trainers(ctx.session, ctx.community.id)
    if not trainer_ids:
        raise Refusal("There are no active trainers to ask yet.")
    round_ = await survey.open_round(ctx.session, ctx.community.id, competencies=names, invited=len(trainer_ids),
                                     by=ctx.member.id, at=ctx.now)
    people = await _members(ctx, trainer_ids)
    for person in people:
        ctx.tell(person, form(round_))
    return private(f"Competency survey round {round_.id} is open: I sent it to {len(people)} active trainer"
                   f"{'s' if len(people) != 1 else ''} ({', '.join(names)}). They get one reminder after 3 days; "
                   "`survey results` shows the figures.")


async def _members(ctx: Context, ids: list[int]) -> list:  # type: ignore[type-arg]
    from storage import members

    found = await members.by_ids(ctx.session, ids)
    return [found[i] for i in ids if i in found]


async def _open_round(ctx: Context) -> SurveyRound:
    round_ = await survey.latest(ctx.session, ctx.community.id)
    if round_ is None:
        raise Refusal("There is no competency survey open. Admins start one with `admin survey start`.")
    return round_


async def _require_trainer(ctx: Context) -> None:
    from storage import trainers

    if await trainers.trainer_status(ctx.session, ctx.member.id) not in ("active", "onboarding", "paused"):
        raise Refusal("The competency survey is for trainers. `volunteer <topic>` makes you one.")


async def reopen(ctx: Context, command: SurveyOpen) -> Reply:
    await _require_trainer(ctx)
    round_ = await _open_round(ctx)
    mine = await survey.answer_of(ctx.session, round_.id, ctx.member.id)
    return form(round_, mine[0] if mine else None)


async def rate(ctx: Context, command: SurveyRate) -> Reply:
    await _require_trainer(ctx)
    latest = await _open_round(ctx)
    if command.round_id != latest.id:
        raise Refusal(f"Round {command.round_id} is closed; round {latest.id} is open — `survey` shows it.")
    names = survey.competencies(latest)
    if command.index > len(names):
        raise Refusal(f"This round has {len(names)} competencies.")
    name = names[command.index - 1]
    await survey.rate(ctx.session, latest.id, ctx.member.id, {name: command.rating}, None, replace_all=False,
                      at=ctx.now)
    given = (await survey.answer_of(ctx.session, latest.id, ctx.member.id) or ({}, None))[0]
    left = len(names) - len(given)
    more = f" {left} to go." if left else " That's all of them — thank you!"
    return private(f"*{name.capitalize()}*: {command.rating}.{more}")


async def answer(ctx: Context, command: SurveyAnswer) -> Reply:
    await _require_trainer(ctx)
    latest = await _open_round(ctx)
    names = survey.competencies(latest)
    if len(command.ratings) != len(names):
        raise Refusal(f"Give {len(names)} ratings, one per competency in this order: " + "; ".join(
            f"{n}. {c}" for n, c in enumerate(names, start=1)) + ".")
    replaced = await survey.answer_of(ctx.session, latest.id, ctx.member.id) is not None
    await survey.rate(ctx.session, latest.id, ctx.member.id, dict(zip(names, command.ratings, strict=True)),
                      command.comment, replace_all=True, at=ctx.now)
    return private(("Replaced your earlier answer. " if replaced else "") +
                   "Thank you — your self-ratings are in. `me` shows them; `survey` lets you change them.")


async def comment(ctx: Context, command: SurveyComment) -> Reply:
    await _require_trainer(ctx)
    latest = await _open_round(ctx)
    await survey.rate(ctx.session, latest.id, ctx.member.id, {}, command.text, replace_all=False, at=ctx.now)
    return private("Thanks — your comment is with the survey.")


@dataclass(frozen=True)
class Results:
    round: SurveyRound
    responses: int
    figures: dict[str, survey.Figure]
    previous: dict[str, survey.Figure]

    def weakest(self, n: int = WEAKEST) -> list[survey.Figure]:
        return sorted(self.figures.values(), key=lambda f: (f.average, f.competency))[:n]


async def results_of(session, community_id: int, *, before: datetime | None = None) -> Results | None:  # type: ignore[no-untyped-def]
    latest = await survey.latest(session, community_id, before=before)
    if latest is None:
        return None
    earlier = await survey.latest(session, community_id, before=before, skip=1)
    return Results(latest, len(await survey.responded(session, latest.id)), await survey.figures(session, latest.id),
                   await survey.figures(session, earlier.id) if earlier else {})


async def results(ctx: Context, command: SurveyResults) -> Reply:
    if not ctx.is_leader():
        raise Refusal("Survey results are for Guild admins and leaders. Your own answers are in `me`.")
    found = await results_of(ctx.session, ctx.community.id)
    if found is None:
        return private("No competency survey yet. Admins start one with `admin survey start`.")
    lines = []
    for name in survey.competencies(found.round):
        figure = found.figures.get(name)
        if figure is None:
            lines.append(f"• {name.capitalize()}: no answers yet")
            continue
        before = found.previous.get(name)
        change = f" ({figure.average - before.average:+.1f} since the previous round)" if before else ""
        lines.append(f"• {name.capitalize()}: average {figure.average:.1f}, spread ±{figure.spread:.1f}{change}")
    weakest = ", ".join(f"{f.competency} ({f.average:.1f})" for f in found.weakest())
    fields = [("Responses", f"{found.responses} of {found.round.invited} invited")]
    if weakest:
        fields.append(("Weakest", weakest))
    return private(f"Competency survey, round {found.round.id}", title="Competency survey results",
                   sections=(Section(fields=tuple(fields)), Section(text="\n".join(lines))))


async def mine(ctx: Context) -> Section | None:
    """``me``: the trainer's own answers in the latest round (None when they gave none)."""
    latest = await survey.latest(ctx.session, ctx.community.id)
    if latest is None:
        return None
    given = await survey.answer_of(ctx.session, latest.id, ctx.member.id)
    if given is None:
        return None
    ratings, note = given
    lines = [f"{name.capitalize()}: {ratings[name]}" for name in survey.competencies(latest) if name in ratings]
    if note:
        lines.append(f"Comment: {note}")
    return Section(text=f"*Your competency self-ratings (round {latest.id})*\n" + "\n".join(lines))


PARSERS = {"survey": parse_survey}
ROUTES = {
    SurveyOpen: reopen,
    SurveyResults: results,
    SurveyRate: rate,
    SurveyAnswer: answer,
    SurveyComment: comment,
    AdminSurveyStart: start,
}
