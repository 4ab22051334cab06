"""The Teams ``Notifier``: channel posts and DMs through stored references, and honest failures."""

from __future__ import annotations

import pytest

from bot.teams.notifier import NoConversation
from handlers.types import CommunityRef, Recipient, public
from storage import members
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams

TENANT = CommunityRef("teams", act.TENANT)


async def test_a_channel_post_starts_a_new_thread_in_the_stored_channel(teams: Teams) -> None:
    await teams.send(act.bot_added_to_team(teams.url))
    greeted = len(teams.connector.calls)

    await teams.adapter.notifier.post(TENANT, act.CHANNEL, public("This week's kudos roundup", title="Roundup"))

    [post] = teams.connector.calls[greeted:]
    assert post.path == f"/v3/conversations/{act.CHANNEL}/activities", "a new message, not a reply to a thread"
    assert post.body["conversation"]["id"] == act.CHANNEL
    assert post.text == "Roundup\nThis week's kudos roundup"


async def test_a_post_in_a_thread_channel_goes_to_the_channel_not_the_thread(teams: Teams) -> None:
    await teams.send(act.channel_message(teams.url, "ana", "help"))

    await teams.adapter.notifier.post(TENANT, act.CHANNEL, public("Milestone!"))

    assert teams.connector.to(act.CHANNEL)[-1].text == "Milestone!"


async def test_posting_where_guild_was_never_added_fails_loudly(teams: Teams) -> None:
    await teams.send(act.bot_added_to_team(teams.url))

    with pytest.raises(NoConversation):
        await teams.adapter.notifier.post(TENANT, "19:elsewhere@thread.tacv2", public("Roundup"))
    with pytest.raises(NoConversation):
        await teams.adapter.notifier.post(CommunityRef("teams", "other-tenant"), act.CHANNEL, public("Roundup"))


async def test_a_dm_in_a_tenant_guild_has_never_seen_fails_loudly(teams: Teams) -> None:
    with pytest.raises(NoConversation):
        await teams.adapter.notifier.tell(Recipient(TENANT, "29:ben"), public("Hello"))
    assert not teams.connector.calls


async def test_a_channel_an_admin_names_from_teams_is_one_guild_can_post_to(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    root = {"id": "29:root", "name": "Root Admin"}
    said = act.channel_message(teams.url, "ana", "admin channel roundup")
    said["from"] = root
    await teams.send(said)

    async with uow() as work:
        channel = (await members.community(work.session, "teams", act.TENANT)).roundup_channel
    assert channel == act.CHANNEL
    await teams.adapter.notifier.post(TENANT, channel, public("Roundup"))
    assert teams.connector.to(act.CHANNEL)[-1].text == "Roundup"


async def test_a_channel_named_from_a_personal_chat_is_found_by_mention_or_by_name(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.channel_message(teams.url, "ana", "help"))  # Guild has met the Learning channel

    def said(text: str, entities: list[dict[str, object]] = ()) -> dict[str, object]:  # type: ignore[assignment]
        activity = act.personal_message(teams.url, "ana", text)
        activity["from"] = {"id": "29:root", "name": "Root Admin"}
        activity["entities"] = list(entities)
        return activity

    async def stored() -> tuple[str | None, str | None]:
        async with uow() as work:
            found = await members.community(work.session, "teams", act.TENANT)
            return found.roundup_channel, found.digest_channel

    mention = {"type": "mention", "text": "<at>Learning</at>",
               "mentioned": {"id": act.CHANNEL, "name": "Learning", "conversationIdentityType": "channel"}}
    await teams.send(said("admin channel roundup <at>Learning</at>", [mention]))
    assert "The roundup will be posted in #Learning." in teams.connector.to("a:personal-ana")[-1].text
    await teams.send(said("admin channel digest #learning "))
    assert await stored() == (act.CHANNEL, act.CHANNEL)

    await teams.send(said("admin channel milestones #nowhere"))
    assert "I'm not in a channel called #nowhere" in teams.connector.to("a:personal-ana")[-1].text
    async with uow() as work:
        assert (await members.community(work.session, "teams", act.TENANT)).milestones_channel is None


async def test_once_guild_is_removed_from_a_team_posting_there_fails_loudly(teams: Teams) -> None:
    await teams.send(act.bot_added_to_team(teams.url))
    assert await teams.send(act.bot_removed_from_team(teams.url)) == 201

    with pytest.raises(NoConversation):
        await teams.adapter.notifier.post(TENANT, act.CHANNEL, public("Roundup"))
