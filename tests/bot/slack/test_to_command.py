"""Slack's text formats become the core's neutral message."""

from __future__ import annotations

from bot.slack.to_command import command_text, community, mentioned_ids, to_message
from handlers.types import CommunityRef, PersonRef

TEAM = CommunityRef("slack", "T1", "acme")


def test_both_mention_forms_become_tokens_with_the_people_beside_them() -> None:
    message = to_message(TEAM, "UANA", "kudos <@UBEN|ben> <@UCARA> thanks for the demo", channel="C1")
    assert message.text == "kudos <@UBEN> <@UCARA> thanks for the demo"
    assert message.people == {"UBEN": PersonRef("UBEN", "ben"), "UCARA": PersonRef("UCARA")}
    assert message.author == PersonRef("UANA") and message.channel == "C1"


def test_known_people_win_over_the_name_in_the_mention() -> None:
    known = {"UBEN": PersonRef("UBEN", "Ben Okafor", "Africa/Lagos"), "UANA": PersonRef("UANA", "Ana")}
    message = to_message(TEAM, "UANA", "kudos <@UBEN|ben> thanks a lot", people=known)
    assert message.people["UBEN"] == known["UBEN"] and message.author == known["UANA"]


def test_escaped_text_links_channels_and_specials_read_naturally() -> None:
    text = "kudos <@UBEN> for R&amp;D &lt;3 see <https://x.example/a|x.example> in <#C9|general> <!here>"
    assert to_message(TEAM, "UANA", text).text == (
        "kudos <@UBEN> for R&D <3 see https://x.example/a in <#C9|general> @here"
    )


def test_typed_mention_lookalikes_never_mention_anyone() -> None:
    message = to_message(TEAM, "UANA", "kudos &lt;@UADMIN&gt; thanks for everything")
    assert message.people == {}
    assert mentioned_ids(message.text) == []


def test_slash_commands_are_shortcuts_for_their_word() -> None:
    assert command_text("/guild", " sessions sql ") == "sessions sql"
    assert command_text("/kudos", "<@U1> thanks") == "kudos <@U1> thanks"
    assert command_text("/sessions", "") == "sessions"
    assert command_text("/feedback", "3 5") == "feedback 3 5"


def test_the_community_is_the_workspace_whatever_the_payload_shape() -> None:
    assert community({"team_id": "T1", "team_domain": "acme"}) == TEAM
    assert community({"team": {"id": "T1", "domain": "acme"}}) == TEAM
    assert community({"team_id": "T1"}) == CommunityRef("slack", "T1")
