"""`refresh-due`: authors of a program whose content is a year old are told once, reminded monthly, until a refresh."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import programs
from storage.models import Program
from tests.fakes import FakeClock, RecordingNotifier
from tests.scheduler.conftest import MakeScheduler
from tests.scheduler.seed import Seed

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


async def program(seed: Seed, title: str, created_at: datetime, authors: list[str],
                  refreshed_at: datetime | None = None) -> int:
    ids = await seed.ids(*authors)
    async with seed.uow() as uow:
        row = Program(community_id=seed.community_id, title=title, topic="safety", created_at=created_at,
                      refreshed_at=refreshed_at)
        uow.session.add(row)
        await uow.session.flush()
        await programs.add_authors(uow.session, row.id, [ids[a] for a in authors], at=created_at)
        await uow.commit()
        return row.id


def refresh_dms(notifier: RecordingNotifier) -> list[tuple[str, str]]:
    return [(to.user_id, reply.text) for to, reply in notifier.told if reply.title == "Program due for a refresh"]


async def test_authors_are_told_once_then_reminded_once_a_month_and_a_refresh_restarts_the_clock(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, clock: FakeClock
) -> None:
    old = await program(seed, "Safety basics", MONDAY - timedelta(days=400), ["tara", "tom"])
    fresh = await program(seed, "Fresh one", MONDAY - timedelta(days=100), ["tara"])
    await program(seed, "Refreshed lately", MONDAY - timedelta(days=800), ["tom"],
                  refreshed_at=MONDAY - timedelta(days=100))
    scheduler = make_scheduler()
    lines = await scheduler.run_job("refresh-due")
    assert sorted(lines) == [f"refresh-due program {old} · Test Co: told {who}" for who in ("tara", "tom")]
    [(_, text)] = [dm for dm in refresh_dms(notifier) if dm[0] == "tara"]
    assert text.startswith("The content of *Safety basics*") and f"program refreshed {old}" in text
    assert await scheduler.run_job("refresh-due") == ["refresh-due · Test Co: none due"]
    clock.advance(days=20)
    assert await scheduler.run_job("refresh-due") == ["refresh-due · Test Co: none due"]
    clock.advance(days=15)  # a month and more after the first notice
    assert sorted(await scheduler.run_job("refresh-due")) == [
        f"refresh-due program {old} · Test Co: told {who}" for who in ("tara", "tom")]
    assert refresh_dms(notifier)[-1][1].startswith("A monthly reminder: the content of *Safety basics*")
    assert await scheduler.run_job("refresh-due") == ["refresh-due · Test Co: none due"]
    assert len(refresh_dms(notifier)) == 4

    async with seed.uow() as uow:
        tara = (await seed.ids("tara"))["tara"]
        await programs.refresh(uow.session, old, by=tara, note="new case studies", at=clock.now)
        await uow.commit()
    clock.advance(days=200)
    assert await scheduler.run_job("refresh-due") == ["refresh-due · Test Co: none due"]
    clock.advance(days=170)  # a year after the refresh
    assert sorted(await scheduler.run_job("refresh-due")) == [
        *(f"refresh-due program {old} · Test Co: told {who}" for who in ("tara", "tom")),
        f"refresh-due program {fresh} · Test Co: told tara", "refresh-due program 3 · Test Co: told tom"]
    again = [text for _, text in refresh_dms(notifier)[-4:] if "Safety basics" in text]
    assert len(again) == 2 and all(t.startswith("The content of *Safety basics*") for t in again), "a new series"


async def test_three_schedulers_at_once_tell_each_author_once(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier
) -> None:
    await program(seed, "Safety basics", MONDAY - timedelta(days=400), ["tara", "tom", "tia"])
    schedulers = [make_scheduler(f"instance-{n}") for n in range(3)]
    await asyncio.gather(*(s.run_job("refresh-due") for s in schedulers))
    assert sorted(who for who, _ in refresh_dms(notifier)) == ["tara", "tia", "tom"]


def run_job(database_url: str, at: datetime) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    env.update(DATABASE_URL=database_url)
    return subprocess.Popen([sys.executable, str(ROOT / "app.py"), "run-job", "refresh-due", "--at", at.isoformat()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_three_processes_at_once_tell_each_author_once(database_url: str, seed: Seed) -> None:
    await program(seed, "Safety basics", MONDAY - timedelta(days=400), ["tara", "tom"])
    at = MONDAY + timedelta(hours=1)
    processes = [run_job(database_url, at) for _ in range(3)]
    outputs = []
    for process in processes:
        out, err = await asyncio.to_thread(process.communicate, timeout=120)
        assert process.returncode == 0, err
        outputs.append(out)
    told = [line for out in outputs for line in out.splitlines() if line.startswith("→ DM to @")]
    assert sorted(told) == ["→ DM to @tara:", "→ DM to @tom:"]
    again = run_job(database_url, at)
    out, _ = await asyncio.to_thread(again.communicate, timeout=120)
    assert "→ DM" not in out and "none due" in out


async def test_admins_set_how_often_programs_are_refreshed(
    seed: Seed, make_scheduler: MakeScheduler, notifier: RecordingNotifier, chat
) -> None:  # type: ignore[no-untyped-def]
    await program(seed, "Safety basics", MONDAY - timedelta(days=100), ["tara"])
    scheduler = make_scheduler()
    assert await scheduler.run_job("refresh-due") == ["refresh-due · Test Co: none due"]
    reply = await chat.say("root", "admin set refresh-months 3")
    assert reply.text.startswith("Programs are due for a content refresh 3 months after the last one")
    assert await scheduler.run_job("refresh-due") == ["refresh-due program 1 · Test Co: told tara"]
    assert "more than 3 months ago" in refresh_dms(notifier)[0][1]


async def test_jobs_lists_refresh_due(seed: Seed, make_scheduler: MakeScheduler) -> None:
    scheduler = make_scheduler()
    await scheduler.load()
    assert any(line.startswith("refresh-due") and "every 60 minutes" in line for line in scheduler.describe())
