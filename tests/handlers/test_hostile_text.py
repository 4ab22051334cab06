"""Text PostgreSQL refuses (NUL, lone surrogates) never reaches SQL, and what people typed never reaches an ERROR log.

A NUL byte in a command (``/volunteer a%00b``) used to fail the transaction on
PostgreSQL ("invalid byte sequence for encoding UTF8: 0x00") and log the
statement with the person's text as a parameter. Message and the people in it
are cleaned where they are built, so every platform path gets the same.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from handlers.types import CommunityRef, Message, PersonRef, clean_text
from storage.models import Member, TrainerTopic
from tests.fakes import COMMUNITY, Chat


def test_cleaning_removes_nul_and_replaces_lone_surrogates() -> None:
    assert clean_text("a\x00b") == "ab"
    assert clean_text("caf\udce9") == "caf\ufffd"
    assert clean_text("tabs\tand\nnewlines, émoji 🎉") == "tabs\tand\nnewlines, émoji 🎉"
    message = Message(CommunityRef("slack", "T\x001", "Co\x00"), PersonRef("U\x001", "A\x00na", "Europe/Paris"),
                      "volunteer a\x00b", channel="C\x00", people={"U2": PersonRef("U2", "B\ud800en")},
                      delivery_key="k\x00")
    assert (message.text, message.channel, message.delivery_key) == ("volunteer ab", "C", "k")
    assert (message.community.external_id, message.community.name) == ("T1", "Co")
    assert (message.author.user_id, message.author.display_name) == ("U1", "Ana")
    assert message.people["U2"].display_name == "B\ufffden"


async def test_a_nul_in_a_command_is_not_sorry_and_is_not_stored(chat: Chat, uow,  # type: ignore[no-untyped-def]
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    reply = await chat.say("ana", "volunteer sql\x00injection, py\udcffthon")
    assert not reply.text.startswith("Sorry"), reply.text
    async with uow() as u:
        topics = list(await u.session.scalars(select(TrainerTopic.topic).order_by(TrainerTopic.topic)))
    assert all("\x00" not in topic for topic in topics) and "sqlinjection" in topics
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_nul_in_a_display_name_is_stored_without_it(chat: Chat, uow) -> None:  # type: ignore[no-untyped-def]
    message = Message(COMMUNITY, PersonRef("zed", "Ze\x00d"), "volunteer sql")
    reply = await chat.core.handle(message)
    assert reply is not None and not reply.text.startswith("Sorry")
    async with uow() as u:
        assert await u.session.scalar(select(Member.display_name).where(Member.user_id == "zed")) == "Zed"
