"""`python app.py` with no platform credentials is a console chat, scriptable through standard input."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.console import to_message
from storage.db import create_engine, session_factory
from storage.models import Enrollment, Kudos, TopicRequest
from storage.uow import UnitOfWork
from tests.fakes import next_friday_roundup

ROOT = Path(__file__).resolve().parents[2]


def run_console(script: str, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    env.update(DATABASE_URL=database_url, USER="lead", LOGNAME="lead")
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args], input=script, capture_output=True, text=True,
        env=env, cwd=ROOT, timeout=60,
    )


async def count(database_url: str, query) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            return int(await uow.session.scalar(query) or 0)
    finally:
        await engine.dispose()


def test_the_readme_session_signs_people_up_and_promotes_the_waitlist(database_url: str) -> None:
    day = (date.today() + timedelta(days=10)).isoformat()
    script = "\n".join([
        "volunteer sql, excel",
        f'session new "Intro to SQL" {day} 14:00 60m 1 #sql',
        ":as ana",
        "1",
        ":as ben",
        "signup 1",
        ":as ana",
        "cancel 1",
        "kudos @lead thanks for the great SQL intro #clarity",
    ]) + "\n"
    result = run_console(script, database_url)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Guild console — you are @lead" in out
    assert "(pressed: signup 1)" in out
    assert "→ DM to @ben:" in out  # promoted from the waitlist when ana cancelled
    assert "→ DM to @lead:" in out  # the trainer hears about sign-ups, and the kudos
    assert out.rstrip().endswith("Bye!")
    assert "Traceback" not in out + result.stderr
    assert asyncio.run(count(database_url, select(func.count()).select_from(Kudos))) == 1
    confirmed = select(func.count()).select_from(Enrollment).where(Enrollment.status == "confirmed")
    assert asyncio.run(count(database_url, confirmed)) == 1


def test_console_is_the_default_without_credentials_and_ends_at_end_of_input(database_url: str) -> None:
    result = run_console("help\n", database_url)
    assert result.returncode == 0
    assert "Here's what I can do" in result.stdout and "Bye!" in result.stdout


def test_bad_input_gets_usage_not_a_traceback(database_url: str) -> None:
    result = run_console('session new "unclosed 2026-01-01\nsignup abc\nfeedback 1 9\n:as\n7\n', database_url,
                         "console")
    out = result.stdout
    assert result.returncode == 0
    assert out.count("Usage:") >= 3
    assert "Usage: :as <name>" in out and "no button with that number" in out
    assert "Traceback" not in out + result.stderr


def test_migrate_brings_a_new_database_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run_console("", url, "migrate")
    assert result.returncode == 0 and "up to date" in result.stdout


def test_a_wrong_setting_is_reported_clearly(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PORT": "eighty"}
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "migrate"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "PORT must be a number" in result.stderr and "Traceback" not in result.stderr


def test_operators_list_the_jobs_and_run_one_by_hand(database_url: str) -> None:
    """`jobs` only reads the schedule (it posts nothing); `run-job` posts a due roundup once, to the console."""
    day = (date.today() - timedelta(days=1)).isoformat()
    setup = "\n".join([
        "admin channel roundup #wins",
        "admin schedule roundup fri 16:00",
        "admin timezone Europe/Berlin",
        ":as ana",
        "kudos @ben thanks for pairing on the quarterly report #teamwork",
        "volunteer excel",
        f'session new "Pivot tables" {day} 10:00 60m 5 #excel',
    ]) + "\n"
    assert run_console(setup, database_url).returncode == 0

    listed = run_console("", database_url, "jobs")
    assert listed.returncode == 0, listed.stderr
    assert "roundup" in listed.stdout and "Fri" in listed.stdout and "(Europe/Berlin)" in listed.stdout
    assert "→" not in listed.stdout  # nothing was posted while listing

    at = next_friday_roundup(datetime.now(ZoneInfo("Europe/Berlin"))).isoformat()
    first = run_console("", database_url, "run-job", "roundup", "--at", at)
    again = run_console("", database_url, "run-job", "roundup", "--at", at)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "posted to" in first.stdout and "@ben" in first.stdout
    assert "posted to" not in again.stdout


def test_a_mention_at_the_end_of_a_sentence_leaves_the_full_stop_out() -> None:
    message = to_message("lead", "kudos @ana. thanks for the tour of @ben.dev's notebook")
    assert set(message.people) == {"ana", "ben.dev"}


def test_the_readme_requests_and_programs_sessions(database_url: str) -> None:
    """The README's "Topic requests" and "Programs" transcripts, replayed (the session date is any future day)."""
    day = (date.today() + timedelta(days=10)).isoformat()
    script = "\n".join([
        "volunteer sql, safety",
        "admin trainer activate @lead",
        ":as ana",
        "request SQL: joins keep tripping me up",
        ":as ben",
        "1",
        ":as cara",
        "request sql",
        ":as lead",
        f'session new "SQL joins" {day} 14:00 60m 10 #sql',
        'program new "Three steps of safety" #safety',
        ":as tom",
        "volunteer safety",
        ":as lead",
        "program authors 1 @tom",
        "program link 1 https://wiki.example.com/three-steps",
        "program refreshed 1 new videos from this year's drills",
        "program show 1",
    ]) + "\n"
    result = run_console(script, database_url)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr
    assert "@ana asked for a session on *sql*. Want it too? Press +1." in out
    assert "(pressed: request sql)" in out and "Added you — 2 people want a session on *sql*." in out
    assert out.count("3 people asked for a session on *sql*, one of your topics.") == 1
    for person in ("ana", "ben", "cara"):
        assert f"→ DM to @{person}:\n  Good news — you asked for a session on *sql*, and @lead scheduled one" in out
    assert "@lead scheduled a new session. I told the 3 people who asked for *sql*." in out
    assert "→ DM to @tom:\n  @lead added you as a co-author of *Three steps of safety* (program 1)." in out
    assert "Recorded a refresh of *Three steps of safety* (new videos from this year's drills)." in out
    card = out[out.rindex("*Three steps of safety* — program 1"):]
    for line in ("Authors: @lead and @tom", "Materials: https://wiki.example.com/three-steps",
                 "— new videos from this year's drills", "Sessions delivered: 0", "[1] Schedule a session",
                 "[2] Mark refreshed"):
        assert line in card, line
    assert asyncio.run(count(database_url, select(func.count()).select_from(TopicRequest)
                             .where(TopicRequest.status == "scheduled"))) == 1


async def test_the_console_writes_a_replys_chart_to_a_file_and_prints_its_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io as _io

    from bot.console import ConsoleNotifier
    from handlers.types import Attachment, Chart, CommunityRef, Section, Series, public

    picture = Attachment("guild-digest-2026-Q4.png", b"\x89PNG chart", "image/png", "Learners per week")
    reply = public("Digest", sections=(Section(fields=(("Learners", "7\n_= attendees_"),)),),
                   chart=Chart("Learners per week", ("2 Nov",), (Series("Learners", (2,)),), None, picture))
    out = _io.StringIO()
    await ConsoleNotifier(out, tmp_path / "files").post(CommunityRef("console", "local"), "leads", reply)
    written = tmp_path / "files" / "guild-digest-2026-Q4.png"
    assert written.read_bytes() == b"\x89PNG chart"
    assert out.getvalue().splitlines()[-3:] == ["      Learners: 7", "        _= attendees_",
                                                f"  📎 Learners per week: {written.resolve()}"]
