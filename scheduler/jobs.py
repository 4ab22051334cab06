"""The scheduled jobs: plain async functions of one community and one moment.

Each asks ``handlers`` for neutral content and posts it through the outbox,
claiming every post in the ledger first (``storage.ledger``): the claim is
committed before building the post, so another instance or a later run skips
it. The post is then written to the outbox in the same transaction that marks
the claim posted, and sent at once; from there the outbox's deliverer retries it
and, after a crash, makes sure it is not posted twice (``handlers.delivery``).
A post that could not be built releases its claim so that the next run tries
again. Each returns short lines saying what happened, which ``run-job`` prints
and the scheduler logs.

Cron-driven jobs (roundup, digest, milestones) get the moment their run fell
due, which fixes the period they cover; scanning jobs (reminders, feedback
requests, nudges, burnout alerts) get the current time and look at windows
around it, so a scan that runs late still finds who is due.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import closeout as closing
from handlers import milestones as milestone_content
from handlers import programs as program_content
from handlers import reminders as reminder_content
from handlers import reply_json
from handlers import survey as survey_content
from handlers import workload as workload_content
from handlers.delivery import Deliverer
from handlers.digest import leadership_digest
from handlers.periods import first_zone
from handlers.ports import Clock, Kind
from handlers.roundup import weekly_roundup
from handlers.types import CommunityRef, Reply
from scheduler import timing
from storage import due, enrollments, ledger, members, outbox, programs, survey, workload
from storage.ledger import Slot
from storage.models import Community, Member, Program, TrainingSession
from storage.uow import UnitOfWork

log = logging.getLogger("guild.scheduler")
RETRIED = "left to the outbox (python app.py outbox)"


def _unobserved(job: str, outcome: str) -> None:
    """The default ``JobEnv.observe``: nobody counts."""


@dataclass(frozen=True)
class JobEnv:
    """What every job runs with; ``instance`` names this process in the ledger's ``claimed_by``.

    ``observe(job, outcome)`` is told what became of each post or DM a job
    claimed or skipped (``posted``; ``queued`` when the first try failed and the
    outbox retries it; ``skipped``, ``empty``, ``build_failed``); app.py counts
    them for /metrics.
    """

    uow: Callable[[], UnitOfWork]
    delivery: Deliverer
    clock: Clock
    default_zone: str
    admins: frozenset[str]
    timing: timing.Timing
    instance: str
    observe: Callable[[str, str], None] = _unobserved

    def zone(self, community: Community, member: Member | None = None) -> ZoneInfo:
        """The member's own zone when known, else the community's, else GUILD_TIMEZONE."""
        return first_zone(member.timezone if member else None, community.timezone, self.default_zone)


def ref(community: Community) -> CommunityRef:
    return CommunityRef(community.platform, community.external_id, community.name)


def label(community: Community) -> str:
    return community.name or f"{community.platform}:{community.external_id}"


@asynccontextmanager
async def reading(env: JobEnv) -> AsyncIterator[AsyncSession]:
    """A read-only unit of work whose rows stay readable (detached, not expired) after it ends."""
    async with env.uow() as uow:
        yield uow.session
        uow.session.expunge_all()


# --- claiming and delivering -----------------------------------------------------------------------------------


async def _claim(env: JobEnv, slots: list[Slot]) -> list[Slot]:
    """Claim each slot (in a stable order, so that concurrent claimers never deadlock); returns the ones won."""
    won = []
    async with env.uow() as uow:
        for slot in sorted(slots, key=lambda s: (s.channel, s.period)):
            if await ledger.claim(uow.session, slot, by=env.instance, at=env.clock()):
                won.append(slot)
        await uow.commit()
    return won


async def _release(env: JobEnv, slots: list[Slot]) -> None:
    async with env.uow() as uow:
        for slot in slots:
            await ledger.release(uow.session, slot, by=env.instance)
        await uow.commit()


@dataclass(frozen=True)
class Out:
    """One message a job sends: a DM (``tell``, to a user id) or a channel post."""

    kind: Kind
    target: str
    reply: Reply


async def _deliver(env: JobEnv, community: Community, slots: list[Slot], outs: list[Out]) -> bool:
    """Write ``outs`` to the outbox in the transaction that marks ``slots`` posted, then send them at once.

    From the commit on the slots are done for good: the outbox retries what fails
    and never posts twice what the platform took. True when everything went out
    now; False when some wait in the outbox for a retry (or are kept as failed).
    """
    items = [outbox.Item(out.kind, out.target, reply_json.dumps(out.reply)) for out in outs]
    async with env.uow() as uow:
        ids = await env.delivery.queue(uow.session, community.id, items, env.clock())
        for slot in slots:
            await ledger.mark_posted(uow.session, slot, at=env.clock())
        await uow.commit()
    sent = await env.delivery.send_now(ref(community), [
        (row_id, item, out.reply) for row_id, item, out in zip(ids, items, outs, strict=True)])
    done = len(sent) == len(ids)
    if outs:
        env.observe(slots[0].job, "posted" if done else "queued")
    if not done:
        log.warning("post failed; left to the outbox", extra={"job": slots[0].job, "channel": slots[0].channel})
    return done


async def _post_once(
    env: JobEnv,
    community: Community,
    slot: Slot,
    build: Callable[[AsyncSession], Awaitable[Reply | None]],
    what: str,
) -> str:
    """Claim ``slot``, build the post, post it; the claim comes first so only one instance builds and posts."""
    if not await _claim(env, [slot]):
        env.observe(slot.job, "skipped")
        return f"{what}: already posted (or being posted) — skipped"
    try:
        async with env.uow() as uow:
            reply = await build(uow.session)
    except Exception:
        log.exception("building a post failed", extra={"job": slot.job, "community": community.external_id})
        env.observe(slot.job, "build_failed")
        await _release(env, [slot])
        return f"{what}: failed to build — released for retry"
    if reply is None:
        env.observe(slot.job, "empty")
        await _release(env, [slot])
        return f"{what}: nothing to say — not posted"
    if await _deliver(env, community, [slot], [Out("post", slot.channel, reply)]):
        return f"{what}: posted to {slot.channel}"
    return f"{what}: post to {slot.channel} failed — {RETRIED}"


async def _tell_once(env: JobEnv, community: Community, slot: Slot, reply: Reply, what: str) -> str | None:
    """DM ``slot.channel`` (a user id) once; None when someone else already did."""
    if not await _claim(env, [slot]):
        env.observe(slot.job, "skipped")
        return None
    if await _deliver(env, community, [slot], [Out("tell", slot.channel, reply)]):
        return f"{what}: told {slot.channel}"
    return f"{what}: telling {slot.channel} failed — {RETRIED}"


# --- cron jobs ---------------------------------------------------------------------------------------------------


def roundup_slot(env: JobEnv, community: Community, at: datetime) -> Slot | None:
    """The ledger slot of the roundup due at ``at``; None without a roundup channel."""
    if not community.roundup_channel:
        return None
    return Slot("roundup", community.id, community.roundup_channel, timing.roundup_window(at, env.zone(community))[2])


def digest_slot(env: JobEnv, community: Community, at: datetime) -> Slot | None:
    """The ledger slot of the digest due at ``at``; None without a digest channel."""
    if not community.digest_channel:
        return None
    return Slot("digest", community.id, community.digest_channel,
                timing.digest_span(community, at, env.zone(community)).key)


async def roundup(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """The weekly recognition roundup due at ``at``, to the roundup channel."""
    zone = env.zone(community)
    start, end, week = timing.roundup_window(at, zone)
    what = f"roundup {week} · {label(community)}"
    slot = roundup_slot(env, community, at)
    if slot is None:
        return [f"{what}: no roundup channel set (admin channel roundup #channel) — skipped"]
    return [await _post_once(env, community, slot,
                             lambda session: weekly_roundup(session, community, start, end, zone), what)]


async def digest(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """The leadership digest of the period that ended when it fell due, to the digest channel."""
    zone = env.zone(community)
    span = timing.digest_span(community, at, zone)
    what = f"digest {span.key} · {label(community)}"
    slot = digest_slot(env, community, at)
    if slot is None:
        return [f"{what}: no digest channel set (admin channel digest #channel) — skipped"]
    return [await _post_once(env, community, slot,
                             lambda session: leadership_digest(session, community, span, zone), what)]


async def milestones(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """Milestones reached lately, each claimed on its own, announced together in one message."""
    what = f"milestones · {label(community)}"
    channel = community.milestones_channel or community.roundup_channel
    if not channel:
        return [f"{what}: no milestones or roundup channel set — skipped"]
    async with reading(env) as session:
        reached = await milestone_content.reached(session, community.id, at - env.timing.milestones_lookback, at)
    by_key = {m.key: m for m in reached}
    won = await _claim(env, [Slot(milestone_content.LEDGER_JOB, community.id, milestone_content.LEDGER_CHANNEL, key)
                             for key in by_key])
    if not won:
        return [f"{what}: none new"]
    announced = [by_key[slot.period] for slot in sorted(won, key=lambda s: list(by_key).index(s.period))]
    reply = milestone_content.announcement(announced)
    if await _deliver(env, community, won, [Out("post", channel, reply)]):
        lines = [f"{what}: posted {len(announced)} to {channel}"]
    else:
        lines = [f"{what}: posting {len(announced)} to {channel} failed — {RETRIED}"]
    for milestone in announced:
        if milestone.reached_by is not None:  # a career level: the trainer hears it in person too, once
            level = milestone.key.rsplit(":", 1)[1]
            slot = Slot("level-reached", community.id, milestone.reached_by.user_id, level)
            told = await _tell_once(env, community, slot, milestone_content.level_notice(level),
                                    f"level {level} · {label(community)}")
            lines += [told] if told else []
    return lines


# --- scanning jobs -------------------------------------------------------------------------------------------------


def _soon(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 55:
        return f"in {minutes} minutes"
    hours = round(minutes / 60)
    return "in about an hour" if hours == 1 else f"in about {hours} hours"


async def reminders(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """DM confirmed attendees and the trainer 24 hours and 1 hour before each session."""
    lines: list[str] = []
    for job, after, until in (("reminder-24h", at + timedelta(hours=1), at + timedelta(hours=24)),
                              ("reminder-1h", at, at + timedelta(hours=1))):
        async with reading(env) as session:
            starting = await due.starting_between(session, community.id, after, until)
            attendees = {row.id: await enrollments.people(session, row.id, ["confirmed"]) for row, _ in starting}
            filed = await ledger.filed(session, job=job, community_id=community.id,
                                       periods=[due.reminder_period(row) for row, _ in starting])
        for row, trainer in starting:
            for person in [trainer, *attendees[row.id]]:
                if filed.get((person.user_id, due.reminder_period(row))):
                    continue  # sent; an unsent claim is tried again (the ledger lets a stale one be taken over)
                reply = reminder_content.session_reminder(
                    row, trainer, lead=_soon(row.starts_at - at), zone=env.zone(community, person),
                    for_trainer=person.id == trainer.id,
                )
                slot = Slot(job, community.id, person.user_id, due.reminder_period(row))
                line = await _tell_once(env, community, slot, reply, f"{job} session {row.id} · {label(community)}")
                lines += [line] if line else []
    return lines


async def feedback_requests(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """Ask each attendee of a recently ended session to rate it; remind once a day later; stop once rated.

    Only people marked as attended are asked, because only they can rate; a
    session whose attendance is marked late gets its requests then (within the
    feedback window).
    """
    lines: list[str] = []
    async with reading(env) as session:
        ended = await due.ended_between(session, community.id, at - env.timing.feedback_window, at)
        trainers = await members.by_ids(session, (row.trainer_id for row in ended))
        attended = {row.id: await enrollments.people(session, row.id, ["attended"]) for row in ended}
        rated = await due.rated(session, attended)
        periods = [str(row.id) for row in ended]
        asked = await ledger.filed(session, job="feedback-request", community_id=community.id, periods=periods)
        reminded = await ledger.filed(session, job="feedback-reminder", community_id=community.id,
                                      periods=periods)
    for row in ended:
        for person in attended[row.id]:
            key = (person.user_id, str(row.id))
            if (row.id, person.id) in rated or reminded.get(key):
                continue
            asked_at = asked.get(key)  # None: never asked, or the request is claimed but unsent
            if key in reminded or (asked_at and asked_at <= at - env.timing.feedback_reminder_after):
                job, reply = "feedback-reminder", reminder_content.feedback_request(
                    row, trainers[row.trainer_id], reminder=True)
            elif not asked_at:
                job, reply = "feedback-request", reminder_content.feedback_request(
                    row, trainers[row.trainer_id], reminder=False)
            else:
                continue
            line = await _tell_once(env, community, Slot(job, community.id, person.user_id, str(row.id)), reply,
                                    f"{job} session {row.id} · {label(community)}")
            lines += [line] if line else []
    return lines


async def onboarding_nudges(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """Nudge trainers whose onboarding has not moved for a week — once per quiet spell."""
    lines: list[str] = []
    async with reading(env) as session:
        stalled = await due.stalled_onboarding(session, community.id, at - env.timing.onboarding_quiet)
        ticked = await due.ticked_steps(session, (member.id for member, _ in stalled))
    for member, last in stalled:
        slot = Slot("onboarding-nudge", community.id, member.user_id, f"quiet-since:{last:%Y-%m-%dT%H:%M}")
        nudge = reminder_content.onboarding_nudge(ticked[member.id], community.trainer_guide_url)
        line = await _tell_once(env, community, slot, nudge, f"onboarding-nudge · {label(community)}")
        lines += [line] if line else []
    return lines + await _survey_reminders(env, community, at)


async def _survey_reminders(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """One reminder, 3 days after a survey round opened, to each active trainer who has not answered it.

    Part of the hourly trainer-nudging scan; the ledger (job ``survey-reminder``,
    period the round) keeps it to one per trainer and round.
    """
    async with reading(env) as session:
        round_ = await survey.latest(session, community.id)
        if round_ is None or at < round_.started_at + survey_content.REMINDER_AFTER:
            return []
        answered = await survey.responded(session, round_.id)
        waiting = [m for m in await survey.active_trainers(session, community.id) if m not in answered]
        people = await members.by_ids(session, waiting)
        filed = await ledger.filed(session, job="survey-reminder", community_id=community.id,
                                   periods=[str(round_.id)])
    lines: list[str] = []
    for member_id in waiting:
        person = people[member_id]
        if filed.get((person.user_id, str(round_.id))):
            continue
        slot = Slot("survey-reminder", community.id, person.user_id, str(round_.id))
        line = await _tell_once(env, community, slot, survey_content.form(round_, reminder=True),
                                f"survey-reminder round {round_.id} · {label(community)}")
        lines += [line] if line else []
    return lines


async def burnout_alerts(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """Tell admins privately when a trainer goes over the burnout threshold — once per four weeks per trainer."""
    lines: list[str] = []
    window = env.timing.burnout_window
    threshold = community.burnout_threshold
    async with reading(env) as session:
        over = await workload.overloaded(session, community.id, at - window, at, sessions=threshold,
                                         minutes=workload_content.hours_bar(threshold))
        admins = await members.admins(session, community.id, env.admins)
        due_to = {load.member.id: [admin for admin in admins if not await ledger.notified_since(
            session, job="burnout-alert", community_id=community.id, channel=admin.user_id,
            period_prefix=f"{load.member.id}:", since=at - window, at=at)] for load in over}
    for load in over:
        reply = workload_content.burnout_notice(load, threshold)
        for admin in due_to[load.member.id]:
            slot = Slot("burnout-alert", community.id, admin.user_id, f"{load.member.id}:{at:%Y-%m-%d}")
            what = f"burnout-alert {load.member.user_id} · {label(community)}"
            line = await _tell_once(env, community, slot, reply, what)
            lines += [line] if line else []
    return lines + await _repetition_alerts(env, community, at, admins)


async def _repetition_alerts(env: JobEnv, community: Community, at: datetime, admins: list[Member]) -> list[str]:
    """The same program or title delivered more than ``repeat-limit`` times in 4 weeks by one trainer.

    The trainer and every admin are told once per 4 weeks per trainer and content
    (ledger job ``repeat-alert``, period ``<trainer>:<content>:<day>``), with the
    trainers who could co-deliver it.
    """
    lines: list[str] = []
    window = env.timing.burnout_window
    limit = workload_content.repeat_limit(community)
    async with reading(env) as session:
        found = await workload.repetitions(session, community.id, at - window, at, limit)
        plans = []
        for rep in found:
            prefix = f"{rep.member.id}:{rep.key}:"
            others = await workload.co_deliverers(session, community.id, rep)
            for person, to_trainer in [(rep.member, True), *((a, False) for a in admins if a.id != rep.member.id)]:
                if not await ledger.notified_since(session, job="repeat-alert", community_id=community.id,
                                                   channel=person.user_id, period_prefix=prefix, since=at - window,
                                                   at=at):
                    plans.append((rep, person, prefix, workload_content.repetition_notice(
                        rep, limit, others, to_trainer=to_trainer)))
    for rep, person, prefix, reply in plans:
        slot = Slot("repeat-alert", community.id, person.user_id, f"{prefix}{at:%Y-%m-%d}"[:128])
        line = await _tell_once(env, community, slot, reply,
                                f"repeat-alert {rep.member.user_id} · {label(community)}")
        lines += [line] if line else []
    return lines


async def closeout(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """Ask trainers to close sessions that ended, remind them the next morning, close it after the grace days.

    Each message is claimed in the ledger per session (jobs ``closeout-ask``,
    ``closeout-reminder``, ``closeout-closed``; the trainer's user id as channel),
    so it goes out once whatever the number of instances or re-runs. Closing is
    claimed first and done under the session's row lock, so only one instance
    closes it and the trainer hears about it once; a session the trainer closed
    meanwhile is left alone.
    """
    lines: list[str] = []
    days = community.closeout_days
    async with reading(env) as session:
        ended = await due.unclosed(session, community.id, at)
        trainers = await members.by_ids(session, (row.trainer_id for row in ended))
        periods = [str(row.id) for row in ended]
        asked = await ledger.filed(session, job="closeout-ask", community_id=community.id, periods=periods)
        reminded = await ledger.filed(session, job="closeout-reminder", community_id=community.id, periods=periods)
        messages: dict[int, tuple[str, Reply]] = {}
        for row in ended:
            trainer = trainers[row.trainer_id]
            zone = env.zone(community, trainer)
            key = (trainer.user_id, str(row.id))
            if at >= closing.close_due(row, days):
                continue
            if key not in asked:
                messages[row.id] = ("closeout-ask", await closing.ask(session, row, trainer, zone=zone, days=days,
                                                                      reminder=False))
            elif asked[key] and key not in reminded and at >= closing.reminder_due(row, zone):
                messages[row.id] = ("closeout-reminder", await closing.ask(session, row, trainer, zone=zone,
                                                                           days=days, reminder=True))
    for row in ended:
        trainer = trainers[row.trainer_id]
        what = f"closeout session {row.id} · {label(community)}"
        if at >= closing.close_due(row, days):
            line = await _close_once(env, community, row, trainer, at, what)
        elif row.id in messages:
            job, reply = messages[row.id]
            line = await _tell_once(env, community, Slot(job, community.id, trainer.user_id, str(row.id)), reply,
                                    f"{job} session {row.id} · {label(community)}")
        else:
            line = None
        lines += [line] if line else []
    return lines


async def refresh_due(env: JobEnv, community: Community, at: datetime) -> list[str]:
    """Tell the authors of each program whose content is older than ``refresh-months``; remind them monthly.

    The first notice falls due ``refresh-months`` after the last refresh (or the
    creation), a reminder each whole month after; each is its own ledger slot,
    keyed by the clock's start, so a refresh (which moves the start) restarts the
    sequence. A run that missed months sends only the current one, never a backlog.
    """
    months = program_content.refresh_months(community)
    async with reading(env) as session:
        overdue = await programs.overdue(session, community.id, now=at, months=months)
        authors = await programs.authors(session, (program.id for program in overdue))
        periods = {program.id: _refresh_period(program, months, at) for program in overdue}
        filed = await ledger.filed(session, job="refresh-due", community_id=community.id,
                                   periods=[period for period, _ in periods.values()])
        due: list[tuple[Program, Member, str, bool]] = []
        for program in overdue:
            period, clock = periods[program.id]
            for author in authors[program.id]:
                if filed.get((author.user_id, period)):
                    continue  # sent; an unsent claim is tried again (the ledger lets a stale one be taken over)
                told_before = await ledger.notified_since(
                    session, job="refresh-due", community_id=community.id, channel=author.user_id,
                    period_prefix=clock, since=programs.clock_start(program), at=at)
                due.append((program, author, period, told_before))
    lines: list[str] = []
    for program, author, period, reminder in due:
        reply = program_content.refresh_notice(program, months, reminder=reminder)
        line = await _tell_once(env, community, Slot("refresh-due", community.id, author.user_id, period), reply,
                                f"refresh-due program {program.id} · {label(community)}")
        lines += [line] if line else []
    return lines


async def _close_once(env: JobEnv, community: Community, row: TrainingSession, trainer: Member, at: datetime,
                      what: str) -> str | None:
    """Close an overdue session (one instance wins the claim) and tell its trainer what was counted."""
    slot = Slot("closeout-closed", community.id, trainer.user_id, str(row.id))
    if not await _claim(env, [slot]):
        return None
    try:
        async with env.uow() as uow:
            closed = await closing.close(uow.session, community.id, row.id, at,
                                         guide=community.trainer_guide_url)
            await uow.commit()
    except Exception:
        log.exception("closing a session failed", extra={"job": "closeout", "community": community.external_id})
        await _release(env, [slot])
        return f"{what}: closing failed — released for retry"
    if closed is None:
        await _deliver(env, community, [slot], [])  # closed by its trainer meanwhile: nothing to tell
        return None
    notice = closing.closed_notice(row, closed, zone=env.zone(community, trainer), days=community.closeout_days)
    outs = [Out("tell", trainer.user_id, notice)]
    if closed.congratulation is not None:
        outs.append(Out("tell", trainer.user_id, closed.congratulation))
    if await _deliver(env, community, [slot], outs):
        return f"{what}: closed, {closed.attended} attended — told {trainer.user_id}"
    return f"{what}: closed; telling {trainer.user_id} failed — {RETRIED}"


def _refresh_period(program: Program, months: int, at: datetime) -> tuple[str, str]:
    """The ledger period of the notice due at ``at``, and its prefix naming the clock it belongs to.

    The period is the clock's start plus the whole months since the refresh fell
    due, so each month has one notice per author and a refresh starts a new series.
    """
    start = programs.clock_start(program)
    due = programs.months_after(start, months)
    late = (at.year - due.year) * 12 + at.month - due.month
    if programs.months_after(due, late) > at:
        late -= 1
    clock = f"{program.id}:{start:%Y%m%dT%H%M%S%f}:"
    return f"{clock}{late}", clock


Job = Callable[[JobEnv, Community, datetime], Awaitable[list[str]]]

CRON_JOBS: dict[str, Job] = {"roundup": roundup, "digest": digest, "milestones": milestones}
MISSABLE: dict[str, Callable[[JobEnv, Community, datetime], Slot | None]] = {
    "roundup": roundup_slot,
    "digest": digest_slot,
}
SCANNING_JOBS: dict[str, Job] = {
    "reminders": reminders,
    "feedback-requests": feedback_requests,
    "onboarding-nudges": onboarding_nudges,
    "burnout-alerts": burnout_alerts,
    "closeout": closeout,
    "refresh-due": refresh_due,
}
HOURLY = ("onboarding-nudges", "burnout-alerts", "refresh-due")  # scans that need not run every few minutes
