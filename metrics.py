"""Guild's Prometheus metrics: what an operator graphs and alerts on, served at ``GET /metrics``.

The parts that produce the numbers know nothing of Prometheus: the core calls
its ``on_command`` observers, the scheduler its ``on_post``, the Slack and
Teams adapters their ``on_api_error`` and their in-flight trackers'
``on_done``. ``app.build`` connects those callbacks to one ``Metrics``, so
``handlers/``, ``scheduler/`` and ``bot/`` stay free of this library.

Each Guild process has its own registry (not the library's global one): the
tests build several Guilds in one process, and a process only ever reports its
own work. Label values come from fixed sets (command class names, job names,
platform error codes), never from what people typed.

With ``GUILD_WORKERS`` the work is done in other processes. Given
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multi-process mode, chosen
when the library is imported, so it must be in the environment the process
starts with), every process of the instance keeps its values in files there
and the serving process's ``/metrics`` adds them up: the workers' commands,
completions and outbox deliveries are counted with the serving process's acks.
``serve`` empties the directory when it starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

# Slack gives up on an ack after 3 s; the buckets around it say how close Guild comes.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
COMPLETION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST
# With several processes, a gauge the serving process reads from the database before each scrape is its latest value.
READ_AT_SCRAPE = "mostrecent"

log = logging.getLogger("guild.metrics")

Probe = Callable[[], Awaitable[None]]


def shared_dir() -> Path | None:
    """Where the processes of one instance keep their metrics (prometheus_client's variable), if set."""
    found = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(found) if found else None


def reset_shared_dir() -> None:
    """A fresh start for the instance: files left by the processes of an earlier run would add to its counts."""
    path = shared_dir()
    if path is None:
        return
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def process_gone(pid: int) -> None:
    """A worker process exited: its live gauges go with it (its counts stay in the totals)."""
    if shared_dir() is not None:
        multiprocess.mark_process_dead(pid)


class Metrics:
    """The metrics of one Guild process and the callbacks that feed them."""

    def __init__(self) -> None:
        shared = shared_dir()
        if shared is not None:
            shared.mkdir(parents=True, exist_ok=True)
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "guild_commands", "Commands handled, by command and result "
            "(ok, refused, usage, duplicate, error, deferred)", ["command", "result"], registry=self.registry)
        self.ack_seconds = Histogram(
            "guild_ack_seconds", "Time from a platform request arriving to its HTTP answer (the ack)",
            ["platform"], buckets=ACK_BUCKETS, registry=self.registry)
        self.completion_seconds = Histogram(
            "guild_completion_seconds", "Time to finish the work of one platform request, ack included",
            ["platform"], buckets=COMPLETION_BUCKETS, registry=self.registry)
        self.scheduled_posts = Counter(
            "guild_scheduled_posts", "Scheduled posts and DMs by job and outcome (posted; queued: the first try "
            "failed and the outbox has it; skipped, empty, build_failed)", ["job", "outcome"],
            registry=self.registry)
        self.platform_errors = Counter(
            "guild_platform_api_errors", "Errors answered by the Slack Web API or the Bot Framework connector, "
            "by platform and kind (Slack's error code, http_<status>, connection, timeout)",
            ["platform", "kind"], registry=self.registry)
        self.inbox_events = Counter(
            "guild_inbox_events", "Inbox deliveries by event: recorded, duplicate (a retry or replay, answered "
            "and ignored), busy (the work queue was full), recovered (taken over by a sweeper), retry (the "
            "database was away), failed (given up after the tries; kept for an operator)", ["event"],
            registry=self.registry)
        self.inbox_depth = Gauge(
            "guild_inbox_depth", "Inbox rows whose work is not done yet (read from the database at scrape time)",
            registry=self.registry, multiprocess_mode=READ_AT_SCRAPE)
        self.inbox_oldest = Gauge(
            "guild_inbox_oldest_age_seconds", "Age of the oldest inbox row not done yet (0 when none)",
            registry=self.registry, multiprocess_mode=READ_AT_SCRAPE)
        self.inbox_failed = Gauge(
            "guild_inbox_failed", "Inbox rows given up after their tries, waiting for an operator",
            registry=self.registry, multiprocess_mode=READ_AT_SCRAPE)
        self.outbox_deliveries = Counter(
            "guild_outbox_deliveries", "Outbox messages by platform, kind (tell, post) and outcome: sent, found "
            "(the platform had it from before a crash: recorded, not sent again), retried, failed (kept for an "
            "operator)", ["platform", "kind", "outcome"], registry=self.registry)
        self.outbox_depth = Gauge(
            "guild_outbox_depth", "Outbox messages not sent, by state: pending (waiting for a retry), sending, "
            "failed (read from the database at scrape time)", ["state"], registry=self.registry,
            multiprocess_mode=READ_AT_SCRAPE)
        self.outbox_oldest = Gauge(
            "guild_outbox_oldest_age_seconds", "Age of the oldest outbox message not sent yet, failed ones aside "
            "(0 when none)", registry=self.registry, multiprocess_mode=READ_AT_SCRAPE)
        self.draining = Gauge(
            "guild_draining", "1 while this instance drains before exiting (then /readyz answers 503)",
            registry=self.registry, multiprocess_mode="livemax")
        self._probes: list[Probe] = []

    # --- the callbacks app.build hands to the core, the scheduler and the adapters ---------------------------

    def command(self, name: str, result: str) -> None:
        self.commands.labels(name, result).inc()

    def scheduled_post(self, job: str, outcome: str) -> None:
        self.scheduled_posts.labels(job, outcome).inc()

    def platform_error(self, platform: str) -> Callable[[str], None]:
        return lambda kind: self.platform_errors.labels(platform, kind).inc()

    def acked(self, platform: str, seconds: float) -> None:
        self.ack_seconds.labels(platform).observe(seconds)

    def inbox_event(self, event: str) -> None:
        self.inbox_events.labels(event).inc()

    def work_done(self, platform: str, seconds: float) -> None:
        self.completion_seconds.labels(platform).observe(seconds)

    def watch_inbox(self, depth: Callable[[], Awaitable[tuple[int, float, int]]]) -> None:
        """Read the inbox's depth, oldest age and failed rows before each scrape (one indexed query)."""
        async def refresh() -> None:
            waiting, oldest_age, failed = await depth()
            self.inbox_depth.set(waiting)
            self.inbox_oldest.set(oldest_age)
            self.inbox_failed.set(failed)

        self.probe(refresh)

    def outbox_delivery(self, platform: str, kind: str, outcome: str) -> None:
        self.outbox_deliveries.labels(platform, kind, outcome).inc()

    def watch_outbox(self, depth: Callable[[], Awaitable[tuple[dict[str, int], float]]]) -> None:
        """Read the outbox's depth by state and its oldest waiting message's age before each scrape."""
        async def refresh() -> None:
            counts, oldest_age = await depth()
            for state in ("pending", "sending", "failed"):
                self.outbox_depth.labels(state).set(counts.get(state, 0))
            self.outbox_oldest.set(oldest_age)

        self.probe(refresh)

    # --- exposition ----------------------------------------------------------------------------------------------

    def probe(self, refresh: Probe) -> None:
        """Run ``refresh`` before each scrape, e.g. to read queue depths from the database."""
        self._probes.append(refresh)

    async def render(self) -> bytes:
        """The text exposition format, after refreshing the probed gauges."""
        for refresh in self._probes:
            try:
                await refresh()
            except Exception:  # a probe that cannot read (database down) leaves its gauges as they were
                log.warning("metrics probe failed", exc_info=True)
        if shared_dir() is None:
            return generate_latest(self.registry)
        every_process = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_process)
        return generate_latest(every_process)
