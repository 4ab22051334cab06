"""The digest on Teams: one card with the figures, Teams' own chart elements and an image fallback,
valid against the Adaptive Cards schema version Guild declares (1.4)."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from PIL import Image

from bot.teams import cards
from handlers import spans
from handlers.digest import leadership_digest
from handlers.types import CommunityRef
from storage import members
from tests.bot.teams import activities as act
from tests.bot.teams.card_schema import validate
from tests.bot.teams.conftest import Teams
from tests.handlers.digest_seed import REPORT_AT, two_quarters
from tests.scheduler.seed import Seed

TENANT = CommunityRef("teams", act.TENANT)
UTC_ZONE = ZoneInfo("UTC")
ROOT = Path(__file__).resolve().parents[3]


def facts(card: dict) -> dict[str, str]:  # type: ignore[type-arg]
    found = {}
    for element in card["body"]:
        for item in element.get("items", []):
            if item["type"] == "FactSet":
                found.update({f["title"]: f["value"] for f in item["facts"]})
    return found


async def test_the_digest_card_carries_every_figure_and_a_chart_teams_draws(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.bot_added_to_team(teams.url))
    seed = Seed(uow, external_id=act.TENANT, name=None, platform="teams")
    await two_quarters(seed)
    await seed.community(external_rate=300, internal_rate=60, currency="EUR", prep_ratio=2, headcount=40)
    async with uow() as work:
        community = await members.find_community(work.session, seed.community_id)
        assert community is not None
        reply = await leadership_digest(work.session, community, spans.last_complete("quarter", REPORT_AT,
                                                                                     UTC_ZONE), UTC_ZONE)
    sent = len(teams.connector.calls)

    await teams.adapter.notifier.post(TENANT, act.CHANNEL, reply)

    [post] = teams.connector.calls[sent:]
    card = post.body["attachments"][0]["content"]
    validate(card)
    shown = facts(card)
    assert shown["Learners trained"] == "7  (+5) · 9 since Jul 2026\n_= attendees of the sessions held_"
    assert shown["External cost avoided"].startswith("€1,650  (▲ 450%) · €1,950 since Jul 2026")
    assert shown["Net value"].startswith("€660  (▲ 450%) · €780 since Jul 2026")
    texts = [i["text"] for e in card["body"] for i in e.get("items", []) if i["type"] == "TextBlock"]
    assert "⚠️ “Too fast for a beginner” — on **Intro to SQL** (2★)" in texts
    [bars] = [e for e in card["body"] if e["type"] == "Chart.VerticalBar.Grouped"]
    assert [(d["legend"], [v["y"] for v in d["values"]]) for d in bars["data"]] == [
        ("Learners", [0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 0, 0]), ("Sessions", [0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0])]
    assert bars["data"][0]["values"][3] == {"x": "2 Nov", "y": 2}
    [line] = [e for e in card["body"] if e["type"] == "Chart.Line"]
    assert line["data"][0]["values"] == [{"x": "2 Nov", "y": 2.5}] and line["fallback"] == "drop"
    fallback = bars["fallback"]
    assert fallback["type"] == "Image" and fallback["url"].startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(fallback["url"].split(",", 1)[1]))) as picture:
        assert picture.size == (800, 400)
    assert len(str(card).encode()) < 28_000  # Teams' message size limit


def test_an_element_1_4_does_not_know_needs_a_valid_fallback() -> None:
    card = cards.render(cards_reply())
    validate(card)
    card["body"].append({"type": "Chart.Pie", "data": []})
    with pytest.raises(jsonschema.ValidationError):
        validate(card)
    card["body"][-1]["fallback"] = {"type": "TextBlock", "text": "A pie", "wrap": True, "colour": "red"}
    with pytest.raises(jsonschema.ValidationError):
        validate(card)  # a misspelt property in the fallback is caught too
    card["body"][-1]["fallback"] = "drop"
    validate(card)


def cards_reply():  # type: ignore[no-untyped-def]
    from handlers.types import Button, Reply, Section

    return Reply("Hello", title="T", sections=(Section("x", fields=(("a", "b"),), buttons=(Button("Go", "help"),)),),
                 buttons=(Button("More", "sessions", "primary"),))



async def test_on_teams_the_one_pager_is_a_link_guild_serves_until_it_expires(
    teams: Teams, uow, clock  # type: ignore[no-untyped-def]
) -> None:
    from bot.teams.reports import NO_PUBLIC_URL, ReportLinks
    from handlers.types import Attachment, private

    await teams.send(act.bot_added_to_team(teams.url))
    page = b"<!DOCTYPE html><p>one-pager</p>"
    reply = private("Here it is", files=(Attachment("guild-report-2026-Q4.html", page, "text/html", "Q4 one-pager"),))
    links = ReportLinks(uow=uow, clock=clock, public_url="https://guild.example.com/")
    shown = await links.attach(reply, act.TENANT)
    assert not shown.files
    [line] = shown.sections[-1].text.splitlines()
    match = re.fullmatch(r"📄 \[Q4 one-pager\]\(https://guild\.example\.com/reports/([\w-]{40,})\) — the link works "
                         r"until \d\d \w{3} \d{4}; save the file to forward it\.", line)
    assert match, line
    validate(cards.render(shown))
    served = await teams.client.get(f"/reports/{match.group(1)}")
    assert served.status == 200 and await served.read() == page
    assert served.headers["Content-Type"].startswith("text/html") and "no-store" in served.headers["Cache-Control"]
    assert (await teams.client.get(f"/reports/{match.group(1)[:-1]}x")).status == 404
    clock.advance(days=8)
    assert (await teams.client.get(f"/reports/{match.group(1)}")).status == 404
    unset = await ReportLinks(uow=uow, clock=clock, public_url=None).attach(reply, act.TENANT)
    assert unset.sections[-1].text == NO_PUBLIC_URL and not unset.files


async def test_the_scheduled_digest_job_posts_the_card_with_its_chart_to_the_digest_channel_once(
    teams: Teams, uow, database_url: str  # type: ignore[no-untyped-def]
) -> None:
    await teams.send(act.bot_added_to_team(teams.url))  # Guild learns the channel and its serviceUrl
    seed = Seed(uow, external_id=act.TENANT, name=None, platform="teams")
    await two_quarters(seed)
    await seed.community(external_rate=300, internal_rate=60, currency="EUR", prep_ratio=2, headcount=40,
                         digest_channel=act.CHANNEL, digest_frequency="quarterly")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "TEAMS_"))}
    env.update(DATABASE_URL=database_url, TEAMS_DEV_MODE="1", HOST="127.0.0.1")
    sent = len(teams.connector.calls)

    async def run_job() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "app.py"), "run-job", "digest", "--at", REPORT_AT.isoformat(), cwd=ROOT,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, err.decode()
        return out.decode()

    said = await run_job()

    assert said.strip() == f"digest 2026-Q4 · teams:{act.TENANT}: posted to {act.CHANNEL}", said
    [post] = teams.connector.calls[sent:]
    assert post.conversation == act.CHANNEL
    card = post.body["attachments"][0]["content"]
    validate(card)
    assert facts(card)["Learners trained"].startswith("7  (+5) · 9 since Jul 2026")
    [bars] = [e for e in card["body"] if e["type"] == "Chart.VerticalBar.Grouped"]
    with Image.open(io.BytesIO(base64.b64decode(bars["fallback"]["url"].split(",", 1)[1]))) as picture:
        assert (picture.format, picture.size) == ("PNG", (800, 400))
    assert "already posted" in await run_job()
    assert len(teams.connector.calls) == sent + 1
