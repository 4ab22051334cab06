"""The digest on Slack: the post in the digest channel, then its chart uploaded there with files_upload_v2."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from handlers import spans
from handlers.digest import leadership_digest
from handlers.types import CommunityRef
from storage import members
from tests.bot.slack.conftest import SlackHarness, slack_env
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock
from tests.handlers.digest_seed import REPORT_AT, two_quarters
from tests.scheduler.seed import Seed

WORKSPACE = CommunityRef("slack", TEAM)
UTC_ZONE = ZoneInfo("UTC")
ROOT = Path(__file__).resolve().parents[3]


async def seeded(slack: SlackHarness) -> Seed:
    seed = Seed(slack.core.uow, external_id=TEAM, name=None, platform="slack")
    await two_quarters(seed)
    await seed.community(external_rate=300, internal_rate=60, currency="EUR", prep_ratio=2, headcount=40,
                         digest_channel="CDIGEST")
    return seed


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def block_texts(blocks: list[dict]) -> str:  # type: ignore[type-arg]
    texts = []
    for block in blocks:
        texts.append(block.get("text", {}).get("text", "") if isinstance(block.get("text"), dict) else "")
        texts += [f["text"] for f in block.get("fields", [])]
    return "\n".join(texts)


async def test_the_digest_is_posted_and_its_chart_uploaded_into_the_digest_channel(slack: SlackHarness) -> None:
    seed = await seeded(slack)
    async with slack.core.uow() as uow:
        community = await members.find_community(uow.session, seed.community_id)
        assert community is not None
        reply = await leadership_digest(uow.session, community, spans.last_complete("quarter", REPORT_AT, UTC_ZONE),
                                        UTC_ZONE)

    await slack.adapter.notifier.post(WORKSPACE, "CDIGEST", reply)

    [post] = slack.fake.of("chat.postMessage")
    assert post.body["channel"] == "CDIGEST"
    shown = block_texts(post.json("blocks"))
    assert "*External cost avoided*\n€1,650  (▲ 450%) · €1,950 since Jul 2026" in shown
    assert "_= 5.5 h delivered × €300/h external rate_" in shown
    assert "⚠️ “Too fast for a beginner” — on *Intro to SQL* (2★)" in shown
    [upload] = slack.fake.shared("CDIGEST")
    assert upload.filename == "guild-digest-2026-Q4.png"
    assert upload.title == "Learners and sessions per week, 12 weeks to the week of 28 Dec 2026"
    assert png_size(upload.content) == (800, 400)
    methods = [c.method for c in slack.fake.calls]
    assert methods.index("chat.postMessage") < methods.index("files.getUploadURLExternal") \
        < methods.index(f"upload:{upload.file_id}") < methods.index("files.completeUploadExternal")


async def test_a_private_preview_answers_ephemerally_and_sends_the_chart_by_dm(
    slack: SlackHarness, clock: FakeClock
) -> None:
    await seeded(slack)
    clock.now = REPORT_AT
    response = await slack.command("/guild", "digest quarter", user="UADMIN")
    assert response.status == 200
    [answer] = await slack.fake.wait_for("respond:cmd-UADMIN")
    assert answer.json("blocks")[0]["text"]["text"] == "Leadership digest — Q4 2026"
    await slack.fake.wait_for("files.completeUploadExternal")
    [upload] = slack.fake.shared()
    assert upload.channel == "DUADMIN" and upload.filename == "guild-digest-2026-Q4.png"
    assert not slack.fake.of("chat.postMessage")  # nothing public


async def test_a_leader_asks_for_the_one_pager_and_gets_the_html_file_by_dm(
    slack: SlackHarness, clock: FakeClock
) -> None:
    await seeded(slack)
    clock.now = REPORT_AT
    await slack.command("/guild", "digest quarter report", user="UADMIN")
    [answer] = await slack.fake.wait_for("respond:cmd-UADMIN")
    assert "one-pager for Q4 2026" in answer.json("blocks")[1]["text"]["text"]
    await slack.fake.wait_for("files.completeUploadExternal")
    [upload] = slack.fake.shared()
    assert (upload.channel, upload.filename) == ("DUADMIN", "guild-report-2026-Q4.html")
    page = upload.content.decode()
    assert page.startswith("<!DOCTYPE html>") and "€1,650" in page and "<script" not in page


async def run_job(database_url: str, fake: FakeSlack, *args: str) -> str:
    """``python app.py run-job …`` as an operator runs it, with Slack pointed at the fake Web API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    env.update(slack_env(database_url, fake.api_url))
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "app.py"), "run-job", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_the_scheduled_digest_job_posts_the_digest_and_uploads_its_chart_once(
    database_url: str, fake_slack: FakeSlack, uow  # type: ignore[no-untyped-def]
) -> None:
    seed = Seed(uow, external_id=TEAM, name=None, platform="slack")
    await two_quarters(seed)
    await seed.community(external_rate=300, internal_rate=60, currency="EUR", prep_ratio=2, headcount=40,
                         digest_channel="CDIGEST", digest_frequency="quarterly")

    said = await run_job(database_url, fake_slack, "digest", "--at", REPORT_AT.isoformat())

    assert said.strip() == "digest 2026-Q4 · slack:T0GUILD: posted to CDIGEST", said
    [post] = fake_slack.of("chat.postMessage")
    assert post.body["channel"] == "CDIGEST" and post.token == "xoxb-test-token"
    blocks = post.json("blocks")
    assert blocks[0]["text"]["text"] == "Leadership digest — Q4 2026"
    shown = block_texts(blocks)
    assert "*Learners trained*\n7  (+5) · 9 since Jul 2026" in shown
    assert "*External cost avoided*\n€1,650  (▲ 450%) · €1,950 since Jul 2026" in shown
    assert "⚠️ “Too fast for a beginner” — on *Intro to SQL* (2★)" in shown
    assert "Q4 2026" in post.body["text"]  # the notification text
    [upload] = fake_slack.shared("CDIGEST")
    assert (upload.filename, png_size(upload.content)) == ("guild-digest-2026-Q4.png", (800, 400))
    [complete] = fake_slack.of("files.completeUploadExternal")
    assert complete.body["channel_id"] == "CDIGEST"

    again = await run_job(database_url, fake_slack, "digest", "--at", REPORT_AT.isoformat())
    assert "already posted" in again, again
    assert len(fake_slack.of("chat.postMessage")) == 1 and len(fake_slack.shared()) == 1
