"""When each job is due, in the community's own time zone, and which period a run covers.

A schedule is a :class:`LocalSchedule`: a local wall-clock time on the days of a
period (every day, one weekday, the 1st of each month or of each quarter), in a
``zoneinfo`` zone, so that "Friday 16:00" means 16:00 on the local wall clock in
summer and in winter. It is also the APScheduler trigger that wakes the
scheduler, and it answers "what was the latest run due at this moment?"
(``last_fire``), which is how ``run-job --at``, the catch-up after downtime and
the retry of a failed post find the period to post.

Why not APScheduler's ``CronTrigger``: across daylight-saving changes it loops
forever in a repeated hour (it keeps answering the same time) and skips
midnight slots after the spring change. Here every fire time is computed
directly from its local date, with a fixed number of steps, on any IANA zone:

* each period has exactly one run: the first instant whose local wall time is
  at or after the slot's date and time;
* so a time that does not exist that day (the clocks skip it) runs at the first
  valid moment after it (the instant of the change), and a repeated time (the
  clocks go back) runs once, at its first occurrence.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from handlers import spans
from storage.models import Community

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
QUARTER_MONTHS = (1, 4, 7, 10)
EVERY_MONTH = tuple(range(1, 13))
# Longest a local day can be skipped or repeated (Samoa skipped 30 Dec 2011): bounds the search for a change.
_MAX_SHIFT = timedelta(hours=26)
_BISECTIONS = 24  # 2**24 s > 26 h: always enough to pin a change down to the second


@dataclass(frozen=True)
class Timing:
    """Knobs of the schedule that are not per community. Defaults suit most deployments.

    ``*_grace``: how late a missed run may still be posted (after downtime, or as
    the retry of a failed post); older runs are skipped and logged.
    """

    roundup_grace: timedelta = timedelta(hours=6)
    digest_grace: timedelta = timedelta(hours=24)
    milestones_grace: timedelta = timedelta(hours=24)
    digest_at: time = time(9, 0)
    milestones_at: time = time(10, 0)
    milestones_lookback: timedelta = timedelta(days=7)
    scan_every: timedelta = timedelta(minutes=5)
    nudge_every: timedelta = timedelta(hours=1)
    refresh_every: timedelta = timedelta(minutes=10)
    feedback_window: timedelta = timedelta(days=7)
    feedback_reminder_after: timedelta = timedelta(hours=24)
    onboarding_quiet: timedelta = timedelta(days=7)
    burnout_window: timedelta = timedelta(weeks=4)

    def grace(self, job: str) -> timedelta:
        return {"roundup": self.roundup_grace, "digest": self.digest_grace,
                "milestones": self.milestones_grace}[job]


def _clock_time(text: str, fallback: time) -> time:
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        return fallback


@functools.lru_cache(maxsize=8192)
def resolve(day: date, at: time, zone: tzinfo) -> datetime:
    """The instant (UTC) a slot at local ``day`` + ``at`` runs: the first one whose wall time is at or after it.

    Existing times map to themselves; a repeated time to its first occurrence
    (``fold=0``); a skipped time to the moment the clocks jumped, found by
    bisection between the two readings of the skipped time (a bounded loop).
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    before, after = min(first, second), max(first, second)
    if after - before > _MAX_SHIFT or _wall(after, zone) < wall or _wall(before, zone) >= wall:
        return after  # not a plain gap (cannot happen with zoneinfo data); stay total anyway
    for _ in range(_BISECTIONS):
        if after - before <= timedelta(seconds=1):
            break
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if _wall(middle, zone) >= wall:
            after = middle
        else:
            before = middle
    return after


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


