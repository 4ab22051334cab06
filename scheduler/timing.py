"""When each job is due, in the community's own time zone, and which period a run covers.

Triggers are APScheduler ``CronTrigger``s built from the community's row, with a
``zoneinfo`` zone, so that "Friday 16:00" means 16:00 on the local wall clock in
summer and in winter. The same triggers answer "what was the latest run due at
this moment?" (``last_fire``), which is how ``run-job --at``, the catch-up after
downtime and the retry of a failed post find the period to post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from handlers import spans
from storage.models import Community

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
QUARTER_MONTHS = "1,4,7,10"
LOOKBACK = timedelta(days=100)  # longer than the longest gap between two runs (a quarter)


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


def roundup_trigger(community: Community, zone: ZoneInfo) -> CronTrigger:
    day = community.roundup_day if community.roundup_day in DAYS else "fri"
    at = _clock_time(community.roundup_time, time(16, 0))
    return CronTrigger(day_of_week=day, hour=at.hour, minute=at.minute, timezone=zone)


def digest_trigger(community: Community, zone: ZoneInfo, at: time) -> CronTrigger:
    """The digest goes out at the start of each period: Mondays, the 1st, or the 1st of a quarter."""
    unit = spans.UNITS.get(community.digest_frequency, "month")
    if unit == "week":
        return CronTrigger(day_of_week="mon", hour=at.hour, minute=at.minute, timezone=zone)
    months = QUARTER_MONTHS if unit == "quarter" else "*"
    return CronTrigger(month=months, day=1, hour=at.hour, minute=at.minute, timezone=zone)


def daily_trigger(zone: ZoneInfo, at: time) -> CronTrigger:
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)


def last_fire(trigger: CronTrigger, moment: datetime) -> datetime | None:
    """The latest time ``trigger`` fired at or before ``moment`` (aware UTC), if any in the look-back."""
    latest = None
    fire = trigger.get_next_fire_time(None, moment - LOOKBACK)
    while fire is not None and fire <= moment:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest.astimezone(UTC) if latest else None


def next_fire(trigger: CronTrigger, moment: datetime) -> datetime | None:
    return trigger.get_next_fire_time(None, moment)


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
