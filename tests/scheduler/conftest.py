"""Schedulers on the test database, with the fake clock and the recording notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from handlers.core import Core
from scheduler.service import GuildScheduler
from tests.fakes import FakeClock, RecordingNotifier
from tests.scheduler.seed import Seed

SETTINGS = Settings(timezone="Europe/Berlin", admins=frozenset({"root"}))

MakeScheduler = Callable[..., GuildScheduler]


@pytest.fixture
async def make_scheduler(
    core: Core, uow, notifier: RecordingNotifier, clock: FakeClock  # type: ignore[no-untyped-def]
) -> AsyncIterator[MakeScheduler]:
    """``make_scheduler(instance="a")`` builds a scheduler as app.build does; all are shut down at the end."""
    built: list[GuildScheduler] = []

    def make(instance: str | None = None) -> GuildScheduler:
        scheduler = GuildScheduler(core=core, uow=uow, clock=clock, settings=SETTINGS,
                                   instance=instance)
        built.append(scheduler)
        return scheduler

    yield make
    for scheduler in built:
        await scheduler.shutdown()


@pytest.fixture
async def seed(uow) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await seed.community(roundup_channel="C-ROUNDUP")
    return seed
