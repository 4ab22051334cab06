"""Activity → ``Message``: mentions, the tenant, the channel, and card submits as grammar text."""

from __future__ import annotations

import pytest
from botbuilder.schema import Activity

from bot.teams.to_command import FormError, command_text, submitted, to_message
from handlers import grammar
from handlers.types import CommunityRef, PersonRef
from tests.bot.teams import activities as act

URL = "https://smba.trafficmanager.net/emea/"


def activity(raw: dict) -> Activity:  # type: ignore[type-arg]
    return Activity().deserialize(raw)


def test_a_channel_message_becomes_a_command_of_the_tenant_in_that_channel() -> None:
    raw = act.channel_message(URL, "ana", "kudos @ben @cy thanks for the demo #craft", ("ben", "cy"))
    text, people = command_text(activity(raw))

    message = to_message(activity(raw), text, people)

    assert message.text == "kudos <@29:ben> <@29:cy> thanks for the demo #craft"
    assert message.people == {"29:ben": PersonRef("29:ben", "Ben Ng"), "29:cy": PersonRef("29:cy", "Cy Okoro")}
    assert message.community == CommunityRef("teams", act.TENANT)
    assert message.author == PersonRef("29:ana", "Ana Lima", "Europe/Paris")
    assert message.channel == act.CHANNEL, "the channel, not the thread"
    assert message.delivery_key == f"teams:{raw['id']}"
    assert grammar.parse(message.text) == grammar.KudosGive(("29:ben", "29:cy"), "thanks for the demo", ("craft",))


def test_only_the_bots_own_mention_is_removed_not_its_name_elsewhere() -> None:
    raw = act.channel_message(URL, "ana", "kudos @ben for teaching Guild tricks", ("ben",))

    text, _ = command_text(activity(raw))

    assert text == "kudos <@29:ben> for teaching Guild tricks"


def test_two_people_with_the_same_name_stay_two_people() -> None:
    raw = act.channel_message(URL, "ana", "kudos <at>Sam</at> <at>Sam</at> great pairing")
    raw["entities"] += [{"type": "mention", "text": "<at>Sam</at>", "mentioned": {"id": f"29:sam{n}", "name": "Sam"}}
                        for n in (1, 2)]

    text, people = command_text(activity(raw))

    assert text == "kudos <@29:sam1> <@29:sam2> great pairing"
    assert set(people) == {"29:sam1", "29:sam2"}


def test_a_typed_token_cannot_pose_as_a_mention() -> None:
    for typed in ("kudos <@29:ceo> thanks for the raise", "kudos &lt;@29:ceo&gt; thanks for the raise"):
        raw = act.personal_message(URL, "ana", typed)

        text, people = command_text(activity(raw))

        assert grammar.mentions(text) == [] and people == {}


def test_html_entities_and_broken_mention_entities_are_tolerated() -> None:
    raw = act.channel_message(URL, "ana", "kudos&nbsp;@ben thanks &amp; cheers", ("ben",))
    raw["entities"] += [{"type": "mention"}, {"type": "mention", "mentioned": "nobody"}, {"text": "no type"}]

    text, _ = command_text(activity(raw))

    assert text == "kudos <@29:ben> thanks & cheers"


def test_the_tenant_comes_from_the_conversation_when_channel_data_lacks_it() -> None:
    raw = act.personal_message(URL, "ben", "help")
    raw["channelData"] = {}

    message = to_message(activity(raw), "help", {})

    assert message.community == CommunityRef("teams", act.TENANT)
    assert message.channel == "a:personal-ben"


def test_an_emulator_chat_without_a_tenant_is_the_local_community() -> None:
    raw = {"type": "message", "id": "1", "text": "help", "serviceUrl": "http://localhost:5000",
           "channelId": "emulator", "from": {"id": "user-1", "name": "User"}, "recipient": {"id": "bot"},
           "conversation": {"id": "conv-1"}}

    message = to_message(activity(raw), "help", {})

    assert message.community == CommunityRef("teams", "local")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"command": " signup 12 "}, "signup 12"),
        ({"form": "session", "title": "Intro to SQL", "date": "2026-12-01", "time": "14:00", "minutes": 60.0,
          "seats": "12", "topic": "data bases"}, "session new 'Intro to SQL' 2026-12-01 14:00 60m 12 #data-bases"),
        ({"form": "session", "title": "Ana's SQL", "date": "2026-12-01", "time": "14:00", "minutes": "45",
          "seats": "3"}, "session new 'Ana'\"'\"'s SQL' 2026-12-01 14:00 45m 3"),
        ({"form": "feedback", "session": 7, "rating": "5", "comment": "Loved\nit", "anonymous": "true"},
         "feedback 7 5 Loved it --anonymous"),
        ({"form": "feedback", "session": 7, "rating": "3", "anonymous": "false"}, "feedback 7 3"),
    ],
)
def test_card_submits_become_the_commands_a_person_could_type(value: dict, text: str) -> None:  # type: ignore[type-arg]
    found = submitted(value)

    assert found is not None and found[0] == text
    grammar.parse(found[0])  # and the grammar reads them


def test_a_kudos_card_submit_names_its_people() -> None:
    found = submitted({"form": "kudos", "people": "29:ben,29:cy", "message": "thanks!", "values": "craft, team work"})

    assert found == ("kudos <@29:ben> <@29:cy> thanks! #craft #team-work",
                     {"29:ben": PersonRef("29:ben"), "29:cy": PersonRef("29:cy")})


@pytest.mark.parametrize("value", [None, "signup 3", {"form": "poll"}, {"command": ""}, {"command": ["signup"]}])
def test_values_guild_did_not_make_are_no_submit(value: object) -> None:
    assert submitted(value) is None


@pytest.mark.parametrize("value", [{"form": "kudos", "people": "", "message": "thanks"},
                                   {"form": "session", "title": {"nested": 1}, "date": "2026-12-01"},
                                   {"form": "feedback", "session": 2}])
def test_incomplete_forms_are_refused_with_a_friendly_text(value: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(FormError, match="Please"):
        submitted(value)
