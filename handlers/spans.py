"""Calendar spans — an ISO week, a month, a quarter — in a community's own time zone.

A digest covers a whole local calendar period and is filed in the ledger under
that period's key (``2026-W47``, ``2026-11``, ``2026-Q4``), so every instance,
every run and every preview agree on what "last month" means.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Unit = Literal["week", "month", "quarter", "year"]
UNITS: dict[str, Unit] = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}


@dataclass(frozen=True)
class Span:
    """[start, end) as aware UTC instants, local midnight to local midnight.

    A span ``so_far`` is the current period cut at the moment it was asked for
    (``end`` is that moment): the figures of a quarter to date, clearly labelled.
    """

    unit: Unit
    first: date
    start: datetime
    end: datetime
    so_far: bool = False

    @property
    def key(self) -> str:
        if self.unit == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.unit == "month":
            return f"{self.first:%Y-%m}"
        if self.unit == "year":
            return f"{self.first.year}"
        return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        if self.unit == "week":
            name = f"the week of {self.first.day} {self.first:%B %Y}"
        elif self.unit == "month":
            name = f"{self.first:%B %Y}"
        elif self.unit == "year":
            name = f"{self.first.year}"
        else:
            name = f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        return f"{name} so far" if self.so_far else name

    @property
    def short(self) -> str:
        """The label without "the week of" (for a table heading): ``w/c 23 Nov``, ``Nov 2026``, ``Q4 2026``."""
        if self.unit == "week":
            return f"w/c {self.first.day} {self.first:%b}"
        if self.unit == "month":
            return f"{self.first:%b %Y}"
        return self.label.removesuffix(" so far")


def _first_day(unit: Unit, day: date) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def _next_first(unit: Unit, first: date) -> date:
    if unit == "week":
        return first + timedelta(days=7)
    months = {"month": 1, "quarter": 3}.get(unit, 12)
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1)


def _span(unit: Unit, first: date, zone: ZoneInfo) -> Span:
    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

    return Span(unit, first, midnight(first), midnight(_next_first(unit, first)))


def containing(unit: Unit, moment: datetime, zone: ZoneInfo) -> Span:
    return _span(unit, _first_day(unit, moment.astimezone(zone).date()), zone)


def previous(span: Span, zone: ZoneInfo) -> Span:
    """The period before ``span``; for a span so far, the same stretch of the previous period (1–2 Oct for
    1–2 Dec's quarter so far), so that a figure and its comparison are counted alike."""
    whole = _span(span.unit, _first_day(span.unit, span.first - timedelta(days=1)), zone)
    if not span.so_far:
        return whole
    return replace(whole, end=min(whole.end, whole.start + (span.end - span.start)), so_far=True)


def so_far(unit: Unit, moment: datetime, zone: ZoneInfo) -> Span:
    """The current period from its start to ``moment``."""
    return replace(containing(unit, moment, zone), end=moment, so_far=True)


def last_complete(unit: Unit, moment: datetime, zone: ZoneInfo) -> Span:
    """The latest whole period that ended at or before ``moment``."""
    return previous(containing(unit, moment, zone), zone)
