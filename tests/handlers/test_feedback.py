"""Feedback: only attendees rate, once per person (changeable unless anonymous)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Feedback, FeedbackReceipt, Member
from tests.fakes import Chat, FakeClock, RecordingNotifier
from tests.handlers.session_setup import make_trainer, rows, schedule


@pytest.fixture
async def attended(chat: Chat, clock: FakeClock) -> int:
    """A session ana and ben attended, now done."""
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, seats=5)
    for person in ("ana", "ben", "cem"):
        await chat.say(person, f"signup {session_id}")
    clock.now = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    await chat.say("tara", f"session attend {session_id} @ana @ben")
    await chat.say("tara", f"session done {session_id}")
    return session_id


async def ratings(chat: Chat) -> list[tuple[str | None, int, str | None]]:
    found = await rows(
        chat,
        select(Member.user_id, Feedback.rating, Feedback.comment)
        .outerjoin(Member, Member.id == Feedback.member_id)
        .order_by(Feedback.id),
    )
    return [tuple(row) for row in found]


async def receipts(chat: Chat) -> list[tuple[str, bool]]:
    found = await rows(
        chat,
        select(Member.user_id, FeedbackReceipt.anonymous)
        .join(Member, Member.id == FeedbackReceipt.member_id)
        .order_by(Member.user_id),
    )
    return [tuple(row) for row in found]


async def test_an_attendee_rates_and_the_trainer_hears_of_it(
    chat: Chat, attended: int, notifier: RecordingNotifier
) -> None:
    reply = await chat.say("ana", f"feedback {attended} 4 Clear and practical")
    assert reply.text.startswith("Thanks for rating *SQL basics* ★★★★☆") and not reply.public
    assert await ratings(chat) == [("ana", 4, "Clear and practical")]
    assert await receipts(chat) == [("ana", False)]
    assert notifier.dms_to("tara")[-1] == "New rating for *SQL basics* from <@ana>: ★★★★☆ — “Clear and practical”"


async def test_people_who_did_not_attend_cannot_rate(chat: Chat, attended: int) -> None:
    for person in ("cem", "zed", "tara"):
        assert "Only people who attended" in (await chat.say(person, f"feedback {attended} 1")).text
    assert await ratings(chat) == []


async def test_a_session_not_over_yet_cannot_be_rated(chat: Chat, clock: FakeClock) -> None:
    await make_trainer(chat, "tara")
    session_id = await schedule(chat, at="2026-11-23 09:30", minutes=60)
    clock.advance(minutes=30)
    await chat.say("tara", f"session attend {session_id} @ana")  # as it starts
    clock.advance(minutes=30)
    assert "hasn't taken place yet" in (await chat.say("ana", f"feedback {session_id} 5")).text
    clock.advance(minutes=30)
    assert "Thanks for rating" in (await chat.say("ana", f"feedback {session_id} 5")).text


async def test_rating_again_replaces_the_first_rating(chat: Chat, attended: int) -> None:
    await chat.say("ana", f"feedback {attended} 2 Too fast")
    reply = await chat.say("ana", f"feedback {attended} 5")
    assert "updated your rating of *SQL basics* to ★★★★★" in reply.text
    assert await ratings(chat) == [("ana", 5, None)]
    assert await receipts(chat) == [("ana", False)]


async def test_the_same_rating_twice_is_a_double_click_and_tells_the_trainer_once(
    chat: Chat, attended: int, notifier: RecordingNotifier
) -> None:
    await chat.say("ana", f"feedback {attended} 5")
    again = await chat.say("ana", f"feedback {attended} 5")
    assert "nothing changed" in again.text
    assert [dm for dm in notifier.dms_to("tara") if dm.startswith("New rating")] == [
        "New rating for *SQL basics* from <@ana>: ★★★★★"
    ]


async def test_an_anonymous_rating_stores_no_name(chat: Chat, attended: int, notifier: RecordingNotifier) -> None:
    reply = await chat.say("ben", f"feedback {attended} 3 More examples please --anonymous")
    assert "anonymously" in reply.text
    assert await ratings(chat) == [(None, 3, "More examples please")]
    assert await receipts(chat) == [("ben", True)]
    # the receipt keeps no time of its own, which could be matched against the rating's
    assert set(FeedbackReceipt.__table__.columns.keys()) == {"session_id", "member_id", "anonymous"}
    told = notifier.dms_to("tara")[-1]
    assert told == "New rating for *SQL basics*: ★★★☆☆ — “More examples please”"


async def test_an_anonymous_rating_cannot_be_changed(chat: Chat, attended: int) -> None:
    await chat.say("ben", f"feedback {attended} 3 --anonymous")
    for again in (f"feedback {attended} 5 --anonymous", f"feedback {attended} 5 named now"):
        assert "can't be changed, since nothing links it to you" in (await chat.say("ben", again)).text
    assert await ratings(chat) == [(None, 3, None)]


async def test_a_named_rating_can_become_anonymous(chat: Chat, attended: int) -> None:
    await chat.say("ana", f"feedback {attended} 2 Meh")
    reply = await chat.say("ana", f"feedback {attended} 3 --anonymous")
    assert "updated" in reply.text
    assert await ratings(chat) == [(None, 3, None)]
    assert await receipts(chat) == [("ana", True)]
