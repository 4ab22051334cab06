"""Workload that sees hours, repetition and each trainer's own cap.

Delivering the same session five days a week burns trainers out, so besides the
session count (``admin burnout``) the hourly ``burnout-alerts`` scan also
counts delivery hours — more than two hours per session of the threshold in 4
weeks (24 h by default) is flagged too — and watches repetition: one trainer
delivering the same program (or the same title) more than ``repeat-limit`` times
in 4 weeks is told, with the admins, once per 4 weeks, and offered the trainers
who could co-deliver it. ``volunteer capacity <n>`` lets a trainer cap their
sessions per month; scheduling beyond it asks to confirm first.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.context import Context, Refusal, name_of
from handlers.report_text import counted, names_of
from handlers.tokens import UsageError, whole_number
from handlers.types import Button, Reply, private
from handlers.wording import joined
from storage import trainers, workload
from storage.models import Member

REPEAT_LIMIT = 8
HOURS_PER_SESSION = 2
"""The hours bar is the session threshold times this: 12 sessions → 24 hours in 4 weeks."""
MAX_CAPACITY = 100


def repeat_limit(community: Any) -> int:
    return community.repeat_limit or REPEAT_LIMIT


def hours_bar(threshold: int) -> int:
    """Delivery minutes above which a trainer is flagged, whatever their session count."""
    return threshold * HOURS_PER_SESSION * 60


def hours(minutes: int) -> str:
    value = minutes / 60
    return f"{value:.0f} h" if value == int(value) else f"{value:.1f} h"


# --- volunteer capacity <n> ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerCapacity:
    sessions: int | None  # None: no cap


def parse_capacity(rest: str) -> VolunteerCapacity:
    """``<n>`` (sessions a month) or ``none`` after ``volunteer capacity``."""
    value = rest.strip().lower()
    if value in ("none", "off", "0"):
        return VolunteerCapacity(None)
    if not value or " " in value:
        raise UsageError("How many sessions a month at most? e.g. `volunteer capacity 4` (or `none`).", "volunteer")
    return VolunteerCapacity(whole_number(value, "the sessions a month", 1, MAX_CAPACITY, "volunteer"))


async def set_capacity(ctx: Context, command: VolunteerCapacity) -> Reply:
    profile = await trainers.profile(ctx.session, ctx.member.id)
    if profile is None:
        raise Refusal("A capacity is for trainers. `volunteer <topic>` makes you one.")
    await workload.set_capacity(ctx.session, ctx.member.id, command.sessions)
    if command.sessions is None:
        return private("No monthly cap on your sessions any more.")
    return private(f"Got it: at most {counted(command.sessions, 'session')} a month. If you schedule more, "
                   "I'll ask you to confirm first.")


def confirm_reply(command_text: str, booked: int, capacity: int, month: str) -> Reply:
    """Scheduling beyond the trainer's own cap: say so, and offer the same command with ``confirm``."""
    return private(
        f"You already have {counted(booked, 'session')} in {month}, and your capacity is {capacity} a month "
        "(`volunteer capacity <n>` changes it). Schedule this one anyway?",
        title="Over your monthly capacity",
        buttons=(Button("Schedule anyway", f"{command_text} confirm", "primary"),),
    )


def session_text(title: str, day: str, start: str, minutes: int, seats: int, topic: str | None,
                 program_id: int | None, *, trainers_only: bool = False) -> str:
    """A ``session new`` command that parses back to the same session (the confirm button carries it)."""
    text = f"session new {shlex.quote(title)} {day} {start} {minutes}m {seats}"
    if topic:
        text += f" #{topic}"
    if program_id:
        text += f" program {program_id}"
    if trainers_only:
        text += " for trainers"
    return text


# --- notices ---------------------------------------------------------------------------------------------------


def burnout_notice(load: workload.Load, threshold: int) -> Reply:
    """To admins: a trainer over the session count or the hours bar in the last 4 weeks."""
    trainer = load.member
    over = []
    if load.sessions > threshold:
        over.append(f"the burnout threshold of {counted(threshold, 'session')}")
    if load.minutes > hours_bar(threshold):
        over.append(f"{hours(hours_bar(threshold))} of delivery")
    return private(
        f"⚠️ {name_of(trainer)} has {counted(load.sessions, 'session')} in the last 4 weeks "
        f"({hours(load.minutes)} of delivery), above {joined(over)}. It may be a good moment to check in and "
        "share the load (`admin burnout <n>` changes the threshold).",
        title="Trainer workload",
        names=names_of([trainer]),
    )


def repetition_notice(rep: workload.Repetition, limit: int, others: list[Member], *, to_trainer: bool) -> Reply:
    """To the trainer and the admins: the same content more than ``repeat-limit`` times in 4 weeks."""
    what = f"*{rep.title}*" + (f" (program {rep.program_id})" if rep.program_id else "")
    share = (f"{joined([name_of(m) for m in others])} could co-deliver it." if others
             else "Nobody else has this topic yet — a co-author or a new trainer could help.")
    if to_trainer:
        opening = (f"You've delivered {what} {rep.sessions} times in the last 4 weeks (more than {limit}). "
                   "Variety keeps it fun for you and fresh for learners. ")
    else:
        opening = (f"🔁 {name_of(rep.member)} has delivered {what} {rep.sessions} times in the last 4 weeks "
                   f"(more than the repeat limit of {limit}). ")
    return private(opening + share, title="Same session, again and again", names=names_of([rep.member, *others]))


PARSERS: dict[str, Callable[[str], Any]] = {}
SUBPARSERS = {("volunteer", "capacity"): parse_capacity}
ROUTES = {VolunteerCapacity: set_capacity}


def month_label(at: datetime) -> str:
    return f"{at:%B %Y}"
