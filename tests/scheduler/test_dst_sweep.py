"""Every schedule slot runs once per local period across both DST changes, on zones of both hemispheres.

A pure-computation sweep over the same ``LocalSchedule`` APScheduler runs and the
scheduler's ``last_fire`` answers: each 30-minute slot of the week (weekly), of the
day (daily) and of the 1st (monthly, quarterly) × six zones × 2026–2027. The clock
is injected: the scheduler is asked at each run, just before it and just after it.
Speed is bounded structurally: each answer costs at most a fixed number of
``resolve`` calls, each of which loops a bounded number of times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler import timing
from scheduler.timing import LocalSchedule

ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Auckland",
         "America/Santiago")
START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
SLOTS = [time(minutes // 60, minutes % 60) for minutes in range(0, 24 * 60, 30)]
MAX_RESOLVES = 5  # the most slot dates ``days_around`` looks at (a daily schedule: two days each side)


class Counted:
    """Counts ``timing.resolve`` calls, to bound the work of one answer without timing anything."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = timing.resolve

    def __call__(self, day: date, at: time, zone: ZoneInfo) -> datetime:
        self.calls += 1
        return self.real(day, at, zone)


@pytest.fixture
def resolves(monkeypatch: pytest.MonkeyPatch) -> Counted:
    counted = Counted()
    monkeypatch.setattr(timing, "resolve", counted)
    return counted


def runs(schedule: LocalSchedule, resolves: Counted) -> Iterator[datetime]:
    """The runs APScheduler would make from START to END: each the trigger's answer after the previous one."""
    fire = schedule.get_next_fire_time(None, START)
    while fire is not None and fire < END:
        yield fire
        resolves.calls = 0
        fire = schedule.get_next_fire_time(fire, fire)
        assert resolves.calls <= MAX_RESOLVES


