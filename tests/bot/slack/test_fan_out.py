"""One message naming thousands: refused at once, with the usage, before anyone is looked up or stored."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.people import LOOKUPS_AT_ONCE, MAX_LOOKUPS, People
from handlers.core import Core
from handlers.tokens import MAX_MENTIONS
from handlers.types import CommunityRef
from storage.models import Kudos, Member
from tests.bot.slack.conftest import SlackHarness
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.bot.slack.test_events import said

CROWD = " ".join(f"<@U{n:07d}>" for n in range(2_500))


async def test_a_kudos_naming_2500_people_is_refused_in_the_ack_without_a_single_lookup(slack: SlackHarness) -> None:
    started = time.perf_counter()
    response = await slack.command("/kudos", f"{CROWD} thanks for the all-hands demo")
    took = time.perf_counter() - started
    assert response.status == 200
    answer = await response.json()
    assert answer.get("response_type", "ephemeral") == "ephemeral"  # an ack answers privately
    assert f"That names 2,500 people — I take at most {MAX_MENTIONS} in one go" in answer["text"]
    assert "Usage: `kudos <@person>…" in str(answer["blocks"])  # the usage comes with it
    assert took < 1.5, took
    await slack.idle()
    assert not slack.fake.of("users.info")
    assert await slack.count(Kudos) == 0 and await slack.count(Member) == 0


async def test_fifty_people_are_fine_and_fifty_one_are_not(slack: SlackHarness) -> None:
    await slack.command("/guild", "admin kudos-limit 100", user="UADMIN")  # 10 a day would stop 50 first
    await slack.fake.wait_for("respond:cmd-UADMIN")
    fifty = " ".join(f"<@U{n:07d}>" for n in range(MAX_MENTIONS))
    await slack.command("/kudos", f"{fifty} thanks for the all-hands demo")
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    assert await slack.count(Kudos) == MAX_MENTIONS
    assert len(slack.fake.of("users.info")) <= 1 + MAX_LOOKUPS  # the admin, then Ana and the fifty
    refused = await (await slack.command("/kudos", f"{fifty} <@UBEN> thanks for the all-hands demo")).json()
    assert "That names 51 people" in refused["text"]


async def test_a_chat_message_naming_2500_people_with_the_kudos_emoji_is_refused_privately(
        slack: SlackHarness) -> None:
    assert (await slack.event(said(f"{CROWD} :clap: thanks for the all-hands demo"))).status == 200
    [refused] = await slack.fake.wait_for("chat.postEphemeral")
    assert refused.body["user"] == "UANA" and "That names 2,500 people" in refused.body["text"]
    await slack.idle()
    assert not slack.fake.of("users.info") and not slack.fake.of("chat.postMessage")
    assert await slack.count(Kudos) == 0


class CountingClient(AsyncWebClient):
    """Records how many users.info calls were in flight at once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = self.most = 0

    async def users_info(self, **kwargs: Any) -> Any:  # type: ignore[override]
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            return await super().users_info(**kwargs)
        finally:
            self.in_flight -= 1


async def test_lookups_for_one_message_are_capped_and_a_few_at_a_time(core: Core, fake_slack: FakeSlack) -> None:
    client = CountingClient(token="xoxb-p", base_url=fake_slack.api_url)
    people = People(core)
    wanted = [f"U{n:07d}" for n in range(500)]
    refs = await people.refs(client, CommunityRef("slack", TEAM), wanted)
    assert list(refs) == wanted
    assert len(fake_slack.of("users.info")) == MAX_LOOKUPS
    assert client.most == LOOKUPS_AT_ONCE
    await people.refs(client, CommunityRef("slack", TEAM), wanted[:10])  # not found: not asked again soon
    assert len(fake_slack.of("users.info")) == MAX_LOOKUPS
