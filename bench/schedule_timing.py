"""How long computing a due time takes: ``last_fire`` / ``next_fire`` on every 30-minute weekly slot and six zones.

The DST sweep in tests/scheduler/test_dst_sweep.py bounds the work structurally
(at most five ``resolve`` calls per answer); this prints the time it takes, with
the cache cold (each answer computed from scratch) and warm (what a scheduler
asking every ten minutes sees). Run: ``python bench/schedule_timing.py``.
"""

from __future__ import annotations

import statistics
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import timing
from scheduler.timing import LocalSchedule

ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Auckland",
         "America/Santiago")
MOMENTS = [datetime(2026, 11, 1, 5, 45, tzinfo=UTC) + timedelta(hours=7 * n) for n in range(200)]


def measure(cold: bool) -> list[float]:
    samples = []
    for zone_name in ZONES:
        zone = ZoneInfo(zone_name)
        for weekday in range(7):
            for minutes in range(0, 24 * 60, 30):
                schedule = LocalSchedule("week", time(minutes // 60, minutes % 60), zone, weekday=weekday)
                for moment in MOMENTS[::20]:
                    if cold:
                        timing.resolve.cache_clear()
                    started = clock.perf_counter()
                    timing.last_fire(schedule, moment)
                    samples.append(clock.perf_counter() - started)
    return samples


def main() -> None:
    for label, cold in (("cold cache", True), ("warm cache", False)):
        measure(cold)  # warm up the interpreter (and, for "warm", the cache)
        samples = sorted(measure(cold))
        p99 = samples[int(0.99 * (len(samples) - 1))]
        print(f"last_fire, {label}: {len(samples)} answers, median {statistics.median(samples) * 1e6:.1f} µs, "
              f"p99 {p99 * 1e6:.1f} µs, max {samples[-1] * 1e6:.1f} µs (target: a few milliseconds)")


if __name__ == "__main__":
    main()
