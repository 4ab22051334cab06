"""The one-pager: the digest's figures as a self-contained HTML page that prints on one A4 page, and as Markdown.

The browser test renders the page in real headless Chromium (Debian's ``chromium``,
installed by ``.ci/run``), reads the text of the printed PDF and counts its
pages; a screenshot is left in the test's folder.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from handlers.report import one_pager
from storage import members
from tests.handlers.digest_seed import REPORT_AT, two_quarters
from tests.scheduler.seed import Seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
async def seed(uow) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await two_quarters(seed)
    await seed.community(external_rate=300, internal_rate=60, currency="EUR", prep_ratio=2, headcount=40)
    return seed


async def report(seed: Seed, fmt: str = "html", at: datetime = REPORT_AT) -> dict[str, bytes]:
    async with seed.uow() as uow:
        community = await members.find_community(uow.session, seed.community_id)
        assert community is not None
        files = await one_pager(uow.session, community, "quarter", at, "UTC", fmt)  # type: ignore[arg-type]
    return {f.filename: f.content for f in files}


async def test_the_html_is_one_self_contained_file_with_every_figure(seed: Seed) -> None:
    [(name, content)] = (await report(seed)).items()
    page = content.decode()
    assert name == "guild-report-2026-Q4.html"
    assert "<script" not in page and "http://" not in page.replace("http://adaptivecards", "")
    assert not re.search(r"""(src|href)=["'](?!data:)""", page), "nothing loaded from elsewhere"
    assert 'src="data:image/png;base64,' in page
    for shown in ("In Q4 2026, 7 learners trained (+5); 9 learners since Jul 2026.", "€1,650", "▲ 450%", "€1,950",
                  "= 5.5 h delivered × €300/h external rate", "= €1,650 avoided − €990 internal cost", "1.7 : 1",
                  "15% of the 40 employees", "“Too fast for a beginner” — on <b>Intro to SQL</b> (2★)",
                  "<b>Git basics</b> (2.5★ from 2 ratings)", "<b>sql</b> — 1 person waitlisted, 1 session full"):
        assert shown in page, shown
    assert "Tara" not in page and "Cara" not in page and "<@" not in page  # a forwarded file names nobody


async def test_markdown_for_a_wiki_with_its_chart_beside_it(seed: Seed) -> None:
    files = await report(seed, "markdown")
    assert sorted(files) == ["guild-report-2026-Q4-chart.png", "guild-report-2026-Q4.md"]
    text = files["guild-report-2026-Q4.md"].decode()
    assert "| **External cost avoided**<br>_= 5.5 h delivered × €300/h external rate_ | €1,650 | ▲ 450% | €1,950 |" \
        in text
    assert "![Learners and sessions per week, 12 weeks to the week of 28 Dec 2026](guild-report-2026-Q4-chart.png)" \
        in text
    assert "| sql | 2 | 4 | 3.7★ |" in text and "- ⚠️ “Too fast for a beginner” — on **Intro to SQL** (2★)" in text


async def run(command: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    _, errors = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, errors.decode(errors="replace")[-2000:]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # one browser run is enough
async def test_a_browser_shows_the_figures_and_prints_one_a4_page(seed: Seed, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("Chromium is missing (.ci/run installs Debian's chromium)", pytrace=False)
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    [(name, content)] = (await report(seed)).items()
    page = tmp_path / name
    page.write_bytes(content)
    pdf, shot = tmp_path / "report.pdf", tmp_path / "report.png"
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}"]
    await run([*browser, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()])
    await run([*browser, "--window-size=794,1123", f"--screenshot={shot}", page.as_uri()])
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1, "the one-pager must print on one page"
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) in ((595, 842), (612, 792))  # A4 (or Letter where the default wins)
    visible = " ".join(reader.pages[0].extract_text().split())
    for shown in ("Internal trainers' community — Q4 2026", "7 learners trained", "External cost avoided",
                  "€1,650", "€1,950", "Net value", "€660", "Learner-hours", "9.5 h", "Too fast for a beginner",
                  "Git basics", "BY TOPIC", "WEEK BY WEEK"):  # headings print in capitals
        assert shown in visible, shown
    assert shot.stat().st_size > 10_000


async def test_the_report_command_writes_the_last_complete_period_before_at(
    seed: Seed, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    out = io.StringIO()
    target = tmp_path / "q4.html"
    argv = ["report", "quarter", "--at", "2027-01-05T10:00:00+01:00", "--output", str(target)]
    assert await asyncio.to_thread(app.main, argv, out=out) == 0
    assert out.getvalue() == f"Wrote {target}\n"
    page = target.read_text(encoding="utf-8")
    assert "Internal trainers' community — Q4 2026" in page and "€1,650" in page
    markdown = tmp_path / "q4.md"
    argv = ["report", "quarter", "--at", "2027-01-05T09:00:00Z", "--format", "markdown", "--output", str(markdown)]
    assert await asyncio.to_thread(app.main, argv, out=io.StringIO()) == 0
    assert "| **Net value**" in markdown.read_text(encoding="utf-8")
    assert (tmp_path / "guild-report-2026-Q4-chart.png").read_bytes().startswith(b"\x89PNG")
    await Seed(seed.uow, external_id="another", name="Other Co").community()
    refused = await asyncio.to_thread(app.main, ["report", "--output", str(tmp_path / "x.html")], out=io.StringIO())
    assert refused == 2 and not (tmp_path / "x.html").exists()
    chosen = ["report", "quarter", "--at", "2027-01-05T09:00:00Z", "--community", "Test Co", "--output",
              str(tmp_path / "chosen.html")]
    assert await asyncio.to_thread(app.main, chosen, out=io.StringIO()) == 0
