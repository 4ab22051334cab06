"""The README's session lifecycle (schedule → remind → close out → feedback → counted), replayed."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

from tests.bot.test_console import ROOT, run_console


def run_job(database_url: str, name: str, at: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    env.update(DATABASE_URL=database_url, USER="lead", LOGNAME="lead")
    done = subprocess.run([sys.executable, str(ROOT / "app.py"), "run-job", name, "--at", at], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_readme_lifecycle_schedules_reminds_closes_out_asks_for_feedback_and_counts(database_url: str) -> None:
    day = date.today() + timedelta(days=10)
    held = day.isoformat()
    scheduled = run_console("\n".join([
        "volunteer sql", f'session new "Intro to SQL" {held} 14:00 60m 5 #sql',
        ":as ana", "signup 1", ":as ben", "signup 1",
    ]) + "\n", database_url, "console")
    assert scheduled.returncode == 0 and "scheduled a new session" in scheduled.stdout

    reminded = run_job(database_url, "reminders", f"{held}T13:05:00Z")
    assert "⏰ You're training *Intro to SQL* in about an hour" in reminded
    assert reminded.count("reminder-1h session 1") == 3

    asked = run_job(database_url, "closeout", f"{held}T15:05:00Z")
    assert "→ DM to @lead:" in asked and "*Close your session*" in asked
    assert "counting all 2 people signed up as attended." in asked
    for button in ("[1] ✓ Ana", "[2] ✓ Ben", "[3] All 2 came", "[4] Close session", "[5] Add notes"):
        assert button in asked
    assert "closeout-ask session 1 · Console: told lead" in asked
    assert "→ DM" not in run_job(database_url, "closeout", f"{held}T15:10:00Z")  # once

    next_morning = (day + timedelta(days=1)).isoformat()
    assert "closeout-reminder session 1 · Console: told lead" in run_job(
        database_url, "closeout", f"{next_morning}T09:05:00Z")

    closing = (day + timedelta(days=3)).isoformat()
    closed = run_job(database_url, "closeout", f"{closing}T15:00:00Z")
    assert "so I closed it, counting 2 people as attended." in closed
    assert "closeout session 1 · Console: closed, 2 attended — told lead" in closed

    asked_for_feedback = run_job(database_url, "feedback-requests", f"{closing}T15:05:00Z")
    assert "feedback-request session 1 · Console: told ana" in asked_for_feedback
    assert "feedback-request session 1 · Console: told ben" in asked_for_feedback

    counted = run_console(":as ana\nfeedback 1 5 Clear and practical\n:as lead\nme\n", database_url, "console")
    out = counted.stdout
    assert "Thanks for rating *Intro to SQL* ★★★★★!" in out
    for line in ("Sessions delivered: 1", "Learners trained: 2", "Average rating: 5.0 / 5 from 1 rating",
                 "Status: active"):
        assert line in out
    assert "Traceback" not in out + counted.stderr
