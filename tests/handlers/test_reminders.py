"""The private nudges: what each says and which buttons it carries."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers import grammar
from handlers.reminders import feedback_request, onboarding_nudge, session_reminder
from storage.models import Member, TrainingSession

TRAINER = Member(user_id="tara", display_name="Tara")
SESSION = TrainingSession(id=7, title="Intro to SQL", starts_at=datetime(2026, 12, 1, 13, 0, tzinfo=UTC),
                          duration_minutes=60, seats=10, taken=4)


def test_a_session_reminder_shows_the_local_time_and_offers_the_seat_back() -> None:
    reply = session_reminder(SESSION, TRAINER, lead="in about 24 hours", zone=ZoneInfo("Europe/Berlin"),
                             for_trainer=False)
    assert not reply.public
    assert reply.text.startswith("⏰ *Intro to SQL* with <@tara> starts in about 24 hours — Tue 1 Dec, 14:00 "
                                 "(Europe/Berlin).")
    assert [(b.label, b.command) for b in reply.buttons] == [("Give up my seat", "cancel 7")]
    assert reply.names == {"tara": "Tara"}


def test_the_trainer_hears_how_full_the_session_is() -> None:
    reply = session_reminder(SESSION, TRAINER, lead="in about an hour", zone=ZoneInfo("UTC"), for_trainer=True)
    assert "You're training *Intro to SQL* in about an hour — Tue 1 Dec, 13:00 (UTC). 4 of 10 seats taken." \
        in reply.text
    assert reply.buttons == ()


def test_a_feedback_request_has_one_button_per_rating_that_the_grammar_accepts() -> None:
    reply = feedback_request(SESSION, TRAINER, reminder=False)
    assert [b.label for b in reply.buttons] == ["1", "2", "3", "4", "5"]
    assert [grammar.parse(b.command) for b in reply.buttons] == [grammar.Rate(7, n) for n in range(1, 6)]
    assert reply.text.startswith("How was *Intro to SQL* with <@tara>?")
    assert feedback_request(SESSION, TRAINER, reminder=True).text.startswith("A gentle reminder: how was")


def test_an_onboarding_nudge_points_at_the_next_step() -> None:
    guide = "https://wiki.example.com/trainers"
    reply = onboarding_nudge({"welcome"}, guide)
    assert "(1/7 done)" in reply.text and "Your next step: Meet your mentor" in reply.text
    assert [b.command for b in reply.buttons] == ["volunteer done mentor"]
    assert onboarding_nudge({"welcome", "mentor", "shadow", "co-deliver"}, guide).buttons == ()
    without = onboarding_nudge(set(), None)  # no guide: reading it is not a step
    assert "(0/6 done)" in without.text and "Your next step: Meet your mentor" in without.text
