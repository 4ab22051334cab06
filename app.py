"""Guild's composition root and command line.

``build`` is the one place that wires real parts together (tests call it with
a fake clock and fake platform URLs); ``main`` picks the mode:

    python app.py [console|serve]       chat in the terminal, or serve Slack / Teams over HTTP
    python app.py work                  do acknowledged work from the inbox (what serve starts with GUILD_WORKERS)
    python app.py migrate               bring the database schema up to date
    python app.py export TABLE [--format csv|json] [--output FILE]
    python app.py run-job NAME [--at ISO-TIME]
    python app.py report [week|month|quarter|year] [--at ISO] [--format html|markdown] [--output FILE]
    python app.py jobs
    python app.py outbox [retry ID|all]
    python app.py inbox [retry ID|all]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import json
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO, TypeVar

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import config
import logs
from bot.console import COMMUNITY as CONSOLE_COMMUNITY
from bot.console import Console, ConsoleNotifier
from bot.inbox import JOBS_PER_CONNECTION, MAX_ATTEMPTS, Inbox, Sweeper, WorkQueue
from bot.notify import RoutingNotifier
from handlers.context import CoreSettings
from handlers.core import Core
from handlers.ports import Clock
from handlers.report import one_pager
from metrics import CONTENT_TYPE, Metrics, process_gone, reset_shared_dir
from startup import ListenError, explain
from storage import export, members, outbox
from storage import inbox as inbox_rows
from storage.db import create_engine, is_sqlite, session_factory
from storage.migrate import current_revisions, head_revisions, upgrade, wait_until_current
from storage.uow import UnitOfWork
from workers import WorkerProcesses

log = logging.getLogger("guild")

# The platform endpoints whose answer is the ack; Teams' turn runs inside the request, so it also completes there.
PLATFORM_PATHS = {"/slack/events": "slack", "/api/messages": "teams"}
RUNNER_SHUTDOWN_SECONDS = 5.0
WORKER_POLL_SECONDS = 0.02  # how often an idle worker process looks for work handed to it
PARENT_CHECK_SECONDS = 0.5
WORKER_NICENESS = 10
# The ack path's own connections (the inbox INSERT), so that no burst of work can make an ack wait: a fixed
# number, kept open — overflow connections opened and closed again in a burst cost the acks more than a short
# wait for one of these (a connection is held for one INSERT).
ACK_POOL_SIZE = 8


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Guild:
    """Everything one Guild process runs, built once and closed once.

    ``drainers`` are waited for, besides each adapter's ``idle()``, when the
    instance drains before exiting (a work queue appends its own "empty" wait).
    """

    settings: config.Settings
    engine: AsyncEngine
    core: Core
    notifier: RoutingNotifier
    scheduler: Any
    metrics: Metrics = field(default_factory=Metrics)
    adapters: list[Any] = field(default_factory=list)
    slack: Any = None
    teams: Any = None
    draining: bool = False
    drainers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    inbox: Inbox | None = None
    queue: WorkQueue | None = None
    sweeper: Sweeper | None = None

    def uow(self) -> UnitOfWork:
        return self.core.uow()

    def web_app(self) -> web.Application:
        app = web.Application(middlewares=[self._timed])
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        for adapter in self.adapters:
            adapter.mount(app)
        return app

    async def drain(self) -> None:
        """Stop being ready (``/readyz`` answers 503 at once), then wait — at most ``GUILD_DRAIN_SECONDS`` —
        for work already acknowledged to finish. The server keeps answering meanwhile."""
        self.draining = True
        self.metrics.draining.set(1)
        if self.sweeper is not None:  # take over nothing more: the instances that stay do it
            await self.sweeper.close()
        log.info("draining", extra={"result": f"up to {self.settings.drain_seconds:g} s"})
        waits = [adapter.idle() for adapter in self.adapters if hasattr(adapter, "idle")]
        waits += [wait() for wait in self.drainers]
        try:
            async with asyncio.timeout(self.settings.drain_seconds):
                await asyncio.gather(*waits)
        except TimeoutError:
            log.warning("drain timed out; stopping with acknowledged work still running",
                        extra={"result": f"{self.settings.drain_seconds:g} s"})
        else:
            log.info("drained")

    @web.middleware
    async def _timed(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                     ) -> web.StreamResponse:
        """Time each platform request from arrival to answer: the ack latency (and Teams' completion)."""
        platform = PLATFORM_PATHS.get(request.path)
        if platform is None or request.method != "POST":
            return await handler(request)
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.acked(platform, elapsed)
            if platform == "teams":
                self.metrics.work_done(platform, elapsed)

    async def _readyz(self, _request: web.Request) -> web.Response:
        """200 when this instance should get traffic: not draining, database answering, schema at head."""
        if self.draining:
            return web.json_response({"status": "draining"}, status=503)
        try:
            current = await current_revisions(self.engine)
        except Exception as error:  # any failure means "not ready"; the probe repeats, so one short line
            log.warning("readiness check: database unavailable (%s)", type(error).__name__)
            return web.json_response({"status": "database unavailable"}, status=503)
        head = head_revisions()
        if current != head:
            at = ",".join(sorted(current)) or "empty"
            return web.json_response({"status": f"schema at {at}, this version needs {','.join(sorted(head))}: "
                                                "run python app.py migrate"}, status=503)
        return web.json_response({"status": "ok"})

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=await self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure means "not healthy"; the reason is logged, not shown
            log.exception("health check failed")
            return web.json_response({"status": "database unavailable"}, status=503)
        return web.json_response({"status": "ok"})

    async def start(self) -> None:
        self.core.delivery.start()
        await self.scheduler.start()
        if self.sweeper is not None:
            self.sweeper.start()

    async def close(self) -> None:
        with suppress(Exception):
            await self.scheduler.shutdown()
        if self.sweeper is not None:
            await self.sweeper.close()
        with suppress(Exception):
            await self.core.delivery.stop()
        for adapter in self.adapters:
            with suppress(Exception):
                await adapter.close()
        if self.queue is not None:  # what is still queued stays in the inbox for the next sweep
            await self.queue.close()
        if self.inbox is not None:
            await self.inbox.ack_engine.dispose()
        await self.engine.dispose()


async def build(settings: config.Settings, *, clock: Clock | None = None, console_admin: str | None = None,
                hand_off: bool = False) -> Guild:
    """Create the database (migrated), the core, the enabled adapters and the scheduler.

    ``hand_off``: this process only records and acknowledges; worker processes do the work (no queue, no sweeper).
    """
    from scheduler.service import GuildScheduler
    from scheduler.timing import Timing

    clock = clock or utc_now
    sqlite = is_sqlite(settings.database_url)
    engine = create_engine(settings.database_url, **({} if sqlite else {"pool_size": settings.db_pool_size}))
    if settings.auto_migrate:  # with GUILD_AUTO_MIGRATE=0 a migrate job does it (python app.py migrate)
        await upgrade(engine)
    sessions = session_factory(engine)
    notifier = RoutingNotifier()
    metrics = Metrics()
    admins = settings.admins | ({console_admin} if console_admin else set())
    core = Core(
        uow=lambda: UnitOfWork(sessions),
        notifier=notifier,
        clock=clock,
        settings=CoreSettings(admins=frozenset(admins), timezone=settings.timezone),
    )
    core.on_command.append(metrics.command)
    core.delivery.platforms = notifier.platforms
    _outbox_metrics(core, metrics)
    timing = Timing(roundup_grace=timedelta(hours=settings.roundup_grace_hours),
                    digest_grace=timedelta(hours=settings.digest_grace_hours))
    scheduler = GuildScheduler(core=core, uow=core.uow, clock=clock, settings=settings,
                               timing=timing, on_post=metrics.scheduled_post)
    guild = Guild(settings=settings, engine=engine, core=core, notifier=notifier, scheduler=scheduler,
                  metrics=metrics)
    if settings.slack_enabled:
        from bot.slack.adapter import SlackAdapter

        inbox, queue = _inbox(settings, engine, metrics)
        guild.inbox, guild.queue = inbox, None if hand_off else queue
        guild.slack = SlackAdapter(settings=settings, core=core, inbox=inbox, queue=guild.queue)
        guild.slack.on_api_error.append(metrics.platform_error("slack"))
        notifier.register("slack", guild.slack.notifier)
        guild.adapters.append(guild.slack)
        if not hand_off:
            guild.sweeper = Sweeper(inbox=inbox, queue=queue, replayers={"slack": guild.slack.replay},
                                    interval=min(max(settings.claim_lease_seconds / 4, 0.25), 2.0))
    if settings.teams_enabled:
        from bot.teams.adapter import TeamsAdapter

        guild.teams = TeamsAdapter(settings=settings, core=core, uow=core.uow)
        guild.teams.on_api_error.append(metrics.platform_error("teams"))
        notifier.register("teams", guild.teams.notifier)
        guild.adapters.append(guild.teams)
    return guild


def _outbox_metrics(core: Core, metrics: Metrics) -> None:
    core.delivery.on_result.append(metrics.outbox_delivery)

    async def depth() -> tuple[dict[str, int], float]:
        async with core.uow() as uow:
            counts, oldest = await outbox.depth(uow.session)
        return counts, max((core.clock() - oldest).total_seconds(), 0.0) if oldest else 0.0

    metrics.watch_outbox(depth)


def _inbox(settings: config.Settings, engine: AsyncEngine, metrics: Metrics) -> tuple[Inbox, WorkQueue]:
    """The inbox on its own small engine (the ack path's), and the work queue sized to the work's pool."""
    # On PostgreSQL the one INSERT commits by itself (autocommit): no BEGIN and COMMIT round trips on the ack path.
    pool = {} if is_sqlite(settings.database_url) else {"pool_size": ACK_POOL_SIZE, "max_overflow": 0,
                                                         "isolation_level": "AUTOCOMMIT"}
    inbox = Inbox(ack_engine=create_engine(settings.database_url, **pool), work_engine=engine,
                  lease=timedelta(seconds=settings.claim_lease_seconds))
    inbox.on_event.append(metrics.inbox_event)
    inbox.on_done.append(metrics.work_done)

    async def depth() -> tuple[int, float, int]:
        found = await inbox.depth()
        age = (inbox.clock() - found.oldest).total_seconds() if found.oldest else 0.0
        return found.waiting, max(age, 0.0), found.failed

    metrics.watch_inbox(depth)
    size = settings.db_pool_size
    return inbox, WorkQueue(inbox=inbox, workers=size, size=size * JOBS_PER_CONNECTION)


async def run_console(settings: config.Settings, stdin: TextIO, out: TextIO) -> None:
    who = _console_user()
    guild = await build(settings, console_admin=who)
    guild.notifier.register(CONSOLE_COMMUNITY.platform, ConsoleNotifier(out))
    await guild.start()
    try:
        await Console(guild.core, who, stdin=stdin, out=out).run()
    finally:
        await guild.close()


async def serve(settings: config.Settings) -> None:
    """Serve until SIGTERM or SIGINT, then drain: not ready at once, acknowledged work finished, then exit."""
    workers = WorkerProcesses(settings.workers if settings.slack_enabled else 0, on_exit=process_gone)
    reset_shared_dir()  # before this instance's first metric: the workers' and its own add up there
    guild = await build(settings, hand_off=bool(workers.count))
    runner = web.AppRunner(guild.web_app(), access_log=None, shutdown_timeout=RUNNER_SHUTDOWN_SECONDS)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except OSError as error:  # the port is taken, or not ours to use: one clear line (see startup.py), no leaks
        await runner.cleanup()
        await guild.close()
        raise ListenError(settings.host, settings.port, error) from error
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        if not settings.auto_migrate:  # a migrate job may still be running: serve /healthz, /readyz says 503
            await wait_until_current(guild.engine, stop)
        if stop.is_set():
            return
        await guild.start()
        workers.start()
        if guild.slack is not None and settings.slack_app_token:
            await guild.slack.start_socket_mode()
        log.info("serving", extra={"platform": ",".join(_platforms(settings))})
        await stop.wait()
        await guild.drain()
    finally:
        await workers.stop(settings.drain_seconds + RUNNER_SHUTDOWN_SECONDS)
        await runner.cleanup()
        await guild.close()


async def work(settings: config.Settings) -> None:
    """Do acknowledged work from the inbox until SIGTERM (then drain) or until the serving parent is gone.

    A worker runs at a lower CPU priority than its serving process: when the machine is short of CPU, the
    acks go first and the work waits in the inbox.
    """
    os.nice(WORKER_NICENESS)
    guild = await build(settings)
    if guild.sweeper is None:
        await guild.close()
        raise SystemExit("python app.py work: Slack is not configured, so there is no inbox work to do")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()
    guild.sweeper.interval = WORKER_POLL_SECONDS
    guild.sweeper.start()
    try:
        while not stop.is_set() and os.getppid() == parent:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PARENT_CHECK_SECONDS)
        await guild.drain()
    finally:
        await guild.close()