class LocalSchedule(BaseTrigger):
    """A local time on each day of a period: ``every`` is "day", "week" (on ``weekday``), "month" or "quarter".

    ``fires_around`` lists the runs of the few periods around a moment, which is
    all ``last_fire`` / ``next_fire`` need: each is a handful of ``resolve``
    calls, however far the moment is from anything.
    """

    __slots__ = ("at", "every", "timezone", "weekday")

    def __init__(self, every: str, at: time, zone: ZoneInfo, weekday: int = 0) -> None:
        if every not in ("day", "week", "month", "quarter"):
            raise ValueError(f"unknown period {every!r}")
        self.every = every
        self.weekday = weekday
        self.at = at.replace(second=0, microsecond=0, tzinfo=None)
        self.timezone = zone

    def days_around(self, day: date) -> list[date]:
        """The local dates of the slots in the periods before, containing and after ``day``.

        A run happens on its slot's date or, if the clocks skip past midnight,
        at most a day later, so these always include the runs just before and
        just after any moment whose local date is ``day`` (five slots at most).
        """
        if self.every == "day":
            return [day + timedelta(days=n) for n in range(-2, 3)]
        if self.every == "week":
            this_week = day - timedelta(days=(day.weekday() - self.weekday) % 7)
            return [this_week + timedelta(weeks=n) for n in range(-1, 2)]
        months, reach = (EVERY_MONTH, 2) if self.every == "month" else (QUARTER_MONTHS, 4)
        index = day.year * 12 + day.month - 1
        firsts = (date(i // 12, i % 12 + 1, 1) for i in range(index - reach, index + reach + 1) if 1 <= i // 12 <= 9998)
        return [first for first in firsts if first.month in months]

    def fires_around(self, moment: datetime) -> list[datetime]:
        """The runs (UTC, ascending, distinct) of the slots near ``moment``."""
        day = moment.astimezone(self.timezone).date()
        return sorted({resolve(slot, self.at, self.timezone) for slot in self.days_around(day)})

    def last_fire(self, moment: datetime) -> datetime | None:
        """The latest run at or before ``moment``."""
        earlier = [fire for fire in self.fires_around(moment) if fire <= moment]
        return earlier[-1] if earlier else None

    def next_fire(self, moment: datetime, *, after: bool = False) -> datetime | None:
        """The first run at (or, with ``after``, strictly after) ``moment``."""
        later = [fire for fire in self.fires_around(moment) if fire > moment or (fire == moment and not after)]
        return later[0] if later else None

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """APScheduler's question: the run after the previous one, or the first from ``now`` on."""
        if previous_fire_time is not None:
            return self.next_fire(previous_fire_time, after=True)
        return self.next_fire(now)

    def __str__(self) -> str:
        on = f" {DAYS[self.weekday]}" if self.every == "week" else ""
        return f"every {self.every}{on} at {self.at:%H:%M} {self.timezone}"

    def __repr__(self) -> str:
        return f"<LocalSchedule {self}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalSchedule) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def roundup_trigger(community: Community, zone: ZoneInfo) -> LocalSchedule:
    day = community.roundup_day if community.roundup_day in DAYS else "fri"
    at = _clock_time(community.roundup_time, time(16, 0))
    return LocalSchedule("week", at, zone, weekday=DAYS.index(day))


def digest_trigger(community: Community, zone: ZoneInfo, at: time) -> LocalSchedule:
    """The digest goes out at the start of each period: Mondays, the 1st, or the 1st of a quarter."""
    unit = spans.UNITS.get(community.digest_frequency, "month")
    if unit == "week":
        return LocalSchedule("week", at, zone, weekday=0)
    return LocalSchedule("quarter" if unit == "quarter" else "month", at, zone)


def daily_trigger(zone: ZoneInfo, at: time) -> LocalSchedule:
    return LocalSchedule("day", at, zone)


def last_fire(trigger: LocalSchedule, moment: datetime) -> datetime | None:
    """The latest time ``trigger`` fired at or before ``moment`` (aware UTC)."""
    return trigger.last_fire(moment.astimezone(UTC))


def next_fire(trigger: LocalSchedule, moment: datetime) -> datetime | None:
    """The first time ``trigger`` fires at or after ``moment`` (aware UTC)."""
    return trigger.next_fire(moment.astimezone(UTC))


def roundup_window(due: datetime, zone: ZoneInfo) -> tuple[datetime, datetime, str]:
    """The week a roundup due at ``due`` covers: the seven local days before it, keyed by ISO week.

    The key is the ISO week of the due day, so a roundup moved from Friday to
    Monday within one week is still posted once that week.
    """
    week_before = due.astimezone(zone) - timedelta(days=7)  # wall-clock arithmetic: same local time
    return week_before.astimezone(UTC), due.astimezone(UTC), spans.containing("week", due, zone).key


def digest_span(community: Community, due: datetime, zone: ZoneInfo) -> spans.Span:
    """The whole period that ended when the digest fell due (last week, month or quarter)."""
    return spans.last_complete(spans.UNITS.get(community.digest_frequency, "month"), due, zone)
