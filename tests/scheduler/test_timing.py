"""When jobs fall due, in the community's time zone, and which period each run covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import spans
from scheduler import timing
from storage.models import Community

BERLIN = ZoneInfo("Europe/Berlin")


def community(**settings: object) -> Community:
    defaults = {"roundup_day": "fri", "roundup_time": "16:00", "digest_frequency": "monthly", "timezone": None}
    return Community(**{**defaults, **settings})


def fire_times(trigger: object, start: datetime, count: int) -> list[datetime]:
    times, fire = [], None
    for _ in range(count):
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1) if fire else start)  # type: ignore[attr-defined]
        times.append(fire.astimezone(UTC))
    return times


def test_a_friday_roundup_stays_at_16_local_across_the_october_dst_change() -> None:
    trigger = timing.roundup_trigger(community(timezone="Europe/Berlin"), BERLIN)
    fires = fire_times(trigger, datetime(2026, 10, 19, tzinfo=UTC), 3)
    assert fires == [
        datetime(2026, 10, 23, 14, 0, tzinfo=UTC),  # 16:00 CEST (UTC+2)
        datetime(2026, 10, 30, 15, 0, tzinfo=UTC),  # 16:00 CET (UTC+1), after the clocks went back on 25 Oct
        datetime(2026, 11, 6, 15, 0, tzinfo=UTC),
    ]
    assert {f.astimezone(BERLIN).strftime("%a %H:%M") for f in fires} == {"Fri 16:00"}


def test_spring_forward_keeps_the_local_time_too() -> None:
    trigger = timing.roundup_trigger(community(roundup_day="mon", roundup_time="09:30"), BERLIN)
    fires = fire_times(trigger, datetime(2026, 3, 23, tzinfo=UTC), 2)
    assert fires == [datetime(2026, 3, 23, 8, 30, tzinfo=UTC), datetime(2026, 3, 30, 7, 30, tzinfo=UTC)]


def test_the_roundup_schedule_follows_the_community_row() -> None:
    trigger = timing.roundup_trigger(community(roundup_day="tue", roundup_time="08:15"), ZoneInfo("Asia/Tokyo"))
    first = timing.next_fire(trigger, datetime(2026, 11, 23, tzinfo=UTC))
    assert first == datetime(2026, 11, 23, 23, 15, tzinfo=UTC)  # Tue 24 Nov 08:15 in Tokyo


def test_digest_falls_due_at_the_start_of_each_period() -> None:
    start = datetime(2026, 11, 15, tzinfo=UTC)
    monthly = timing.digest_trigger(community(), BERLIN, timing.Timing().digest_at)
    weekly = timing.digest_trigger(community(digest_frequency="weekly"), BERLIN, timing.Timing().digest_at)
    quarterly = timing.digest_trigger(community(digest_frequency="quarterly"), BERLIN, timing.Timing().digest_at)
    assert timing.next_fire(monthly, start) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert timing.next_fire(weekly, start) == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert timing.next_fire(quarterly, start) == datetime(2027, 1, 1, 8, 0, tzinfo=UTC)


def test_last_fire_is_the_latest_due_time_at_or_before_a_moment() -> None:
    trigger = timing.roundup_trigger(community(), BERLIN)
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert timing.last_fire(trigger, friday) == friday
    assert timing.last_fire(trigger, friday - timedelta(seconds=1)) == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert timing.last_fire(trigger, friday + timedelta(days=3)) == friday


def test_a_roundup_covers_the_seven_local_days_before_it_and_is_filed_by_iso_week() -> None:
    due = datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # Fri 16:00 CET, the week the clocks went back
    start, end, week = timing.roundup_window(due, BERLIN)
    assert (start, end, week) == (datetime(2026, 10, 23, 14, 0, tzinfo=UTC), due, "2026-W44")


def test_a_digest_covers_the_whole_period_that_just_ended() -> None:
    due = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    november = timing.digest_span(community(), due, BERLIN)
    assert november.key == "2026-11"
    assert (november.start, november.end) == (datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
                                              datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    assert timing.digest_span(community(digest_frequency="quarterly"), due, BERLIN).key == "2026-Q3"
    assert timing.digest_span(community(digest_frequency="weekly"), due, BERLIN).key == "2026-W48"


def test_span_keys_and_previous_periods() -> None:
    moment = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    assert spans.containing("week", moment, BERLIN).key == "2026-W01"
    assert spans.previous(spans.containing("month", moment, BERLIN), BERLIN).key == "2025-12"
    assert spans.previous(spans.containing("quarter", moment, BERLIN), BERLIN).key == "2025-Q4"
    assert spans.containing("quarter", moment, BERLIN).label == "Q1 2026"
