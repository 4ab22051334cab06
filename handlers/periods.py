"""Where a day, week or month begins in someone's time zone, as an aware UTC instant.

Limits and leaderboards count from local midnight, not UTC midnight: a person
in Tokyo gets a fresh daily kudos allowance at their own midnight.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Unit = Literal["day", "week", "month"]


def start_of(unit: Unit, now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the local day, week (Monday) or month that contains ``now``."""
    day = now.astimezone(zone).date()
    if unit == "week":
        day -= timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def first_zone(*names: str | None) -> ZoneInfo:
    """The first valid IANA zone among ``names``, else UTC: a stored name that went bad never breaks a reply."""
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")