async def migrate(settings: config.Settings) -> None:
    """The schema, and the Slack OAuth stores' tables when that is configured (what a migrate job runs)."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        if settings.slack_client_id:
            from bot.slack.adapter import create_store_tables

            await create_store_tables(engine, settings.slack_client_id)
    finally:
        await engine.dispose()


async def write_export(settings: config.Settings, table: str, fmt: str, out: TextIO) -> int:
    """Write ``table`` as CSV or a JSON array; returns the number of rows."""
    engine = create_engine(settings.database_url)
    count = 0
    try:
        if settings.auto_migrate:
            await upgrade(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            rows = export.rows(uow.session, table, settings.admins)
            if fmt == "csv":
                writer = csv.DictWriter(out, fieldnames=export.COLUMNS[table], lineterminator="\n")
                writer.writeheader()
                async for row in rows:
                    writer.writerow(row)
                    count += 1
            else:
                out.write("[")
                async for row in rows:
                    out.write(("," if count else "") + "\n  " + json.dumps(row, ensure_ascii=False))
                    count += 1
                out.write("\n]\n" if count else "]\n")
    finally:
        await engine.dispose()
    return count


def export_to_file(settings: config.Settings, table: str, fmt: str, path: Path) -> int:
    """Write the export beside ``path`` and move it into place, so a failed export never leaves half a file."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent or ".",
                                     prefix=f".{path.name}.", delete=False) as target:
        try:
            count = asyncio.run(write_export(settings, table, fmt, target))
        except BaseException:
            os.unlink(target.name)
            raise
    os.replace(target.name, path)
    return count