def period(schedule: LocalSchedule, fire: datetime) -> tuple[int, ...]:
    local = fire.astimezone(schedule.timezone).date()
    if schedule.every == "week":
        return tuple(local.isocalendar())[:2]
    if schedule.every == "day":
        return (local.year, local.month, local.day)
    return (local.year, (local.month - 1) // (3 if schedule.every == "quarter" else 1))


def periods_between(schedule: LocalSchedule) -> set[tuple[int, ...]]:
    """Every local period whose slot falls in the sweep (by the slot's own date, not by any run)."""
    zone = schedule.timezone
    first, last = START.astimezone(zone).date(), END.astimezone(zone).date()
    found = set()
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        slot = datetime.combine(day, schedule.at, tzinfo=zone)
        if not START <= timing.resolve(day, schedule.at, zone) < END:
            continue
        slot_day = {
            "day": True,
            "week": day.weekday() == schedule.weekday,
            "month": day.day == 1,
            "quarter": day.day == 1 and day.month in timing.QUARTER_MONTHS,
        }[schedule.every]
        if slot_day:
            found.add(period(schedule, slot))
    return found


def check(schedule: LocalSchedule, resolves: Counted, seen: Counter[str]) -> None:
    zone, at = schedule.timezone, schedule.at
    fires = list(runs(schedule, resolves))
    by_period = Counter(period(schedule, fire) for fire in fires)
    assert set(by_period) == periods_between(schedule), f"{schedule}: a period skipped or invented"
    assert max(by_period.values()) == 1, f"{schedule}: a period run twice: {by_period.most_common(1)}"
    assert fires == sorted(set(fires))
    previous = None
    for fire in fires:
        local = fire.astimezone(zone)
        if local.time() == at:
            assert local.fold == 0, f"{schedule}: {fire} is the second {at} of a repeated hour"
            repeated = (local.replace(fold=1).utcoffset() != local.utcoffset())
            seen["repeated" if repeated else "plain"] += 1
        else:  # the slot did not exist that day: the run is the moment the clocks jumped over it
            just_before = (fire - timedelta(seconds=1)).astimezone(zone)
            assert just_before.replace(tzinfo=None) < datetime.combine(local.date(), at) < local.replace(tzinfo=None)
            seen["skipped"] += 1
        for moment, expected in ((fire, fire), (fire - timedelta(microseconds=1), previous)):
            if expected is None:
                continue
            resolves.calls = 0
            assert timing.last_fire(schedule, moment) == expected  # what the scheduler asks with the clock there
            assert resolves.calls <= MAX_RESOLVES
        previous = fire


@pytest.mark.parametrize("zone_name", ZONES)
def test_every_weekly_slot_runs_once_a_week(zone_name: str, resolves: Counted) -> None:
    zone, seen = ZoneInfo(zone_name), Counter[str]()
    for weekday in range(7):
        for at in SLOTS:
            check(LocalSchedule("week", at, zone, weekday=weekday), resolves, seen)
    if zone_name != "Asia/Kolkata":  # no DST there: the sweep must have met both changes everywhere else
        assert seen["skipped"] and seen["repeated"], seen


@pytest.mark.parametrize("zone_name", ZONES)
def test_every_daily_slot_runs_once_a_day(zone_name: str, resolves: Counted) -> None:
    zone, seen = ZoneInfo(zone_name), Counter[str]()
    for at in SLOTS:
        check(LocalSchedule("day", at, zone), resolves, seen)
    if zone_name != "Asia/Kolkata":
        assert seen["skipped"] and seen["repeated"], seen


@pytest.mark.parametrize("zone_name", ZONES)
def test_every_monthly_and_quarterly_slot_runs_once_a_period(zone_name: str, resolves: Counted) -> None:
    zone, seen = ZoneInfo(zone_name), Counter[str]()
    for every in ("month", "quarter"):
        for at in SLOTS:
            check(LocalSchedule(every, at, zone), resolves, seen)


def test_the_reported_slots_run_on_the_expected_instants() -> None:
    new_york, london, santiago = ZoneInfo("America/New_York"), ZoneInfo("Europe/London"), ZoneInfo("America/Santiago")
    sunday_0130 = LocalSchedule("week", time(1, 30), new_york, weekday=6)
    # 1 Nov 2026: 01:30 happens twice in New York; the run is the first one (EDT), and the next is a week later.
    assert timing.next_fire(sunday_0130, datetime(2026, 10, 31, tzinfo=UTC)) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert timing.last_fire(sunday_0130, datetime(2026, 11, 1, 6, 45, tzinfo=UTC)) == datetime(2026, 11, 1, 5, 30,
                                                                                              tzinfo=UTC)
    assert sunday_0130.get_next_fire_time(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30,
                                                                                             tzinfo=UTC)) == \
        datetime(2026, 11, 8, 6, 30, tzinfo=UTC)
    # Monday 00:00 in the week after the spring change is not skipped (NY 2–8 Mar, London 23–29 Mar 2026).
    monday = LocalSchedule("week", time(0, 0), new_york, weekday=0)
    assert timing.next_fire(monday, datetime(2026, 3, 8, 12, tzinfo=UTC)) == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    monday_london = LocalSchedule("week", time(0, 0), london, weekday=0)
    assert timing.last_fire(monday_london, datetime(2026, 3, 30, 0, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 23, 0,
                                                                                                tzinfo=UTC)
    # 02:30 on 8 Mar 2026 does not exist in New York: the run is at 03:00 EDT, the moment the clocks jumped.
    sunday_0230 = LocalSchedule("week", time(2, 30), new_york, weekday=6)
    assert timing.next_fire(sunday_0230, datetime(2026, 3, 7, tzinfo=UTC)) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # Santiago skips midnight (Sat 24:00 → Sun 01:00 on 6 Sep 2026): a Sunday 00:30 slot runs at 01:00.
    sunday_0030 = LocalSchedule("week", time(0, 30), santiago, weekday=6)
    fire = timing.next_fire(sunday_0030, datetime(2026, 9, 5, tzinfo=UTC))
    assert fire is not None and fire.astimezone(santiago).strftime("%a %d %H:%M") == "Sun 06 01:00"


def test_a_whole_skipped_day_still_gives_one_run_and_no_loop(resolves: Counted) -> None:
    """Samoa skipped 30 Dec 2011 entirely: that day's slot runs at the next valid moment, and nothing spins."""
    apia = ZoneInfo("Pacific/Apia")
    daily = LocalSchedule("day", time(12, 0), apia)
    fires = [timing.next_fire(daily, datetime(2011, 12, 29, 12, tzinfo=UTC))]
    for _ in range(3):
        last = fires[-1]
        assert last is not None
        fires.append(daily.get_next_fire_time(last, last))
    assert [f.astimezone(apia).strftime("%d %H:%M") for f in fires if f] == ["29 12:00", "31 00:00", "31 12:00",
                                                                             "01 12:00"]
    assert resolves.calls <= 4 * MAX_RESOLVES
