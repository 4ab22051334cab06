"""How long the roundup and the digest take for a big community, on SQLite and PostgreSQL.

Builds one community with ``--rows`` kudos and as many enrollments (default a
million each), plus proportionate sessions (one per 20 enrollments), feedback
(three in ten enrollments), #values, members and trainers, spread over three
years. Rows are generated inside the database (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL), so building takes a minute or two, not hours.

Then it builds the weekly roundup and the monthly and quarterly leadership
digests the way the scheduler does (figures with totals since the first
session, money with the community's rates, topics, demand, voices, and the
12-week chart rendered to PNG), the one-pager report (HTML with its chart), plus
the daily milestones scan (the heaviest query: running totals of every active
trainer), and reports the time of each (the first, cold run and the best of
three more) and its peak Python memory (tracemalloc, a separate run so that
tracing does not slow the timed ones), next to its target (1 s; the report 2 s).

    .venv/bin/python bench/scale.py [--rows N] [--db sqlite|postgresql|both]

PostgreSQL comes from ``GUILD_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); the benchmark creates its
own database there and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers import charts, milestones, spans
from handlers.digest import leadership_digest
from handlers.report import one_pager
from handlers.roundup import weekly_roundup
from scheduler import timing
from storage import members
from storage.db import create_engine, run_outside_transaction, session_factory
from storage.migrate import upgrade

TARGET_SECONDS = 1.0
REPORT_TARGET_SECONDS = 2.0
ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # a Friday, 16:00 in Berlin: roundup time
YEARS = 3
SPAN_SECONDS = YEARS * 365 * 24 * 3600
START = NOW - timedelta(seconds=SPAN_SECONDS)
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def shape(rows: int) -> dict[str, int]:
    """Proportions of a busy community: 20 enrollments a session, 1 member per 200 kudos, 1 trainer in 10."""
    people = max(1000, rows // 200)
    return {"rows": rows, "people": people, "trainers": max(50, people // 10), "sessions": max(1, rows // 20)}


# --- building -------------------------------------------------------------------------------------------------------
# Every generator below is a function of the row number ``i`` only, so SQLite and PostgreSQL get the same data.
# Timestamps are naive UTC, as Guild stores them; SQLite's text form matches SQLAlchemy's ('%Y-%m-%d %H:%M:%S.ffffff').

def _sqlite_time(seconds: str) -> str:
    return f"strftime('%Y-%m-%d %H:%M:%S', '{START:%Y-%m-%d %H:%M:%S}', ({seconds}) || ' seconds') || '.000000'"


def _pg_time(seconds: str) -> str:
    return f"(timestamp '{START:%Y-%m-%d %H:%M:%S}' + ({seconds}) * interval '1 second')"


def statements(dialect: str, s: dict[str, int]) -> list[str]:
    """INSERT … SELECT over a row-number series, one per table (``/`` divides integers in both dialects)."""
    sqlite = dialect == "sqlite"
    at = _sqlite_time if sqlite else _pg_time
    true, false = ("1", "0") if sqlite else ("true", "false")

    def series(n: int, body: str) -> str:
        if sqlite:
            return (f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n}) "
                    f"{body.replace('FROM SERIES', 'FROM seq')}")
        return body.replace("FROM SERIES", f"FROM generate_series(1::bigint, {n}) AS seq(i)")

    rows, people, trainers, sessions = s["rows"], s["people"], s["trainers"], s["sessions"]
    per_session = rows // sessions
    session_at = f"({SPAN_SECONDS} * i / {sessions})"
    kudos_at = f"({SPAN_SECONDS} * i / {rows})"
    session_of_at = f"({SPAN_SECONDS} * (((i - 1) / {per_session}) + 1) / {sessions})"
    enrolled_member = f"((((i - 1) / {per_session}) * 37 + ((i - 1) % {per_session}) * 251) % {people}) + 1"
    session_of = f"((i - 1) / {per_session}) + 1"
    k = f"((i - 1) % {per_session})"
    return [
        "INSERT INTO communities (id, platform, external_id, name, timezone, kudos_emoji, daily_kudos_limit, "
        "burnout_threshold, roundup_channel, digest_channel, milestones_channel, roundup_day, roundup_time, "
        f"digest_frequency, created_at) VALUES (1, 'console', 'bench', 'Bench Co', 'Europe/Berlin', 'clap', 10, 12, "
        f"'C-ROUNDUP', 'C-DIGEST', NULL, 'fri', '16:00', 'monthly', {at('0')})",
        series(people, "INSERT INTO members (id, community_id, user_id, display_name, is_admin, is_leader, "
                       "leaderboard_opt_out, created_at) "
                       f"SELECT i, 1, 'U' || i, 'Person ' || i, {false}, {false}, {false}, {at('0')} FROM SERIES"),
        series(trainers, "INSERT INTO trainer_profiles (member_id, community_id, status, volunteered_at, "
                         "onboarded_at, status_changed_at) "
                         f"SELECT i, 1, 'active', {at(f'i * {SPAN_SECONDS // trainers}')}, "
                         f"{at(f'i * {SPAN_SECONDS // trainers} + 86400 * 30')}, "
                         f"{at(f'i * {SPAN_SECONDS // trainers}')} FROM SERIES"),
        series(sessions, "INSERT INTO training_sessions (id, community_id, trainer_id, title, topic, starts_at, "
                         "duration_minutes, seats, taken, status, attendance_marked, created_at, done_at) "
                         f"SELECT i, 1, ((i * 13) % {trainers}) + 1, 'Session ' || i, 'topic' || (i % 40), "
                         f"{at(session_at)}, 30 + (i % 4) * 30, {per_session}, {per_session}, "
                         f"CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'done' END, {true}, "
                         f"{at(f'{session_at} - 86400 * 7')}, "
                         f"CASE WHEN i % 50 = 0 THEN NULL ELSE {at(f'{session_at} + 5400')} END FROM SERIES"),
        series(rows, "INSERT INTO enrollments (id, community_id, session_id, member_id, status, queued_at, "
                     "created_at, updated_at) "
                     f"SELECT i, 1, {session_of}, {enrolled_member}, "
                     f"CASE WHEN {k} % 10 = 9 THEN 'no_show' WHEN {k} % 20 = 18 THEN 'cancelled' ELSE 'attended' END, "
                     f"{at(f'{session_of_at} - 86400')}, {at(f'{session_of_at} - 86400')}, "
                     f"{at(f'{session_of_at} + 5400')} FROM SERIES"),
        series(rows, "INSERT INTO feedback (id, community_id, session_id, member_id, rating, comment, created_at) "
                     f"SELECT i, 1, {session_of}, {enrolled_member}, 1 + (i * 7) % 5, "
                     f"CASE WHEN {k} = 0 AND i % 3 = 0 THEN 'Comment ' || i || ', with some detail about the session' "
                     f"ELSE NULL END, {at(f'{session_of_at} + 86400')} "
                     f"FROM SERIES WHERE {k} < {per_session * 3 // 10} AND {k} % 10 <> 9"),
        series(rows, "INSERT INTO feedback_receipts (session_id, member_id, anonymous) "
                     f"SELECT {session_of}, {enrolled_member}, {false} "
                     f"FROM SERIES WHERE {k} < {per_session * 3 // 10} AND {k} % 10 <> 9"),
        series(rows, "INSERT INTO kudos (id, community_id, giver_id, receiver_id, message, source, created_at) "
                     f"SELECT i, 1, ((i * 7919) % {people}) + 1, ((i * 104729 + 17) % {people}) + 1, "
                     "'Thank you for the help with item ' || i || CASE WHEN i % 7 = 0 "
                     "THEN ', it made a real difference to the whole team this week' ELSE '' END, "
                     f"'command', {at(kudos_at)} FROM SERIES"),
        series(rows, "INSERT INTO kudos_values (kudos_id, value) "
                     "SELECT i, CASE i % 5 WHEN 0 THEN 'craft' WHEN 1 THEN 'teamwork' WHEN 2 THEN 'curiosity' "
                     "WHEN 3 THEN 'courage' ELSE 'care' END FROM SERIES WHERE i % 2 = 0"),
    ]


async def build(engine: AsyncEngine, rows: int) -> dict[str, int]:
    await upgrade(engine)
    s = shape(rows)
    async with engine.begin() as connection:
        for statement in statements(engine.dialect.name, s):
            await connection.execute(text(statement))
    async with engine.begin() as connection:  # the digest's rates, so that money is computed and formatted too
        await connection.execute(text("UPDATE communities SET external_rate = 150, internal_rate = 60, "
                                      f"currency = 'EUR', prep_ratio = 2, headcount = {s['people'] * 2}"))
    async with engine.connect() as connection:  # what autovacuum does after a bulk load (PostgreSQL ≥ 13)
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    counts = {}
    async with engine.connect() as connection:
        for table in ("kudos", "enrollments", "training_sessions", "feedback", "members"):
            counts[table] = (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
    return counts


# --- measuring ------------------------------------------------------------------------------------------------------


async def measure(engine: AsyncEngine, fn: Callable[[Any], Awaitable[Any]]) -> tuple[float, float, float]:
    """(cold seconds, best warm seconds of three, peak MiB under tracemalloc) for one report."""
    sessions = session_factory(engine)

    async def once() -> float:
        async with sessions() as session:
            started = time.perf_counter()
            result = await fn(session)
            elapsed = time.perf_counter() - started
            assert result is not None
        return elapsed

    cold = await once()
    warm = min([await once() for _ in range(3)])
    tracemalloc.start()
    await once()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return cold, warm, peak


Measured = dict[str, tuple[float, float, float, float]]


async def reports(engine: AsyncEngine) -> Measured:
    sessions = session_factory(engine)
    async with sessions() as session:
        community = await members.find_community(session, 1)
        assert community is not None
        session.expunge_all()
    start, end, _ = timing.roundup_window(NOW, ZONE)
    month = spans.last_complete("month", NOW, ZONE)
    quarter = spans.last_complete("quarter", NOW, ZONE)
    one = TARGET_SECONDS
    started = time.perf_counter()
    charts.png([], "warm-up")  # matplotlib's import and font cache: once per process, not per digest
    print(f"  (chart library loaded once per process in {time.perf_counter() - started:.2f} s)")
    return {
        "weekly roundup": (*await measure(engine, lambda s: weekly_roundup(s, community, start, end, ZONE)), one),
        f"monthly digest + chart ({month.key})": (*await measure(
            engine, lambda s: leadership_digest(s, community, month, ZONE)), one),
        f"quarterly digest + chart ({quarter.key})": (*await measure(
            engine, lambda s: leadership_digest(s, community, quarter, ZONE)), one),
        f"one-pager report, HTML ({quarter.key})": (*await measure(
            engine, lambda s: one_pager(s, community, "quarter", NOW, "UTC", "html")), REPORT_TARGET_SECONDS),
        "daily milestones scan (7-day window)": (*await measure(
            engine, lambda s: milestones.reached(s, community.id, NOW - timedelta(days=7), NOW)), one),
    }


async def plans(engine: AsyncEngine) -> None:
    """PostgreSQL: does each roundup and digest statement get a good plan from its first run?

    asyncpg prepares every statement; PostgreSQL plans the first five executions
    of a prepared statement for their actual parameters (custom plans) and may
    then switch to a generic plan. A report that is slow only on its first runs
    on each connection is a query whose custom plan is worse than the generic
    one. So: seven runs of each report on one fresh connection, each timed, and
    the custom plan (EXPLAIN ANALYZE with the real parameters) of every
    statement that took more than 20 ms or scans a big table sequentially.
    """
    sessions = session_factory(engine)
    async with sessions() as session:
        community = await members.find_community(session, 1)
        assert community is not None
        session.expunge_all()
    start, end, _ = timing.roundup_window(NOW, ZONE)
    month = spans.last_complete("month", NOW, ZONE)
    jobs: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "weekly roundup": lambda s: weekly_roundup(s, community, start, end, ZONE),
        "monthly digest": lambda s: leadership_digest(s, community, month, ZONE),
    }
    print("\n  first runs on a fresh connection (ms per run; PostgreSQL's custom plans are runs 1–5):")
    captured: list[tuple[str, Any]] = []
    for name, job in jobs.items():
        await engine.dispose()  # a fresh connection: no prepared statement has settled yet
        times = []
        for run in range(7):
            def capture(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
                captured.append((statement, parameters))

            if run == 0:
                event.listen(engine.sync_engine, "before_cursor_execute", capture)
            async with sessions() as session:
                started = time.perf_counter()
                await job(session)
                times.append((time.perf_counter() - started) * 1000)
            if run == 0:
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
        print(f"    {name:<16} " + "  ".join(f"{t:6.0f}" for t in times)
              + f"   first/settled {times[0] / min(times[5:]):.1f}×")
    raw = await engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        for statement, parameters in captured:
            plan = await driver.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", *(parameters or ()))
            top = json.loads(plan)[0] if isinstance(plan, str) else plan[0]
            nodes = _nodes(top["Plan"])
            seq = [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in BIG_TABLES]
            if top["Execution Time"] > 20 or seq:
                first = " ".join(statement.split())[:90]
                scans = ", ".join(f"{n['Node Type']} on {n.get('Relation Name')}"
                                  + (" (parallel)" if n.get("Parallel Aware") else "") for n in seq) or "no seq scan"
                print(f"    {top['Execution Time']:7.1f} ms  {scans}: {first}…")
    finally:
        raw.close()


BIG_TABLES = {"kudos", "kudos_values", "enrollments", "feedback", "feedback_receipts", "training_sessions"}


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def report(label: str, counts: dict[str, int], built: float, figures: Measured) -> None:
    print(f"\n{label}: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + f" (built in {built:.1f} s)")
    for name, (cold, warm, peak, target) in figures.items():
        verdict = "met" if max(cold, warm) < target else "MISSED"
        print(f"  {name:<40} cold {cold:6.3f} s   warm {warm:6.3f} s   peak {peak:6.2f} MiB   "
              f"target < {target:.0f} s: {verdict}")


async def run_sqlite(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            started = time.perf_counter()
            counts = await build(engine, rows)
            built = time.perf_counter() - started
            report("SQLite", counts, built, await reports(engine))
        finally:
            await engine.dispose()


async def run_postgresql(rows: int) -> None:
    base = os.environ.get("GUILD_BENCH_POSTGRES_URL", PG_DEFAULT)
    name = f"guild_bench_{uuid.uuid4().hex[:10]}"
    await run_outside_transaction(base, f'CREATE DATABASE "{name}"')
    try:
        engine = create_engine(make_url(base).set(database=name))
        try:
            started = time.perf_counter()
            counts = await build(engine, rows)
            built = time.perf_counter() - started
            report("PostgreSQL", counts, built, await reports(engine))
            await plans(engine)
        finally:
            await engine.dispose()
    finally:
        await run_outside_transaction(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="kudos rows and enrollment rows (each)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    print(f"Guild scale benchmark: {args.rows:,} kudos and {args.rows:,} enrollments, {YEARS} years of history; "
          f"reports as of {NOW:%Y-%m-%d %H:%M} UTC")
    if args.db in ("sqlite", "both"):
        asyncio.run(run_sqlite(args.rows))
    if args.db in ("postgresql", "both"):
        asyncio.run(run_postgresql(args.rows))


if __name__ == "__main__":
    main()