class ReportError(Exception):
    """A report that cannot be written as asked (no such community, several to choose from)."""


async def write_report(settings: config.Settings, *, period: str, at: datetime, fmt: str, output: Path | None,
                       community: str | None) -> list[Path]:
    """The one-pager for the last complete ``period`` before ``at``; returns the files written."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            found = await members.communities(uow.session)
            if community:
                found = [c for c in found if community in (f"{c.platform}:{c.external_id}", c.name)]
            if len(found) != 1:
                names = ", ".join(f"{c.platform}:{c.external_id}" for c in await members.communities(uow.session))
                raise ReportError(f"Name the community with --community (one of: {names or 'none yet'}).")
            files = await one_pager(uow.session, found[0], period, at, settings.timezone, fmt)  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    written = []
    for n, file in enumerate(files):
        path = (output if n == 0 else (output.parent / file.filename)) if output else Path(file.filename)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(file.content)
        os.replace(partial, path)
        written.append(path)
    return written


async def run_job(settings: config.Settings, name: str, at: datetime | None, out: TextIO) -> None:
    guild = await build(settings)
    guild.notifier.register(CONSOLE_COMMUNITY.platform, ConsoleNotifier(out))
    try:
        for line in await guild.scheduler.run_job(name, at):
            out.write(line + "\n")
    finally:
        await guild.close()


async def list_jobs(settings: config.Settings, out: TextIO) -> None:
    guild = await build(settings)
    try:
        await guild.scheduler.load()
        for line in guild.scheduler.describe():
            out.write(line + "\n")
    finally:
        await guild.close()


STUCK_AFTER = timedelta(minutes=15)
Row = TypeVar("Row")


async def _stuck(settings: config.Settings, find: Callable[[Guild, datetime], Awaitable[list[Row]]],
                 ) -> tuple[datetime, list[Row]]:
    """What ``find`` reports stuck as of now, read on a Guild built for that one read."""
    guild = await build(settings)
    try:
        now = guild.core.clock()
        return now, await find(guild, now)
    finally:
        await guild.close()


async def outbox_report(settings: config.Settings, out: TextIO) -> int:
    """List failed notices and those still unsent after ``STUCK_AFTER``; how many."""
    async def find(guild: Guild, now: datetime) -> list[outbox.Stuck]:
        async with guild.uow() as uow:
            return await outbox.stuck(uow.session, at=now, older_than=STUCK_AFTER)

    now, stuck = await _stuck(settings, find)
    if not stuck:
        out.write("Nothing stuck in the outbox.\n")
        return 0
    out.write(f"{'id':>6}  {'state':<8} {'age':>7}  {'kind':<5} {'community':<24} {'target':<24} tries  last error\n")
    for row in stuck:
        out.write(f"{row.id:>6}  {row.state:<8} {_age(now - row.created_at):>7}  {row.kind:<5} {row.community:<24} "
                  f"{row.target:<24} {row.attempts:>5}  {row.last_error or ''}\n")
    out.write("Retry failed ones with: python app.py outbox retry <id>|all\n")
    return len(stuck)


async def outbox_retry(settings: config.Settings, target: str, out: TextIO) -> int:
    """Put failed notices back in the queue and send them now from this process; how many were re-queued."""
    guild = await build(settings)
    guild.notifier.register(CONSOLE_COMMUNITY.platform, ConsoleNotifier(out))
    try:
        async with guild.uow() as uow:
            ids = await outbox.requeue(uow.session, None if target == "all" else [int(target)],
                                       at=guild.core.clock())
            await uow.commit()
        if not ids:
            out.write("No failed notice to retry" + ("." if target == "all" else f" with id {target}.") + "\n")
            return 0
        await guild.core.delivery.drain()
        async with guild.uow() as uow:
            found = await outbox.states(uow.session, ids)
    finally:
        await guild.close()
    for row_id in ids:
        state, error = found.get(row_id, ("gone", None))
        out.write(f"{row_id}: {state}" + (f" ({error})" if error and state != "sent" else "") + "\n")
    return len(ids)


async def inbox_report(settings: config.Settings, out: TextIO) -> int:
    """List acknowledged deliveries given up after their tries and those still not done after ``STUCK_AFTER``."""
    async def find(guild: Guild, now: datetime) -> list[inbox_rows.Unfinished]:
        async with guild.engine.connect() as conn:
            return await inbox_rows.unfinished(conn, now=now, older_than=STUCK_AFTER, max_attempts=MAX_ATTEMPTS)

    now, stuck = await _stuck(settings, find)
    if not stuck:
        out.write("Nothing stuck in the inbox.\n")
        return 0
    out.write(f"{'id':>6}  {'state':<8} {'age':>7}  {'platform':<8} {'kind':<20} tries  last error\n")
    for row in stuck:
        state = "failed" if row.given_up else "waiting"
        out.write(f"{row.id:>6}  {state:<8} {_age(now - row.received_at):>7}  {row.platform:<8} {row.kind:<20} "
                  f"{row.attempts:>5}  {row.last_error or ''}\n")
    out.write("Run failed ones again with: python app.py inbox retry <id>|all\n")
    return len(stuck)


async def inbox_retry(settings: config.Settings, target: str, out: TextIO) -> int:
    """Make deliveries given up due again, their tries counted afresh; how many. The sweepers of the running
    instances take them (within a few seconds), so the work runs where the platform's settings are."""
    guild = await build(settings)
    try:
        async with guild.engine.begin() as conn:
            ids = await inbox_rows.requeue(conn, None if target == "all" else [int(target)],
                                           now=guild.core.clock(), max_attempts=MAX_ATTEMPTS)
    finally:
        await guild.close()
    if not ids:
        out.write("No failed delivery to retry" + ("." if target == "all" else f" with id {target}.") + "\n")
        return 0
    out.write(f"Due again: {', '.join(map(str, ids))}. A running instance's sweeper takes them within seconds; "
              "`python app.py inbox` shows what is left.\n")
    return len(ids)


