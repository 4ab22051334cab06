"""Guild's scheduler: APScheduler's asyncio scheduler, driven by Guild's own tables.

APScheduler only decides *when* to wake up. Its jobs live in memory and are
rebuilt from the communities' rows at start, whenever an admin changes a
setting (``reload``) and every few minutes (new communities appear when someone
first talks to Guild). *Whether* to post is the ledger's decision, in the
database every instance shares, so several instances, restarts and operators'
``run-job`` all post each period once.

A refresh every ``Timing.refresh_every`` also catches up: a roundup or digest
whose due time passed within its grace window and that is not in the ledger is
posted then — which covers downtime over the due time and retries a failed post.
Older misses are skipped and logged once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from handlers.core import Core
from handlers.periods import first_zone
from handlers.ports import Clock
from handlers.types import CommunityRef
from scheduler import timing
from scheduler.jobs import CRON_JOBS, HOURLY, MISSABLE, SCANNING_JOBS, JobEnv, label, reading
from scheduler.timing import Timing
from storage import ledger, members
from storage.models import Community
from storage.uow import UnitOfWork

log = logging.getLogger("guild.scheduler")


def instance_name() -> str:
    """Who claims posts in the ledger: host, process and a random suffix, unique per scheduler."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class GuildScheduler:
    def __init__(
        self,
        *,
        core: Core,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        settings: Any,
        timing: Timing | None = None,
        instance: str | None = None,
        on_post: Callable[[str, str], None] | None = None,
    ) -> None:
        """``settings`` needs ``timezone`` (GUILD_TIMEZONE) and ``admins`` (GUILD_ADMINS);
        ``on_post(job, outcome)`` is told what became of each claimed post (see ``JobEnv.observe``).
        Posts go out through ``core.delivery``, the process's outbox deliverer."""
        self.env = JobEnv(
            uow=uow,
            delivery=core.delivery,
            clock=clock,
            default_zone=settings.timezone,
            admins=frozenset(settings.admins),
            timing=timing or Timing(),
            instance=instance or instance_name(),
            **({"observe": on_post} if on_post else {}),
        )
        self._aps: AsyncIOScheduler | None = None
        self._communities: dict[int, Community] = {}
        self._triggers: dict[str, str] = {}
        self._reported_misses: set[tuple[str, int, datetime]] = set()
        core.on_settings_changed.append(self.reload)

    # --- lifecycle ----------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Build the jobs and start ticking; must run inside the event loop. Posts missed runs within grace."""
        every = self.env.timing
        self._aps = AsyncIOScheduler(
            timezone=first_zone(self.env.default_zone),
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        for name in SCANNING_JOBS:
            interval = every.nudge_every if name in HOURLY else every.scan_every
            self._aps.add_job(self._scan, IntervalTrigger(seconds=interval.total_seconds()), args=[name],
                              id=f"scan:{name}", name=name, misfire_grace_time=int(interval.total_seconds()))
        self._aps.add_job(self.refresh, IntervalTrigger(seconds=every.refresh_every.total_seconds()), id="refresh",
                          name="refresh", misfire_grace_time=int(every.refresh_every.total_seconds()))
        await self.load()
        self._schedule()
        self._aps.start()
        log.info("scheduler started", extra={"job": "scheduler", "result": f"{len(self._communities)} communities"})
        await self.catch_up()

    async def shutdown(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        self._aps = None

    async def reload(self, community: CommunityRef) -> None:
        """An admin changed a community's settings: rebuild its jobs from the stored row."""
        await self.load()
        self._schedule()
        log.info("schedule reloaded", extra={"job": "scheduler", "community": community.external_id})

    async def refresh(self) -> None:
        """Pick up new communities and changed rows, then post anything due and missing (within grace)."""
        await self.load()
        self._schedule()
        await self.catch_up()

    # --- running jobs -----------------------------------------------------------------------------------------------

    async def run_job(self, name: str, at: datetime | None = None) -> list[str]:
        """Run one job once, as if it were ``at`` (default now); the ledger still applies.

        For roundup, digest and milestones that means the run due at ``at`` (the
        latest scheduled time at or before it), whatever the grace window.
        """
        at = (at or self.env.clock()).astimezone(UTC)
        if name not in CRON_JOBS and name not in SCANNING_JOBS:
            return [f"Unknown job '{name}'. Jobs: {', '.join([*CRON_JOBS, *SCANNING_JOBS])}."]
        communities = await self.load()
        if not communities:
            return ["No communities yet — nothing to do."]
        lines: list[str] = []
        for community in communities:
            if name in SCANNING_JOBS:
                done = await SCANNING_JOBS[name](self.env, community, at)
                lines += done or [f"{name} · {label(community)}: none due"]
                continue
            due = timing.last_fire(self._cron_triggers(community)[name], at)
            if due is None:
                lines.append(f"{name} · {label(community)}: no run due by {at:%Y-%m-%d %H:%M} UTC")
            else:
                lines += await CRON_JOBS[name](self.env, community, due)
        return lines

    async def catch_up(self) -> None:
        """Run each roundup and digest whose due time passed within its grace window.

        The ledger makes this harmless when the run already happened, so it also
        retries a post that failed. A due time older than the grace window that
        never got posted is logged once. Milestones need no catching up: each
        daily run looks a week back.
        """
        now = self.env.clock()
        for community in list(self._communities.values()):
            triggers = self._cron_triggers(community)
            for name in MISSABLE:
                due = timing.last_fire(triggers[name], now)
                if due is None:
                    continue
                if now - due <= self.env.timing.grace(name):
                    await self._run_cron(name, community, due)
                else:
                    await self._report_miss(name, community, due)

    async def _report_miss(self, name: str, community: Community, due: datetime) -> None:
        if (name, community.id, due) in self._reported_misses:
            return
        self._reported_misses.add((name, community.id, due))
        slot = MISSABLE[name](self.env, community, due)
        if slot is None:
            return
        async with reading(self.env) as session:
            posted = await ledger.is_claimed(session, slot)
        if not posted:
            log.warning("%s due %s was not posted and is older than the grace window; skipped", name, due.isoformat(),
                        extra={"job": name, "community": community.external_id, "channel": slot.channel})

    async def _run_cron(self, name: str, community: Community, due: datetime) -> None:
        try:
            for line in await CRON_JOBS[name](self.env, community, due):
                log.info(line, extra={"job": name, "community": community.external_id})
        except Exception:
            log.exception("job failed", extra={"job": name, "community": community.external_id})

    async def _fire(self, name: str, community_id: int) -> None:
        """APScheduler's entry point for a community's cron job."""
        await self.load()
        community = self._communities.get(community_id)
        if community is None:
            return
        now = self.env.clock()
        due = timing.last_fire(self._cron_triggers(community)[name], now)
        if due is not None and now - due <= self.env.timing.grace(name):
            await self._run_cron(name, community, due)

    async def _scan(self, name: str) -> None:
        """APScheduler's entry point for a scanning job: every community, one after another."""
        now = self.env.clock()
        for community in await self.load():
            try:
                for line in await SCANNING_JOBS[name](self.env, community, now):
                    log.info(line, extra={"job": name, "community": community.external_id})
            except Exception:
                log.exception("job failed", extra={"job": name, "community": community.external_id})

    # --- the job table ----------------------------------------------------------------------------------------------

    def describe(self) -> list[str]:
        """Each job with its next run time, in the community's zone."""
        now = self.env.clock()
        lines = []
        for community in self._communities.values():
            zone = self.env.zone(community)
            for name, trigger in self._cron_triggers(community).items():
                upcoming = timing.next_fire(trigger, now)
                when = f"{upcoming.astimezone(zone):%a %Y-%m-%d %H:%M} ({zone.key})" if upcoming else "never"
                lines.append(f"{name:<18} {label(community)}: next {when}")
        every = self.env.timing
        for name in SCANNING_JOBS:
            interval = every.nudge_every if name in HOURLY else every.scan_every
            lines.append(f"{name:<18} all communities: every {int(interval.total_seconds() // 60)} minutes")
        return lines

    async def load(self) -> list[Community]:
        """Read the communities (and their settings) that ``describe`` and the jobs work from."""
        async with reading(self.env) as session:
            found = await members.all_communities(session)
        self._communities = {community.id: community for community in found}
        return found

    def _cron_triggers(self, community: Community) -> dict[str, timing.LocalSchedule]:
        zone = self.env.zone(community)
        every = self.env.timing
        return {
            "roundup": timing.roundup_trigger(community, zone),
            "digest": timing.digest_trigger(community, zone, every.digest_at),
            "milestones": timing.daily_trigger(zone, every.milestones_at),
        }

    def _schedule(self) -> None:
        """Add, replace or remove the cron jobs so that APScheduler matches the stored rows."""
        if self._aps is None:
            return
        wanted: dict[str, tuple[str, int, timing.LocalSchedule]] = {}
        for community in self._communities.values():
            for name, trigger in self._cron_triggers(community).items():
                wanted[f"{name}:{community.id}"] = (name, community.id, trigger)
        for job_id in set(self._triggers) - set(wanted):
            self._aps.remove_job(job_id)
            del self._triggers[job_id]
        for job_id, (name, community_id, trigger) in wanted.items():
            signature = str(trigger)
            if self._triggers.get(job_id) == signature:
                continue
            self._aps.add_job(self._fire, trigger, args=[name, community_id], id=job_id, name=job_id,
                              replace_existing=True,
                              misfire_grace_time=_grace_seconds(self.env.timing.grace(name)))
            self._triggers[job_id] = signature


def _grace_seconds(grace: timedelta) -> int:
    """APScheduler wants at least one second; a grace of 0 ("never post late") is the closest it allows."""
    return max(1, int(grace.total_seconds()))
