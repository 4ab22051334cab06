"""Names and time zones come from users.info at most daily, also across restarts."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.people import People
from handlers.core import Core
from handlers.types import CommunityRef, PersonRef
from storage import members
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock

WORKSPACE = CommunityRef("slack", TEAM)


async def test_a_fresh_profile_in_the_database_is_not_looked_up_again(core: Core, fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-p", base_url=fake_slack.api_url)
    clock: FakeClock = core.clock  # type: ignore[assignment]
    async with core.uow() as uow:
        community = await members.community(uow.session, "slack", TEAM)
        await members.member(uow.session, community.id, "UANA", display_name="Ana", seen_at=clock())
        await uow.commit()

    clock.advance(hours=23)
    refs = await People(core).refs(client, WORKSPACE, ["UANA", "UBEN"])  # a new process: nothing in memory
    assert refs == {"UANA": PersonRef("UANA"), "UBEN": PersonRef("UBEN", "Ben", "Europe/Paris")}
    assert [c.body["user"] for c in fake_slack.of("users.info")] == ["UBEN"]

    clock.advance(hours=2)
    refs = await People(core).refs(client, WORKSPACE, ["UANA"])
    assert refs["UANA"] == PersonRef("UANA", "Ana", "Europe/Paris")


async def test_someone_slack_cannot_find_stays_a_bare_reference(core: Core, fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-p", base_url=fake_slack.api_url)
    assert await People(core).refs(client, WORKSPACE, ["UGHOST"]) == {"UGHOST": PersonRef("UGHOST")}
