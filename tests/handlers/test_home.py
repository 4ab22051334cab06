"""The dashboard shows a person's own sessions (as attendee and as trainer) and recent kudos."""

from __future__ import annotations

from handlers.home import dashboard
from tests.fakes import Chat


async def home(chat: Chat, who: str) -> str:
    reply = await chat.core.execute(chat.message(who, "home"), dashboard)
    assert reply is not None and not reply.public
    return "\n".join([reply.text] + [s.text + " " + str(s.fields) + str(s.buttons) for s in reply.sections])


async def test_dashboard_lists_my_sessions_my_training_and_my_kudos(chat: Chat) -> None:
    await chat.say("tara", "volunteer sql")
    await chat.say("tara", 'session new "SQL joins" 2026-12-01 14:00 60m 1 #sql')
    await chat.say("tara", 'session new "Window functions" 2026-12-02 14:00 60m 5 #sql')
    await chat.say("ana", "signup 1")
    await chat.say("ben", "signup 1")
    await chat.say("ben", "kudos @ana thanks for saving me a seat")

    ana = await home(chat, "ana")
    assert "SQL joins" in ana and "cancel 1" in ana and "Window functions" not in ana
    assert "<@ben>: “thanks for saving me a seat”" in ana

    ben = await home(chat, "ben")
    assert "SQL joins* — session 1 (waitlisted)" in ben

    tara = await home(chat, "tara")
    assert "Sessions you're training" in tara and "Window functions" in tara and "1 of 1" in tara
    assert "session show 2" in tara and "Kudos you received lately*\nNone yet." in tara


async def test_dashboard_of_a_newcomer_points_to_sessions(chat: Chat) -> None:
    text = await home(chat, "newcomer")
    assert "None yet — `sessions` lists what's on." in text and "Sessions you're training" not in text