# The operator's view of the two queues: list what is stuck, run given-up rows again (report, retry, a row, help).
ROW_COMMANDS: dict[str, tuple[Callable[[config.Settings, TextIO], Coroutine[Any, Any, int]],
                              Callable[[config.Settings, str, TextIO], Coroutine[Any, Any, int]], str, str]] = {
    "outbox": (outbox_report, outbox_retry, "notice",
               "list stuck or failed notices; 'retry <id>|all' sends failed ones again"),
    "inbox": (inbox_report, inbox_retry, "delivery",
              "list acknowledged work given up or late; 'retry <id>|all' makes given-up work due again"),
}


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    return f"{hours}h{minutes % 60:02d}m" if hours < 48 else f"{hours // 24}d"


def _platforms(settings: config.Settings) -> list[str]:
    return [name for name, on in (("slack", settings.slack_enabled), ("teams", settings.teams_enabled)) if on]


def _console_user() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = "me"
    cleaned = "".join(ch for ch in name.lower() if ch.isalnum() or ch in ".-_")
    return cleaned if cleaned[:1].isalpha() else "me"


def _iso_time(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an ISO time like 2026-11-27T16:00:00+01:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row_target(table: str) -> Callable[[str], str]:
    def target(value: str) -> str:
        if value != "all" and not value.isdigit():
            raise argparse.ArgumentTypeError(f"an {table} id (a number) or all")
        return value

    return target


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python app.py", description="Guild, the trainers' community bot.")
    modes = cli.add_subparsers(dest="mode")
    modes.add_parser("console", help="chat with Guild in this terminal")
    modes.add_parser("serve", help="serve Slack and/or Teams over HTTP")
    modes.add_parser("work", help="do acknowledged work from the inbox (serve starts these with GUILD_WORKERS)")
    modes.add_parser("migrate", help="bring the database schema up to date")
    exporter = modes.add_parser("export", help="export data as CSV or JSON")
    exporter.add_argument("table", choices=sorted(export.COLUMNS))
    exporter.add_argument("--format", choices=("csv", "json"), default="csv")
    exporter.add_argument("--output", help="file to write (default: standard output)")
    job = modes.add_parser("run-job", help="run one scheduled job once")
    job.add_argument("name")
    job.add_argument("--at", type=_iso_time, help="the moment to run it for (ISO 8601; default now)")
    modes.add_parser("jobs", help="list scheduled jobs and their next run times")
    for table, (_, _, _, description) in ROW_COMMANDS.items():
        rows = modes.add_parser(table, help=description)
        rows.add_argument("action", nargs="?", choices=("retry",))
        rows.add_argument("target", nargs="?", type=_row_target(table), help=f"an {table} id, or all")
    reporter = modes.add_parser("report", help="write the leadership one-pager (HTML or Markdown)")
    reporter.add_argument("period", nargs="?", choices=("week", "month", "quarter", "year"), default="month")
    reporter.add_argument("--at", type=_iso_time, help="the last complete period before this moment (default now)")
    reporter.add_argument("--format", choices=("html", "markdown"), default="html")
    reporter.add_argument("--output", help="file to write (default: guild-report-<period>.html|md here)")
    reporter.add_argument("--community", help="platform:id or name, when the database holds several")
    return cli


def main(argv: Sequence[str] | None = None, *, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    try:
        settings = config.load()
    except config.ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    logs.setup(settings.log_level)
    try:
        return _run(args, settings, stdin, out)
    except Exception as error:
        line = explain(error, settings)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: config.Settings, stdin: TextIO, out: TextIO) -> int:
    mode = args.mode or ("serve" if settings.has_platform else "console")
    if mode == "serve" and not settings.has_platform:
        print("Nothing to serve: set Slack or Teams variables (see README), or run `python app.py console`.",
              file=sys.stderr)
        return 2
    if mode == "console":
        logs.setup("WARNING" if settings.log_level == "INFO" else settings.log_level)
        asyncio.run(run_console(settings, stdin, out))
    elif mode == "serve":
        asyncio.run(serve(settings))
    elif mode == "work":
        asyncio.run(work(settings))
    elif mode == "migrate":
        asyncio.run(migrate(settings))
        print("Database schema is up to date.", file=out)
    elif mode == "export":
        if args.output:
            try:
                count = export_to_file(settings, args.table, args.format, Path(args.output))
            except OSError as error:
                print(f"Can't write {args.output}: {error.strerror or error}.", file=sys.stderr)
                return 2
            print(f"Exported {count} {args.table} rows to {args.output}.", file=sys.stderr)
        else:
            asyncio.run(write_export(settings, args.table, args.format, out))
    elif mode == "run-job":
        asyncio.run(run_job(settings, args.name, args.at, out))
    elif mode == "jobs":
        asyncio.run(list_jobs(settings, out))
    elif mode in ROW_COMMANDS:
        report, retry, noun, _ = ROW_COMMANDS[mode]
        if args.action is None:
            asyncio.run(report(settings, out))
        elif args.target is None:
            print(f"Which {noun}? python app.py {mode} retry <id>|all", file=sys.stderr)
            return 2
        else:
            asyncio.run(retry(settings, args.target, out))
    elif mode == "report":
        try:
            written = asyncio.run(write_report(
                settings, period=args.period, at=args.at or datetime.now(UTC), fmt=args.format,
                output=Path(args.output) if args.output else None, community=args.community))
        except ReportError as error:
            print(error, file=sys.stderr)
            return 2
        except OSError as error:
            print(f"Can't write the report: {error.strerror or error}.", file=sys.stderr)
            return 2
        for path in written:
            print(f"Wrote {path}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
