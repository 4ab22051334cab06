"""``session feedback``: count, average, distribution and every comment, for the trainer, admins and leaders."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakes import Chat, FakeClock
from tests.handlers.session_setup import make_trainer, schedule


async def rated_session(chat: Chat, clock: FakeClock) -> int:
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, seats=6)
    people = ("ana", "ben", "cem", "dan", "eve")
    for person in people:
        await chat.say(person, f"signup {session_id}")
    clock.now = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    await chat.say("tara", f"session done {session_id}")
    await chat.say("eve", f"feedback {session_id} 5 Zesty examples --anonymous")
    await chat.say("ana", f"feedback {session_id} 4 Clear and friendly")
    await chat.say("ben", f"feedback {session_id} 5 Best session this year")
    await chat.say("cem", f"feedback {session_id} 2 Too fast --anonymous")
    await chat.say("dan", f"feedback {session_id} 4")
    return session_id


async def test_the_trainer_reads_count_average_distribution_and_every_comment(chat: Chat, clock: FakeClock) -> None:
    session_id = await rated_session(chat, clock)
    reply = await chat.say("tara", f"session feedback {session_id}")
    assert not reply.public and reply.title == "Session feedback"
    assert dict(reply.sections[0].fields) == {"Ratings": "5", "Average": "4.0 / 5"}
    lines = reply.sections[1].text.split("\n")
    assert [line.split()[0] + " " + line.split()[-1] for line in lines] == ["5★ 2", "4★ 2", "3★ 0", "2★ 1", "1★ 0"]
    comments = reply.sections[2].text.split("\n")[1:]
    assert comments == [  # by rating, then text: never in the order they came in
        "• ★★★★★ “Best session this year” — <@ben>",
        "• ★★★★★ “Zesty examples” — anonymous",
        "• ★★★★ “Clear and friendly” — <@ana>",
        "• ★★ “Too fast” — anonymous",
    ]
    assert reply.sections[3].text == "1 rating came without a comment."


async def test_admins_and_leaders_may_read_it_and_others_are_refused_kindly(chat: Chat, clock: FakeClock) -> None:
    session_id = await rated_session(chat, clock)
    assert (await chat.say("root", f"session feedback {session_id}")).title == "Session feedback"
    await chat.say("root", "admin grant leader @lea")
    assert (await chat.say("lea", f"session feedback {session_id}")).title == "Session feedback"
    refused = await chat.say("ana", f"session feedback {session_id}")
    assert "for its trainer, admins and leaders" in refused.text and "Ratings" not in str(refused.sections)
    assert "I can't find session 99" in (await chat.say("tara", "session feedback 99")).text
    assert "Usage:" in (await chat.say("tara", "session feedback")).text


async def test_show_links_to_the_feedback_for_those_allowed(chat: Chat, clock: FakeClock) -> None:
    session_id = await rated_session(chat, clock)
    button = f"session feedback {session_id}"
    assert button in [b.command for b in (await chat.say("tara", f"session show {session_id}")).buttons]
    assert button in [b.command for b in (await chat.say("root", f"session show {session_id}")).buttons]
    assert button not in [b.command for b in (await chat.say("ana", f"session show {session_id}")).buttons]


async def test_a_session_nobody_rated_says_so(chat: Chat, clock: FakeClock) -> None:
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, at="2026-11-20 10:00")
    assert "Nobody has rated" in (await chat.say("tara", f"session feedback {session_id}")).text
