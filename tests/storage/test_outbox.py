"""The outbox's claims: due rows go to one deliverer each, however many race for them."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from handlers import reply_json
from handlers.delivery import Deliverer
from handlers.types import CommunityRef, Recipient, Reply
from storage import members, outbox
from storage.models import OutboxMessage
from tests.fakes import FakeClock, RecordingNotifier

COMMUNITY = CommunityRef("console", "race", "Race Co")


class SlowNotifier(RecordingNotifier):
    """Takes a moment per message, so that racing deliverers overlap; counts every send by key."""

    def __init__(self) -> None:
        super().__init__()
        self.sends: Counter[str] = Counter()

    async def tell(self, to: Recipient, reply: Reply, *, key: str | None = None) -> str:
        await asyncio.sleep(0.002)
        self.sends[str(key)] += 1
        return await super().tell(to, reply, key=key)


async def pending(uow, clock: FakeClock, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    async with uow() as work:
        community = await members.community(work.session, COMMUNITY.platform, COMMUNITY.external_id)
        items = [outbox.Item("tell", f"u{n}", reply_json.dumps(Reply(text=f"hello {n}"))) for n in range(count)]
        ids = await outbox.add(work.session, community.id, items, at=clock(), by="writer", until=clock())
        await work.session.execute(update(OutboxMessage).values(state="pending", attempts=0, claimed_by=None,
                                                                  claimed_until=None))
        await work.commit()
    return ids


async def test_two_deliverers_racing_send_each_notice_once(uow, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ids = await pending(uow, clock, 40)
    notifier = SlowNotifier()
    racers = [Deliverer(uow=uow, notifier=notifier, clock=clock, instance=f"i{n}") for n in range(2)]
    for racer in racers:  # small batches, so that both keep coming back for more
        racer.send_due = (lambda r: lambda limit=5: Deliverer.send_due(r, limit))(racer)  # type: ignore[method-assign]

    await asyncio.gather(*(racer.drain() for racer in racers))

    assert notifier.sends == Counter({str(row_id): 1 for row_id in ids})
    async with uow() as work:
        states = list(await work.session.scalars(select(OutboxMessage.state)))
    assert states == ["sent"] * 40


async def test_a_row_is_claimed_again_only_after_its_lease_ran_out(uow, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    [row_id] = await pending(uow, clock, 1)
    async with uow() as work:
        [first] = await outbox.claim_due(work.session, at=clock(), by="a", until=clock() + timedelta(minutes=5),
                                         limit=10)
        await work.commit()
    assert (first.id, first.uncertain, first.attempts) == (row_id, False, 1)
    async with uow() as work:
        assert await outbox.claim_due(work.session, at=clock() + timedelta(minutes=4), by="b",
                                      until=clock() + timedelta(minutes=9), limit=10) == []
        [again] = await outbox.claim_due(work.session, at=clock() + timedelta(minutes=6), by="b",
                                         until=clock() + timedelta(minutes=11), limit=10)
        await work.commit()
    assert (again.id, again.uncertain, again.attempts) == (row_id, True, 2)


async def test_only_failed_rows_are_requeued_and_depth_counts_what_waits(uow, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    first, second, third = await pending(uow, clock, 3)
    async with uow() as work:
        await outbox.fail(work.session, first, error="channel_not_found")
        await outbox.mark_sent(work.session, [(second, "1700000001.000100")], at=clock())
        await work.commit()
    async with uow() as work:
        assert await outbox.depth(work.session) == ({"pending": 1, "failed": 1}, clock())
        [stuck] = await outbox.stuck(work.session, at=clock(), older_than=timedelta(minutes=15))
        assert (stuck.id, stuck.state, stuck.last_error) == (first, "failed", "channel_not_found")
        assert await outbox.requeue(work.session, [second, third], at=clock()) == []
        assert await outbox.requeue(work.session, None, at=clock()) == [first]
        await work.commit()
    async with uow() as work:
        assert (await outbox.depth(work.session))[0] == {"pending": 2}


async def test_sent_messages_are_pruned_after_a_while_and_failed_ones_kept(uow, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    old, failed, recent = await pending(uow, clock, 3)
    async with uow() as work:
        await outbox.mark_sent(work.session, [(old, "1.1")], at=clock() - timedelta(days=31))
        await outbox.mark_sent(work.session, [(recent, "1.2")], at=clock())
        await outbox.fail(work.session, failed, error="user_not_found")
        await work.commit()
    async with uow() as work:
        assert await outbox.prune(work.session, before=clock() - timedelta(days=30)) == 1
        await work.commit()
    async with uow() as work:
        assert sorted(await work.session.scalars(select(OutboxMessage.id))) == [failed, recent]
