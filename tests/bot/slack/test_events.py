"""Kudos in chat: the kudos emoji in a message or as a reaction; retries, re-sends and edits count once."""

from __future__ import annotations

import asyncio
from typing import Any

from storage.models import Kudos
from tests.bot.slack.conftest import SlackHarness


def said(text: str, *, user: str = "UANA", ts: str = "1763888400.000100", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel": "CGENERAL", "channel_type": "channel", "user": user, "text": text,
            "ts": ts, "event_ts": ts, **extra}


def reaction(kind: str, *, user: str = "UANA", author: str = "UBEN", emoji: str = "clap") -> dict[str, Any]:
    return {"type": kind, "user": user, "reaction": emoji, "item_user": author,
            "item": {"type": "message", "channel": "CGENERAL", "ts": "1763888000.000200"},
            "event_ts": "1763888500.000300"}


THANKS = "<@UBEN> <@UCARA> :clap: thanks for running the release so calmly"


async def test_a_message_with_the_kudos_emoji_thanks_everyone_it_mentions(slack: SlackHarness) -> None:
    assert (await slack.event(said(THANKS))).status == 200
    [post] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    assert post.body["thread_ts"] == "1763888400.000100"
    assert await slack.count(Kudos) == 2


async def test_skin_tones_count_as_the_emoji(slack: SlackHarness) -> None:
    await slack.event(said("<@UBEN> :clap::skin-tone-3: thanks for the careful review"))
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    assert await slack.count(Kudos) == 1


async def test_messages_without_mentions_or_emoji_are_just_chat(slack: SlackHarness) -> None:
    await slack.event(said("<@UBEN> thanks for running the release"))
    await slack.event(said(":clap: great release everyone"))
    await slack.event(said(THANKS, user="UBOT", bot_id="BBOT"))
    await slack.idle()
    assert await slack.count(Kudos) == 0
    assert not slack.fake.of("chat.postMessage")


async def test_a_retried_event_and_a_re_sent_message_record_once(slack: SlackHarness) -> None:
    await slack.event(said(THANKS), event_id="Ev1")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await slack.event(said(THANKS), event_id="Ev1", headers=retry)).status == 200
    assert (await slack.event(said(THANKS), event_id="Ev2")).status == 200  # same channel and ts, new event id
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    await slack.idle()
    assert await slack.count(Kudos) == 2
    assert len(slack.fake.of("chat.postMessage")) == 1 + 2  # one announcement, one DM to each receiver


async def test_editing_a_message_never_counts_twice(slack: SlackHarness) -> None:
    await slack.event(said(THANKS))
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    edited = {"type": "message", "subtype": "message_changed", "channel": "CGENERAL", "channel_type": "channel",
              "message": said(THANKS + " (edited)", edited={"user": "UANA"}), "previous_message": said(THANKS),
              "ts": "1763888600.000100"}
    await slack.event(edited)
    await slack.idle()
    assert await slack.count(Kudos) == 2


async def test_an_edit_that_adds_a_person_thanks_only_the_newcomer(slack: SlackHarness) -> None:
    await slack.event(said("<@UBEN> :clap: thanks for running the release so calmly"))
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    edited = {"type": "message", "subtype": "message_changed", "channel": "CGENERAL", "channel_type": "channel",
              "message": said(THANKS, edited={"user": "UANA", "ts": "1763888600.000000"}),
              "ts": "1763888600.000100", "event_ts": "1763888600.000100"}
    await slack.event(edited, event_id="EvEdit1")
    await slack.event(edited, event_id="EvEdit2")  # the same edit delivered again
    announcements = await slack.fake.wait_for(
        "chat.postMessage", count=2, where=lambda c: c.body.get("channel") == "CGENERAL")
    await slack.idle()
    assert await slack.count(Kudos) == 2
    assert "<@UCARA>" in str(announcements[1].body) and "<@UBEN>" not in announcements[1].body["text"]
    assert len([c for c in slack.fake.of("chat.postMessage") if c.body.get("channel") == "CGENERAL"]) == 2
    assert not slack.fake.of("chat.postEphemeral")


async def test_an_edit_that_adds_the_emoji_counts_once(slack: SlackHarness) -> None:
    await slack.event(said("<@UBEN> thanks for running the release so calmly"))
    edited = {"type": "message", "subtype": "message_changed", "channel": "CGENERAL", "channel_type": "channel",
              "message": said(THANKS), "ts": "1763888600.000100"}
    await slack.event(edited)
    await slack.event(edited | {"ts": "1763888700.000100"})
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    await slack.idle()
    assert await slack.count(Kudos) == 2


