"""``admin …``: roles, trainers, channels, schedules and community settings.

Every command here is for admins only (``Member.is_admin`` or GUILD_ADMINS).
Settings live in the community's row; changes the scheduler cares about set
``ctx.settings_changed`` so that it reschedules after the commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from handlers import digest_money as money
from handlers import survey
from handlers.context import Context, Refusal, name_of
from handlers.grammar import (
    AdminBurnout,
    AdminChannel,
    AdminDigestSchedule,
    AdminKudosEmoji,
    AdminKudosLimit,
    AdminRole,
    AdminRoundupSchedule,
    AdminShow,
    AdminTimezone,
    AdminTrainer,
)
from handlers.tokens import UsageError, clip, whole_number
from handlers.types import Reply, Section, private
from handlers.usage import USAGE
from handlers.wording import joined
from storage import members, profile, trainers

ROLE_NAMES = {"admin": "a Guild admin", "leader": "a Guild leader"}
TRAINER_NEWS = {
    "pause": "An admin has paused your Guild trainer role for now. Questions? Talk to a Guild admin.",
    "stop": "An admin has stopped your Guild trainer role. Thank you for what you shared! Talk to an admin to return.",
    "activate": "An admin has made you an active Guild trainer. Welcome — you can schedule sessions any time.",
}
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
TRAINER_STATUS = {"pause": "paused", "stop": "stopped", "activate": "active"}


async def role(ctx: Context, command: AdminRole) -> Reply:
    ctx.require_admin()
    people = [ctx.person(uid) for uid in command.people]
    configured = [m for m in people if m.user_id in ctx.settings.admins] if _revokes_admin(command) else []
    fixed = (
        f"{joined([name_of(m) for m in configured])}: admin through GUILD_ADMINS, which only the deployment's "
        "settings change." if configured else ""
    )
    people = [m for m in people if m not in configured]
    if not people:
        raise Refusal(fixed)
    await members.set_role(ctx.session, [m.id for m in people], command.role, command.grant)
    now = "now" if command.grant else "no longer"
    for person in people:
        if person.id != ctx.member.id:
            ctx.tell(person, private(f"You're {now} {ROLE_NAMES[command.role]} (set by {name_of(ctx.member)})."))
    if len(people) == 1:
        done = f"{name_of(people[0])} is {now} {ROLE_NAMES[command.role]}."
    else:
        done = f"{joined([name_of(m) for m in people])} are {now} Guild {command.role}s."
    return private(f"{done} {fixed}".strip())


def _revokes_admin(command: AdminRole) -> bool:
    return command.role == "admin" and not command.grant


async def trainer(ctx: Context, command: AdminTrainer) -> Reply:
    ctx.require_admin()
    people = [ctx.person(uid) for uid in command.people]
    profiles = await trainers.profiles(ctx.session, [m.id for m in people])
    found = [m for m in people if m.id in profiles]
    if not found:
        raise Refusal(f"{joined([name_of(m) for m in people])} never volunteered, so there's no trainer to change.")
    for person in found:
        if command.action == "activate":
            await trainers.approve(ctx.session, person.id, at=ctx.now, by=ctx.member.id)
        else:
            await trainers.set_status(
                ctx.session, person.id, TRAINER_STATUS[command.action], at=ctx.now, by=ctx.member.id
            )
        ctx.tell(person, private(TRAINER_NEWS[command.action]))
    text = f"{joined([name_of(m) for m in found])}: now {TRAINER_STATUS[command.action]}."
    skipped = [name_of(m) for m in people if m.id not in profiles]
    if skipped:
        text += f" ({joined(skipped)} never volunteered, so I left them alone.)"
    return private(text)


async def channel(ctx: Context, command: AdminChannel) -> Reply:
    ctx.require_admin()
    target = command.channel or ctx.channel
    if not target:
        raise Refusal("Which channel? Name it, like `admin channel roundup #learning`.", usage=USAGE["admin"])
    setattr(ctx.community, f"{command.kind}_channel", target)
    ctx.settings_changed = True
    where = f"#{command.label or command.channel}" if command.channel else "this channel"
    return private(f"The {command.kind} will be posted in {where}.")


async def roundup_schedule(ctx: Context, command: AdminRoundupSchedule) -> Reply:
    ctx.require_admin()
    ctx.community.roundup_day = command.day
    ctx.community.roundup_time = command.at.strftime("%H:%M")
    ctx.settings_changed = True
    return private(f"The kudos roundup goes out every {_day(command.day)} at {ctx.community.roundup_time}.")


async def digest_schedule(ctx: Context, command: AdminDigestSchedule) -> Reply:
    ctx.require_admin()
    ctx.community.digest_frequency = command.frequency
    ctx.settings_changed = True
    return private(f"The leadership digest now goes out {command.frequency}.")


async def timezone(ctx: Context, command: AdminTimezone) -> Reply:
    ctx.require_admin()
    name = _zone_names().get(command.timezone.lower(), command.timezone)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refusal(
            f"I don't know the time zone `{command.timezone[:64]}`. Use an IANA name like `Europe/Berlin` "
            "or `America/New_York`.",
            usage=USAGE["admin"],
        ) from None
    ctx.community.timezone = name
    ctx.settings_changed = True
    return private(f"The community's time zone is now {name}; scheduled posts follow it.")


async def kudos_emoji(ctx: Context, command: AdminKudosEmoji) -> Reply:
    ctx.require_admin()
    ctx.community.kudos_emoji = command.emoji
    ctx.settings_changed = True
    return private(f"Messages and reactions with :{command.emoji}: now count as kudos.")


async def kudos_limit(ctx: Context, command: AdminKudosLimit) -> Reply:
    ctx.require_admin()
    ctx.community.daily_kudos_limit = command.limit
    ctx.settings_changed = True
    return private(f"Each person can now give up to {command.limit} kudos a day.")


async def burnout(ctx: Context, command: AdminBurnout) -> Reply:
    ctx.require_admin()
    ctx.community.burnout_threshold = command.sessions
    ctx.settings_changed = True
    return private(
        f"Trainers with more than {command.sessions} sessions in 4 weeks will be flagged as at risk of burnout."
    )


# --- admin set <setting> <value> ----------------------------------------------------------------------------------

SettingValue = int | float | str | None


@dataclass(frozen=True)
class AdminSet:
    """``admin set <setting> <value>``: ``value`` is already parsed and checked by the setting's parser."""

    setting: str
    value: SettingValue


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: a community column and how to read, confirm and show it.

    ``parse`` turns the typed text into the stored value or raises ``UsageError``
    with a friendly reason; ``shown`` renders a stored value for ``admin show``
    and the confirmation; ``news`` is the sentence confirming a change. Adding a
    setting is adding a row (and its column, in a migration).
    """

    column: str
    label: str
    parse: Callable[[str], SettingValue]
    shown: Callable[[SettingValue], str]
    news: str  # formatted with ``{shown}``


def _closeout_days(text: str) -> int:
    # At most a week: feedback requests look a week back from a session's end, and must still see it closed.
    return whole_number(text, "the close-out days", 1, 7, "admin")


URL = re.compile(r"https?://[^\s<>|]{1,490}")


def _url(text: str) -> str | None:
    """A web link (Slack wraps links as ``<https://…>`` or ``<https://…|label>``); ``none`` clears it."""
    if text.lower() in ("none", "off", "-"):
        return None
    link = text.strip("<>").split("|")[0]
    if not URL.fullmatch(link):
        raise UsageError("Give a web link, like `admin set guide https://wiki.example.com/trainers` "
                         "(or `none` to remove it).", "admin")
    return link


def _refresh_months(text: str) -> int:
    return whole_number(text, "the months between program refreshes", 1, 60, "admin")


def _request_threshold(text: str) -> int:
    return whole_number(text, "the number of people", 1, 1000, "admin")


def _repeat_limit(text: str) -> int:
    return whole_number(text, "the repeat limit", 1, 100, "admin")


def _times(value: SettingValue) -> str:
    return f"{value} time{'s' if value != 1 else ''}"


def _months(value: SettingValue) -> str:
    return f"{value} month{'s' if value != 1 else ''}"


def _people(value: SettingValue) -> str:
    return f"{value} {'person' if value == 1 else 'people'}"


def _days(value: SettingValue) -> str:
    return f"{value} day{'s' if value != 1 else ''}"


def _link(value: SettingValue) -> str:
    return str(value) if value else "not set"


SETTINGS: dict[str, Setting] = {
    "closeout-days": Setting("closeout_days", "Close-out after", _closeout_days, _days,
                             "Sessions nobody closes are closed by Guild {shown} after they end."),
    "guide": Setting("trainer_guide_url", "Trainer guide", _url, _link,
                     "The trainer guide is {shown}; the onboarding checklist links to it."),
    # The digest's money and reach (handlers.digest_money): shown with their formulas in the digest and report.
    "external-rate": Setting("external_rate", "External trainer rate", money.parse_external_rate, money.show_rate,
                             "A comparable external trainer costs {shown} of delivery; the digest shows the cost "
                             "avoided."),
    "internal-rate": Setting("internal_rate", "Internal rate", money.parse_internal_rate, money.show_rate,
                             "An hour of an employee's time costs {shown}; the digest shows the internal cost, net "
                             "value and return."),
    "currency": Setting("currency", "Currency", money.parse_currency, money.show_currency,
                        "Amounts are shown in {shown}."),
    "prep-ratio": Setting("prep_ratio", "Preparation", money.parse_prep_ratio, money.show_ratio,
                          "Trainer time counts {shown} of preparation."),
    "headcount": Setting("headcount", "Headcount", money.parse_headcount, money.show_headcount,
                         "Reach is counted against {shown}."),
    "refresh-months": Setting("refresh_months", "Program refresh every", _refresh_months, _months,
                              "Programs are due for a content refresh {shown} after the last one; their "
                              "authors are told then and reminded monthly."),
    "request-threshold": Setting("request_threshold", "Request threshold", _request_threshold, _people,
                                 "A topic request's trainers are told once {shown} have asked for it."),
    "competencies": Setting("competencies", "Survey competencies", survey.parse_competencies,
                            survey.show_competencies, "The next competency survey asks about: {shown}."),
    "repeat-limit": Setting("repeat_limit", "Repeat limit", _repeat_limit, _times,
                            "A trainer delivering the same program or title more than {shown} in 4 weeks is "
                            "told (with the admins) and offered co-deliverers."),
}


def parse_set(rest: str) -> AdminSet:
    """``<setting> <value>`` after ``admin set``."""
    name, _, value = rest.partition(" ")
    known = ", ".join(f"`{n}`" for n in SETTINGS)
    setting = SETTINGS.get(name.lower())
    if setting is None:
        about = f"`{clip(name)}` isn't a setting I know. " if name else ""
        raise UsageError(f"{about}Settings: {known}; e.g. `admin set closeout-days 3`.", "admin")
    if not value.strip():
        raise UsageError(f"What should {name.lower()} be? e.g. `admin set {name.lower()} …`.", "admin")
    return AdminSet(name.lower(), setting.parse(value.strip()))


async def set_setting(ctx: Context, command: AdminSet) -> Reply:
    ctx.require_admin()
    setting = SETTINGS[command.setting]
    setattr(ctx.community, setting.column, command.value)
    ctx.settings_changed = True
    return private(setting.news.format(shown=setting.shown(command.value)))


async def show(ctx: Context, command: AdminShow) -> Reply:
    ctx.require_admin()
    community = ctx.community
    admins = await members.admins(ctx.session, community.id, ctx.settings.admins)
    known = {m.user_id for m in admins}
    admin_names = [name_of(m) for m in admins] + [f"<@{uid}>" for uid in sorted(ctx.settings.admins - known)]
    leaders = [name_of(m) for m in await profile.leaders(ctx.session, community.id)]
    settings = (
        ("Time zone", community.timezone or f"{ctx.settings.timezone} (deployment default)"),
        ("Roundup channel", _channel(community.roundup_channel)),
        ("Roundup", f"{_day(community.roundup_day)} {community.roundup_time}"),
        ("Digest channel", _channel(community.digest_channel)),
        ("Digest", community.digest_frequency),
        ("Milestones channel", _channel(community.milestones_channel)),
        ("Kudos emoji", f":{community.kudos_emoji}:"),
        ("Daily kudos limit", str(community.daily_kudos_limit)),
        ("Burnout threshold", f"{community.burnout_threshold} sessions"),
        *((row.label, row.shown(getattr(community, row.column))) for row in SETTINGS.values()),
    )
    people = (("Admins", ", ".join(admin_names) or "none"), ("Leaders", ", ".join(leaders) or "none"))
    return private(
        "Guild settings for this community:",
        title="Guild settings",
        sections=(Section(fields=settings), Section(fields=people)),
    )


@cache
def _zone_names() -> dict[str, str]:
    """IANA names by their lower-case form, so that ``europe/berlin`` is understood too."""
    names = {name.lower(): name for name in available_timezones()}
    names.setdefault("utc", "UTC")
    return names


def _channel(channel: str | None) -> str:
    return f"#{channel}" if channel else "not set"


def _day(day: str) -> str:
    return DAY_NAMES[day]


ROUTES = {
    AdminRole: role,
    AdminTrainer: trainer,
    AdminChannel: channel,
    AdminRoundupSchedule: roundup_schedule,
    AdminDigestSchedule: digest_schedule,
    AdminTimezone: timezone,
    AdminKudosEmoji: kudos_emoji,
    AdminKudosLimit: kudos_limit,
    AdminBurnout: burnout,
    AdminShow: show,
    AdminSet: set_setting,
}
