"""The digest's chart: 12 weeks of learners and sessions with the average rating, as data and as a PNG."""

from __future__ import annotations

import io
import time
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from handlers import charts, spans
from handlers.digest import leadership_digest
from handlers.types import Chart
from storage import members
from tests.handlers.digest_seed import REPORT_AT, two_quarters
from tests.scheduler.seed import Seed

UTC_ZONE = ZoneInfo("UTC")
Q4 = spans.last_complete("quarter", REPORT_AT, UTC_ZONE)
WEEKS = ("12 Oct", "19 Oct", "26 Oct", "2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov", "7 Dec", "14 Dec", "21 Dec",
         "28 Dec")


@pytest.fixture
async def seed(uow) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await two_quarters(seed)
    return seed


async def digest_chart(seed: Seed) -> Chart:
    async with seed.uow() as uow:
        community = await members.find_community(uow.session, seed.community_id)
        assert community is not None
        reply = await leadership_digest(uow.session, community, Q4, UTC_ZONE)
    assert reply.chart is not None
    return reply.chart


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


async def test_the_chart_counts_held_sessions_by_the_week_they_started(seed: Seed) -> None:
    chart = await digest_chart(seed)
    # Git basics (3 Nov: Ana, Fay; rated 2 and 3), Branching (20 Nov, open but marked: Gus), SQL joins (1 Dec: Hal);
    # the cancelled session and the unmarked one of 28 Dec never count.
    assert chart.labels == WEEKS
    assert [(s.name, s.values) for s in chart.bars] == [
        ("Learners", (0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 0, 0)),
        ("Sessions", (0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0)),
    ]
    assert chart.line is not None and chart.line.values == (None, None, None, 2.5, *([None] * 8))
    assert chart.title == "Learners and sessions per week, 12 weeks to the week of 28 Dec 2026"
    assert (chart.image.filename, chart.image.mime) == ("guild-digest-2026-Q4.png", "image/png")
    assert png_size(chart.image.content) == (charts.WIDTH_PX, charts.HEIGHT_PX) == (800, 400)


async def test_rendering_takes_well_under_a_second(seed: Seed) -> None:
    chart = await digest_chart(seed)  # the first render pays matplotlib's import
    from handlers.digest_data import Week

    weeks = [Week(spans.containing("week", REPORT_AT, UTC_ZONE).first, 3, 40, 12, 50)] * 12
    started = time.perf_counter()
    picture = charts.png(weeks, chart.title)
    assert time.perf_counter() - started < 1.0
    assert png_size(picture) == (800, 400) and len(picture) < 40_000  # small enough for a Teams card
