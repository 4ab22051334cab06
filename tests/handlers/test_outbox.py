"""Notices go through the outbox: written with the change, sent once after the commit, retried, kept when they
fail, and never sent twice after a crash when the platform already has them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from handlers import delivery
from handlers.core import Core
from handlers.delivery import Deliverer
from handlers.types import Message, Recipient
from storage.models import Kudos, OutboxMessage
from storage.uow import UnitOfWork
from tests.fakes import Chat, FakeClock, RecordingNotifier


class FailingCommit(UnitOfWork):
    async def commit(self) -> None:
        raise RuntimeError("the database went away at COMMIT")


@contextlib.contextmanager
def failing_commit(core: Core) -> Iterator[None]:
    """Every transaction the core starts fails at COMMIT, as when the database goes away right then."""
    make = core.uow
    core.uow = lambda: FailingCommit(make()._sessions)  # type: ignore[method-assign]
    try:
        yield
    finally:
        core.uow = make  # type: ignore[method-assign]


async def rows(core: Core) -> list[OutboxMessage]:
    async with core.uow() as uow:
        found = list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.session.expunge_all()
        return found


async def test_a_commands_notice_is_stored_with_it_and_marked_sent_once_delivered(
        chat: Chat, core: Core, notifier: RecordingNotifier) -> None:
    await chat.say("ana", "kudos @ben thanks for the patient SQL demo")

    [row] = await rows(core)
    assert (row.kind, row.target, row.state, row.attempts) == ("tell", "ben", "sent", 1)
    assert row.platform_ref == notifier.keys[str(row.id)]
    assert [to.user_id for to, _ in notifier.told] == ["ben"]


async def test_a_change_that_does_not_commit_leaves_no_notice(chat: Chat, core: Core,
                                                              notifier: RecordingNotifier) -> None:
    await chat.say("ana", "help")
    with failing_commit(core):
        reply = await chat.say("ana", "kudos @ben thanks for the patient SQL demo")

    assert "nothing was saved" in reply.text
    assert await rows(core) == []
    async with core.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Kudos)) == 0
    assert notifier.told == []


async def test_a_failed_notice_is_retried_with_backoff_and_sent_once(
        chat: Chat, core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
    notifier.fail_tells = 2
    await chat.say("ana", "kudos @ben thanks for the patient SQL demo")
    [row] = await rows(core)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "RuntimeError")

    await core.delivery.drain()
    assert notifier.told == [], "not before its backoff"
    clock.advance(seconds=5)
    await core.delivery.drain()
    assert (await rows(core))[0].attempts == 2 and notifier.told == []
    clock.advance(seconds=10)
    await core.delivery.drain()

    [row] = await rows(core)
    assert (row.state, row.attempts) == ("sent", 3)
    assert len(notifier.told) == 1


async def test_a_notice_that_keeps_failing_is_kept_as_failed(
        chat: Chat, core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
    notifier.fail_tells = 100
    await chat.say("ana", "kudos @ben thanks for the patient SQL demo")
    for _ in range(delivery.MAX_ATTEMPTS):
        clock.advance(hours=1)
        await core.delivery.drain()

    [row] = await rows(core)
    assert (row.state, row.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert "after 8 attempts" in (row.last_error or "")


async def test_a_crash_after_the_platform_took_the_notice_does_not_send_it_again(
        chat: Chat, core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
    """The process dies between the platform's answer and marking the row sent: another process, once the
    lease ran out, finds the message on the platform (its key) and only records it."""

    async def dies_after_sending(community, rows):  # type: ignore[no-untyped-def]
        for row_id, _item, reply in rows:
            await notifier.tell(Recipient(community, _item.target), reply, key=delivery.message_key(row_id))
        raise SystemExit("killed")

    core.delivery.send_now = dies_after_sending  # type: ignore[method-assign]
    with contextlib.suppress(SystemExit):
        await chat.say("ana", "kudos @ben thanks for the patient SQL demo")
    assert len(notifier.told) == 1
    [row] = await rows(core)
    assert row.state == "sending"

    other = Deliverer(uow=core.uow, notifier=notifier, clock=clock, instance="other")
    await other.drain()
    assert len(notifier.told) == 1, "still within the lease: nobody else touches it"
    clock.advance(minutes=6)
    await other.drain()

    [row] = await rows(core)
    assert row.state == "sent" and row.platform_ref == notifier.keys[str(row.id)]
    assert len(notifier.told) == 1


async def test_a_crash_before_the_platform_took_the_notice_sends_it_once_later(
        chat: Chat, core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
    async def dies_before_sending(community, rows):  # type: ignore[no-untyped-def]
        raise SystemExit("killed")

    core.delivery.send_now = dies_before_sending  # type: ignore[method-assign]
    with contextlib.suppress(SystemExit):
        await chat.say("ana", "kudos @ben thanks for the patient SQL demo")
    clock.advance(minutes=6)
    await Deliverer(uow=core.uow, notifier=notifier, clock=clock, instance="other").drain()

    [row] = await rows(core)
    assert row.state == "sent"
    assert [to.user_id for to, _ in notifier.told] == ["ben"]


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [delivery.backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=5), timedelta(seconds=10),
                                                         timedelta(seconds=20)]
    assert delivery.backoff(30) == timedelta(hours=1)


async def test_stopping_lets_the_message_being_sent_finish(
        chat: Chat, core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
    notifier.fail_tells = 1
    await chat.say("ana", "kudos @ben thanks for the patient SQL demo")  # the first try fails: the loop's turn
    clock.advance(seconds=5)
    started, gate = asyncio.Event(), asyncio.Event()
    original = notifier.tell

    async def slow(to, reply, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        await gate.wait()
        return await original(to, reply, **kwargs)

    notifier.tell = slow  # type: ignore[method-assign]
    core.delivery.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(core.delivery.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done(), "the send in flight is waited for"
    gate.set()
    await asyncio.wait_for(stopping, 5)

    [row] = await rows(core)
    assert row.state == "sent" and len(notifier.told) == 1


async def test_a_database_failure_after_the_commit_never_turns_the_command_into_an_error(
        chat: Chat, core: Core, notifier: RecordingNotifier) -> None:
    async def database_gone(sent):  # type: ignore[no-untyped-def]
        raise ConnectionError("the database went away")

    core.delivery._mark_sent = database_gone  # type: ignore[method-assign]
    reply = await chat.say("ana", "kudos @ben thanks for the patient SQL demo")

    assert reply.public and "<@ben>" in reply.text
    [row] = await rows(core)
    assert row.state == "sending", "left for a deliverer once the lease runs out (and found on the platform)"


def durable(chat: Chat, who: str, text: str, key: str, thread: str | None = None) -> Message:
    """A command as the inbox runs it: kept until done, so its public answer goes through the outbox."""
    return replace(chat.message(who, text, key=key), durable=True, thread=thread)


async def test_a_durable_commands_public_answer_commits_with_it_and_the_outbox_posts_it_once(
        chat: Chat, core: Core, notifier: RecordingNotifier) -> None:
    message = durable(chat, "ana", "kudos @ben thanks for the patient SQL demo", "slack:request:1", thread="t1")
    assert await core.handle(message) is None, "nothing public left for the adapter to post"
    assert await core.handle(message) is None  # the inbox's run again: a duplicate, nothing posted twice

    tell, post = await rows(core)
    assert (tell.kind, tell.target, tell.state) == ("tell", "ben", "sent")
    assert (post.kind, post.target, post.thread, post.answering, post.state) == ("post", "general", "t1", "ana",
                                                                                "sent")
    [(_, channel, reply)] = notifier.posted
    assert channel == "general" and reply.public and "<@ben>" in reply.text
    assert post.platform_ref == notifier.keys[str(post.id)]


async def test_a_durable_commands_private_answer_stays_the_adapters(chat: Chat, core: Core,
                                                                     notifier: RecordingNotifier) -> None:
    reply = await core.handle(durable(chat, "ana", "me", "slack:request:2"))
    assert reply is not None and not reply.public
    assert await rows(core) == [] and notifier.posted == []


async def test_a_durable_command_that_does_not_commit_leaves_no_public_answer(
        chat: Chat, core: Core, notifier: RecordingNotifier) -> None:
    await chat.say("ana", "help")
    with failing_commit(core):
        reply = await core.handle(durable(chat, "ana", "kudos @ben thanks for the patient SQL demo", "slack:request:3"))

    assert reply is not None and "nothing was saved" in reply.text and not reply.public
    assert await rows(core) == [] and notifier.posted == [] and notifier.told == []


async def test_a_public_answer_left_by_a_process_that_died_after_the_commit_is_posted_once_later(
        chat: Chat, core: Core, notifier: RecordingNotifier, clock: FakeClock) -> None:
    async def died(*_: object) -> set[int]:
        return set()

    core.delivery.send_now = died  # type: ignore[method-assign]
    assert await core.handle(durable(chat, "ana", "kudos @ben thanks for the patient SQL demo", "k")) is None
    assert notifier.posted == []
    other = Deliverer(uow=core.uow, notifier=notifier, clock=clock)
    clock.advance(minutes=6)  # the dead process's lease ran out
    await other.drain()
    await other.drain()
    assert [channel for _, channel, _ in notifier.posted] == ["general"]
    assert {row.state for row in await rows(core)} == {"sent"}
