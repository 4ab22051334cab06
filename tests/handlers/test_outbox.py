"""Notices go through the outbox: written with the change, sent once after the commit, retried, kept when they
fail, and never sent twice after a crash when the platform already has them."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import func, select

from handlers import delivery
from handlers.core import Core
from handlers.delivery import Deliverer
from handlers.types import Recipient
from storage.models import Kudos, OutboxMessage
from storage.uow import UnitOfWork
from tests.fakes import Chat, FakeClock, RecordingNotifier


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
    make = core.uow

    class FailingCommit(UnitOfWork):
        async def commit(self) -> None:
            raise RuntimeError("the database went away at COMMIT")

    core.uow = lambda: FailingCommit(make()._sessions)  # type: ignore[method-assign]
    reply = await chat.say("ana", "kudos @ben thanks for the patient SQL demo")
    core.uow = make  # type: ignore[method-assign]

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
