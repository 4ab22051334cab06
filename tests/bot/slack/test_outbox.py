"""The outbox on Slack: every message carries its outbox id as metadata, 429s wait Retry-After, permanent errors
are kept as failed, and a message Slack already took before a crash is found in the history, not posted again."""

from __future__ import annotations

from datetime import timedelta

from handlers.types import CommunityRef, public
from tests.bot.slack.conftest import SlackHarness
from tests.bot.slack.fake_slack import TEAM
from tests.fakes import FakeClock, outbox_row, queue

WORKSPACE = CommunityRef("slack", TEAM)


def metadata(row_id: int) -> dict[str, object]:
    return {"event_type": "guild_outbox", "event_payload": {"id": str(row_id)}}


async def test_a_kudos_dm_carries_its_outbox_id_and_the_ts_is_recorded(slack: SlackHarness) -> None:
    await slack.command("/kudos", "<@UBEN|ben> thanks for the patient SQL demo")
    await slack.idle()

    [dm] = slack.fake.posted("DUBEN")
    row = await outbox_row(slack.core, int(dm["metadata"]["event_payload"]["id"]))
    assert dm["metadata"] == metadata(row.id)
    assert (row.state, row.platform_ref, row.target) == ("sent", dm["ts"], "UBEN")


async def test_a_rate_limited_post_waits_retry_after_and_goes_out_once(slack: SlackHarness) -> None:
    slack.fake.rate_limited["chat.postMessage"] = 5  # more than slack_sdk's own three retries

    row_id = await queue(slack.core, WORKSPACE, "post", "CROUNDUP", public("Roundup"))
    row = await outbox_row(slack.core, row_id)
    assert (row.state, row.last_error) == ("pending", "ratelimited")  # Retry-After: 0, so due at once

    await slack.core.delivery.drain()

    assert [m["text"] for m in slack.fake.posted("CROUNDUP")] == ["Roundup"]
    assert (await outbox_row(slack.core, row_id)).state == "sent"


async def test_the_outbox_waits_as_long_as_slack_says_before_trying_again(slack: SlackHarness,
                                                                           clock: FakeClock) -> None:
    slack.fake.rate_limited["chat.postMessage"] = 4  # slack_sdk's own three retries, waiting 1 s each, then ours
    slack.fake.retry_after = "1"

    row_id = await queue(slack.core, WORKSPACE, "post", "CROUNDUP", public("Roundup"))
    row = await outbox_row(slack.core, row_id)
    assert (row.state, row.next_attempt_at) == ("pending", clock() + timedelta(seconds=1))
    await slack.core.delivery.drain()
    assert slack.fake.posted("CROUNDUP") == [], "not before Retry-After"

    clock.advance(seconds=1)
    await slack.core.delivery.drain()
    assert [m["text"] for m in slack.fake.posted("CROUNDUP")] == ["Roundup"]


async def test_a_channel_guild_is_not_in_fails_for_good_and_is_kept(slack: SlackHarness, clock: FakeClock) -> None:
    slack.fake.not_in.add("CSECRET")

    row_id = await queue(slack.core, WORKSPACE, "post", "CSECRET", public("Roundup"))
    clock.advance(hours=2)
    await slack.core.delivery.drain()

    row = await outbox_row(slack.core, row_id)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "not_in_channel")
    assert len(slack.fake.of("chat.postMessage")) == 1


async def test_a_post_slack_took_before_the_process_died_is_found_and_not_posted_again(
        slack: SlackHarness, clock: FakeClock) -> None:
    row_id = await queue(slack.core, WORKSPACE, "post", "CROUNDUP", public("Roundup"), send=False)
    accepted = await slack.adapter.notifier.post(WORKSPACE, "CROUNDUP", public("Roundup"), key=str(row_id))
    # … and the process dies before recording it: the row stays in "sending" until its lease runs out
    clock.advance(minutes=6)

    await slack.core.delivery.drain()

    [history] = slack.fake.of("conversations.history")
    assert history.body["channel"] == "CROUNDUP" and history.body["include_all_metadata"] in ("1", "true")
    assert len(slack.fake.posted("CROUNDUP")) == 1
    row = await outbox_row(slack.core, row_id)
    assert (row.state, row.platform_ref) == ("sent", accepted)


async def test_a_dm_slack_never_got_is_looked_for_then_sent_once(slack: SlackHarness, clock: FakeClock) -> None:
    row_id = await queue(slack.core, WORKSPACE, "tell", "UBEN", public("Your session starts soon"), send=False)
    clock.advance(minutes=6)

    await slack.core.delivery.drain()

    assert [c.body["channel"] for c in slack.fake.of("conversations.history")] == ["DUBEN"]
    [dm] = slack.fake.posted("DUBEN")
    assert dm["metadata"] == metadata(row_id)
    assert (await outbox_row(slack.core, row_id)).platform_ref == dm["ts"]
