"""The post ledger: a slot is owned by exactly one claimer until it is released."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import ledger
from storage.ledger import Slot
from storage.models import PostLedger
from tests.scheduler.seed import Seed

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


async def slot(uow) -> Slot:  # type: ignore[no-untyped-def]
    community_id = await Seed(uow).community()
    return Slot("roundup", community_id, "C-ROUNDUP", "2026-W48")


async def claim(uow, s: Slot, by: str, at: datetime = NOW) -> bool:  # type: ignore[no-untyped-def]
    async with uow() as u:
        won = await ledger.claim(u.session, s, by=by, at=at)
        await u.commit()
    return won


async def test_a_slot_is_claimed_once(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    assert await claim(uow, s, "a")
    assert not await claim(uow, s, "b")
    assert await claim(uow, Slot(s.job, s.community_id, "C-OTHER", s.period), "b")
    assert await claim(uow, Slot(s.job, s.community_id, s.channel, "2026-W49"), "b")


async def test_concurrent_claimers_get_one_winner(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    results = await asyncio.gather(*(claim(uow, s, f"instance-{n}") for n in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_a_released_slot_can_be_claimed_again(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    assert await claim(uow, s, "a")
    async with uow() as u:
        await ledger.release(u.session, s, by="b")  # not b's to release
        await u.commit()
    assert not await claim(uow, s, "b")
    async with uow() as u:
        await ledger.release(u.session, s, by="a")
        await u.commit()
    assert await claim(uow, s, "b")


async def test_posted_slots_say_when(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    await claim(uow, s, "a")
    async with uow() as u:
        assert await ledger.posted_at(u.session, s) is None
        await ledger.mark_posted(u.session, s, at=NOW + timedelta(seconds=2))
        await u.commit()
    async with uow() as u:
        assert await ledger.posted_at(u.session, s) == NOW + timedelta(seconds=2)
        filed = await ledger.filed(u.session, job="roundup", community_id=s.community_id,
                                   periods=["2026-W48", "2026-W49"])
        assert filed == {("C-ROUNDUP", "2026-W48"): NOW + timedelta(seconds=2)}


async def test_a_claim_abandoned_before_posting_goes_stale(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    assert await claim(uow, s, "crashed")
    assert not await claim(uow, s, "b", NOW + ledger.STALE_AFTER - timedelta(seconds=1))
    assert await claim(uow, s, "b", NOW + ledger.STALE_AFTER + timedelta(seconds=1))
    async with uow() as u:
        assert await u.session.scalar(select(PostLedger.claimed_by)) == "b"


async def test_a_posted_claim_never_goes_stale(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    await claim(uow, s, "a")
    async with uow() as u:
        await ledger.mark_posted(u.session, s, at=NOW)
        await u.commit()
    assert not await claim(uow, s, "b", NOW + timedelta(days=30))


async def test_notified_since_matches_a_period_prefix_literally(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    await claim(uow, Slot("burnout-alert", s.community_id, "admin", "12:2026-11-27"), "a")
    async with uow() as u:
        def since(prefix: str, days: int = 28, channel: str = "admin"):  # type: ignore[no-untyped-def]
            return ledger.notified_since(u.session, job="burnout-alert", community_id=s.community_id,
                                         channel=channel, period_prefix=prefix, since=NOW - timedelta(days=days),
                                         at=NOW)
        assert await since("12:")
        assert not await since("1_:")
        assert not await since("1:")
        assert not await since("12:", days=-1)
        assert not await since("12:", channel="other-admin")


async def test_a_stale_unsent_notice_does_not_count_as_notified(uow) -> None:  # type: ignore[no-untyped-def]
    s = await slot(uow)
    await claim(uow, Slot("burnout-alert", s.community_id, "admin", "12:2026-11-27"), "a")
    async with uow() as u:
        later = NOW + ledger.STALE_AFTER + timedelta(minutes=1)
        assert not await ledger.notified_since(u.session, job="burnout-alert", community_id=s.community_id,
                                               channel="admin", period_prefix="12:", since=NOW - timedelta(days=28),
                                               at=later)
