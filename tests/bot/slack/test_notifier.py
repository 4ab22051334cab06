"""Guild's Slack notifier: DMs through conversations.open, channel posts, Slack's rate limits honoured."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.notifier import NotInstalled, SlackNotifier, retry_handlers
from handlers.types import CommunityRef, Recipient, Reply
from tests.bot.slack.fake_slack import TEAM, FakeSlack

WORKSPACE = CommunityRef("slack", TEAM)


def notifier(fake: FakeSlack) -> SlackNotifier:
    return SlackNotifier(AsyncWebClient(token="xoxb-n", base_url=fake.api_url, retry_handlers=retry_handlers()))


async def test_a_dm_opens_the_conversation_once_and_posts_blocks(fake_slack: FakeSlack) -> None:
    slack = notifier(fake_slack)
    for n in range(2):
        await slack.tell(Recipient(WORKSPACE, "UBEN"), Reply(f"Reminder {n}", title="Tomorrow"))
    assert len(fake_slack.of("conversations.open")) == 1
    posts = fake_slack.of("chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["DUBEN", "DUBEN"]
    assert posts[1].json("blocks")[0]["type"] == "header" and posts[1].body["text"] == "Tomorrow\nReminder 1"
    assert posts[0].token == "xoxb-n"


async def test_a_rate_limited_post_is_retried_after_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limited["chat.postMessage"] = 2
    await notifier(fake_slack).post(WORKSPACE, "CROUNDUP", Reply("Kudos roundup", public=True))
    assert [c.body["channel"] for c in fake_slack.of("chat.postMessage")] == ["CROUNDUP"] * 3


async def test_a_post_slack_refuses_raises_so_the_scheduler_can_try_again(fake_slack: FakeSlack) -> None:
    fake_slack.not_in.add("CPRIVATE")
    with pytest.raises(SlackApiError):
        await notifier(fake_slack).post(WORKSPACE, "CPRIVATE", Reply("Digest", public=True))


async def test_each_workspace_posts_with_its_own_token(fake_slack: FakeSlack) -> None:
    tokens = {"TA": "xoxb-a", "TB": "xoxb-b"}

    async def lookup(team: str) -> str | None:
        return tokens.get(team)

    slack = SlackNotifier(AsyncWebClient(base_url=fake_slack.api_url), lookup)
    await slack.post(CommunityRef("slack", "TA"), "C1", Reply("a"))
    await slack.post(CommunityRef("slack", "TB"), "C1", Reply("b"))
    assert [c.token for c in fake_slack.of("chat.postMessage")] == ["xoxb-a", "xoxb-b"]
    with pytest.raises(NotInstalled):
        await slack.post(CommunityRef("slack", "TGONE"), "C1", Reply("c"))


async def test_a_public_answer_refused_in_the_channel_reaches_its_person_by_dm_and_is_found_there(
        fake_slack: FakeSlack) -> None:
    fake_slack.not_in.add("CQUIET")
    slack = notifier(fake_slack)
    ref = await slack.post(WORKSPACE, "CQUIET", Reply("<@UBEN> was thanked", public=True), key="7",
                           thread="1763888400.000100", answering="UANA")
    [told] = fake_slack.posted("DUANA")
    assert told["text"].startswith("I couldn't post this in the channel") and "was thanked" in told["text"]
    [call] = [c for c in fake_slack.of("chat.postMessage") if c.body.get("channel") == "DUANA"]
    assert "thread_ts" not in call.body  # a thread of a channel Guild is not in means nothing in the DM
    # After a crash mid-send the outbox asks before sending again: the DM is where this one went.
    found = await slack.find(WORKSPACE, "post", "CQUIET", "7", since=datetime(2026, 1, 1, tzinfo=UTC),
                             answering="UANA")
    assert found == ref == told["ts"]
    assert await slack.find(WORKSPACE, "post", "CQUIET", "8", since=datetime(2026, 1, 1, tzinfo=UTC),
                            answering="UANA") is None


async def test_a_public_answer_in_a_thread_is_posted_there(fake_slack: FakeSlack) -> None:
    await notifier(fake_slack).post(WORKSPACE, "CGENERAL", Reply("thanks", public=True), key="3",
                                    thread="1763888400.000100", answering="UANA")
    [post] = fake_slack.of("chat.postMessage")
    assert (post.body["channel"], post.body["thread_ts"]) == ("CGENERAL", "1763888400.000100")
