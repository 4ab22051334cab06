"""The outbox on Teams: 429 and 5xx are retried with backoff, a missing conversation fails for good, the
activity id is recorded — and a message whose answer was lost is not sent again (Teams has no history)."""

from __future__ import annotations

from handlers.types import CommunityRef, public
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams
from tests.fakes import FakeClock, outbox_row, queue

TENANT = CommunityRef("teams", act.TENANT)


async def test_a_post_the_connector_refuses_with_503_then_429_is_retried_and_sent_once(
        teams: Teams, clock: FakeClock) -> None:
    await teams.send(act.bot_added_to_team(teams.url))
    teams.connector.failing = [503]

    row_id = await queue(teams.core, TENANT, "post", act.CHANNEL, public("Roundup"))
    row = await outbox_row(teams.core, row_id)
    assert (row.state, row.last_error) == ("pending", "http_503")

    teams.connector.failing = [429]
    clock.advance(seconds=5)
    await teams.core.delivery.drain()
    assert (await outbox_row(teams.core, row_id)).last_error == "http_429"
    clock.advance(seconds=10)
    await teams.core.delivery.drain()

    sent = [c for c in teams.connector.to(act.CHANNEL) if c.text == "Roundup"]
    assert len(sent) == 3  # two refused, one taken
    row = await outbox_row(teams.core, row_id)
    assert (row.state, row.attempts, row.platform_ref) == ("sent", 3, sent[-1].answered_id)


async def test_a_post_where_guild_was_never_added_fails_for_good(teams: Teams) -> None:
    await teams.send(act.bot_added_to_team(teams.url))

    row_id = await queue(teams.core, TENANT, "post", "19:elsewhere@thread.tacv2", public("Roundup"))

    row = await outbox_row(teams.core, row_id)
    assert (row.state, row.last_error) == ("failed", "no_conversation")


async def test_a_message_whose_sender_died_mid_send_is_kept_not_sent_twice(teams: Teams, clock: FakeClock) -> None:
    await teams.send(act.bot_added_to_team(teams.url))
    before = len(teams.connector.sent())

    row_id = await queue(teams.core, TENANT, "post", act.CHANNEL, public("Roundup"), send=False)
    clock.advance(minutes=6)
    await teams.core.delivery.drain()

    assert len(teams.connector.sent()) == before
    row = await outbox_row(teams.core, row_id)
    assert row.state == "failed" and (row.last_error or "").startswith("uncertain")