async def test_the_emoji_as_a_reaction_thanks_the_author_and_removing_it_takes_it_back(slack: SlackHarness) -> None:
    slack.fake.history[("CGENERAL", "1763888000.000200")] = {
        "ts": "1763888000.000200", "user": "UBEN", "text": "Fixed the flaky deploy &amp; wrote it up"}
    await slack.event(reaction("reaction_added"), event_id="EvR1")
    await slack.event(reaction("reaction_added"), event_id="EvR1")  # a retry
    [confirmation] = await slack.fake.wait_for("chat.postEphemeral")
    assert confirmation.body["user"] == "UANA" and "<@UBEN>" in confirmation.body["text"]
    assert await slack.count(Kudos, Kudos.message.contains("flaky deploy & wrote")) == 1

    await slack.event(reaction("reaction_removed"), event_id="EvR2")
    await slack.idle()
    assert await slack.count(Kudos) == 0


async def test_other_reactions_and_reactions_to_oneself_record_nothing(slack: SlackHarness) -> None:
    await slack.event(reaction("reaction_added", emoji="tada"))
    await slack.event(reaction("reaction_added", author="UANA"))
    await slack.idle()
    assert await slack.count(Kudos) == 0


async def test_nobody_thanks_guild_itself(slack: SlackHarness) -> None:
    await slack.event(reaction("reaction_added", author="UBOT"))  # clapping at Guild's own announcement
    await slack.event(said("<@UBOT> :clap: thanks for the reminder yesterday"))
    await slack.event(said("<@UBOT> <@UBEN> :clap: thanks for the reminder yesterday", ts="1763888450.000100"))
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    await slack.idle()
    assert await slack.count(Kudos) == 1  # ben's
    assert not [c for c in slack.fake.of("conversations.open") if "UBOT" in str(c.body.get("users"))]


async def test_a_reaction_removed_while_its_add_is_still_running_takes_the_kudos_back(slack: SlackHarness) -> None:
    slack.fake.slow["conversations.history"] = 0.5  # Slack is slow to show the reacted message
    await slack.event(reaction("reaction_added"), event_id="EvAdd")
    await asyncio.sleep(0.1)
    removed = reaction("reaction_removed") | {"event_ts": "1763888510.000300"}
    await slack.event(removed, event_id="EvRemove")
    await slack.idle()
    assert await slack.count(Kudos) == 0


async def test_a_removal_delivered_before_its_add_wins(slack: SlackHarness) -> None:
    removed = reaction("reaction_removed") | {"event_ts": "1763888510.000300"}
    await slack.event(removed, event_id="EvRemove")
    await slack.event(reaction("reaction_added"), event_id="EvAdd")  # event_ts 1763888500: before the removal
    await slack.idle()
    assert await slack.count(Kudos) == 0
    again = reaction("reaction_added") | {"event_ts": "1763888600.000300"}  # clapped again, later
    await slack.event(again, event_id="EvAddAgain")
    await slack.idle()
    assert await slack.count(Kudos) == 1


async def test_a_reaction_delivered_again_is_confirmed_once(slack: SlackHarness) -> None:
    await slack.event(reaction("reaction_added"), event_id="EvR1")
    await slack.event(reaction("reaction_added"), event_id="EvR1-resent")  # same reaction, new event id
    await slack.fake.wait_for("chat.postEphemeral")
    await slack.idle()
    assert await slack.count(Kudos) == 1
    assert len(slack.fake.of("chat.postEphemeral")) == 1


async def test_admins_choose_the_kudos_emoji(slack: SlackHarness) -> None:
    await slack.command("/guild", "admin kudos-emoji tada", user="UADMIN")
    await slack.fake.wait_for("respond:cmd-UADMIN")
    await slack.event(said(THANKS))
    await slack.event(said("<@UBEN> :tada: thanks for running the release", ts="1763888401.000100"))
    await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "CGENERAL")
    await slack.idle()
    assert await slack.count(Kudos) == 1


async def test_guild_not_in_the_channel_explains_how_to_invite_it(slack: SlackHarness) -> None:
    # The public thanks goes through the outbox; refused in the channel, it reaches the giver by DM with the
    # tip, carrying the outbox key (so a crash mid-send finds it there instead of sending it twice).
    slack.fake.not_in.add("CQUIET")
    await slack.command("/kudos", "<@UBEN|ben> thanks for the patient SQL walkthrough", channel="CQUIET")
    [answer] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUANA")
    await slack.idle()
    assert "/invite @Guild" in answer.body["text"] and "patient SQL walkthrough" in answer.body["text"]
    assert answer.body["metadata"]["event_type"] == "guild_outbox"
    assert not slack.fake.of("respond:cmd-UANA") and not slack.fake.posted("CQUIET")
    assert await slack.count(Kudos) == 1


async def test_a_direct_message_is_a_command(slack: SlackHarness) -> None:
    dm = said("me", ts="1763888900.000100") | {"channel": "DUANA", "channel_type": "im"}
    await slack.event(dm)
    await slack.event(dm, event_id="EvDM-again")
    [answer] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUANA")
    await slack.idle()
    assert "profile" in answer.body["text"].lower()
    assert len(slack.fake.of("chat.postMessage")) == 1
