"""`python app.py run-job closeout --at …`, run again and by three processes at once, tells each trainer once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import create_engine, session_factory
from storage.uow import UnitOfWork
from tests.scheduler.seed import Seed

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
AT = (START + timedelta(hours=1, minutes=5)).isoformat()


async def seed_sessions(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        seed = Seed(lambda: UnitOfWork(session_factory(engine)))
        await seed.community()
        await seed.session("tara", START, status="scheduled", confirmed=["ana"])
        await seed.session("tom", START, status="scheduled", confirmed=["ben", "cy"])
    finally:
        await engine.dispose()


def run_job(database_url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    env.update(DATABASE_URL=database_url)
    return subprocess.Popen([sys.executable, str(ROOT / "app.py"), "run-job", "closeout", "--at", AT],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def outputs(processes: list[subprocess.Popen[str]]) -> str:
    said = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        said.append(out)
    return "".join(said)


def test_run_job_closeout_twice_and_three_at_once_sends_one_message_per_session(database_url: str) -> None:
    asyncio.run(seed_sessions(database_url))
    concurrent = 3 if database_url.startswith("postgresql") else 1  # SQLite: one writer per file anyway
    first = outputs([run_job(database_url) for _ in range(concurrent)])
    again = outputs([run_job(database_url)])
    said = first + again
    assert said.count("→ DM to @tara:") == 1 and said.count("→ DM to @tom:") == 1
    assert said.count("closeout-ask session 1 · Test Co: told tara") == 1
    assert said.count("closeout-ask session 2 · Test Co: told tom") == 1
    assert "All 2 came" in said and "Close session" in said
    assert "closeout · Test Co: none due" in again
