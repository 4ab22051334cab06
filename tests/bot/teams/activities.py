"""Bot Framework activities shaped the way Teams sends them (ids, channelData, mention entities)."""

from __future__ import annotations

import itertools
from typing import Any

TENANT = "tenant-contoso"
TEAM = "19:team-general@thread.tacv2"
CHANNEL = "19:learning@thread.tacv2"
BOT = {"id": "28:guild-bot", "name": "Guild"}
PEOPLE = {
    "ana": {"id": "29:ana", "name": "Ana Lima", "aadObjectId": "aad-ana"},
    "ben": {"id": "29:ben", "name": "Ben Ng", "aadObjectId": "aad-ben"},
    "cy": {"id": "29:cy", "name": "Cy Okoro", "aadObjectId": "aad-cy"},
    "dee": {"id": "29:dee", "name": "Dee Park", "aadObjectId": "aad-dee"},
}
_ids = itertools.count(1_700_000_000_000)


def _base(service_url: str, kind: str, who: str, conversation: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind,
        "id": str(next(_ids)),
        "timestamp": "2026-11-23T09:00:00.000Z",
        "localTimestamp": "2026-11-23T10:00:00.000+01:00",
        "localTimezone": "Europe/Paris",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": PEOPLE[who],
        "recipient": BOT,
        "conversation": conversation,
        "locale": "en-US",
    }


def _channel_conversation(thread: str | None = None) -> dict[str, Any]:
    return {"isGroup": True, "conversationType": "channel", "tenantId": TENANT,
            "id": f"{CHANNEL};messageid={thread or next(_ids)}"}


def _channel_data(channel: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if channel:
        data.update(teamsTeamId=TEAM, teamsChannelId=CHANNEL, team={"id": TEAM, "name": "Contoso"},
                    channel={"id": CHANNEL, "name": "Learning"})
    return data


def personal_conversation(who: str) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": f"a:personal-{who}"}


def channel_message(service_url: str, who: str, text: str, mentions: tuple[str, ...] = ()) -> dict[str, Any]:
    """``text`` after "@Guild"; each name in ``mentions`` is written ``<at>Full Name</at>`` in it as ``@name``."""
    entities = [{"type": "mention", "text": "<at>Guild</at>", "mentioned": BOT}]
    for name in mentions:
        person = PEOPLE[name]
        shown = f"<at>{person['name']}</at>"
        text = text.replace(f"@{name}", shown)
        entities.append({"type": "mention", "text": shown, "mentioned": {"id": person["id"], "name": person["name"]}})
    entities.append({"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"})
    activity = _base(service_url, "message", who, _channel_conversation())
    activity.update(text=f"<at>Guild</at> {text}\n", textFormat="plain", entities=entities,
                    channelData=_channel_data())
    return activity


def personal_message(service_url: str, who: str, text: str) -> dict[str, Any]:
    activity = _base(service_url, "message", who, personal_conversation(who))
    activity.update(text=text, textFormat="plain", channelData=_channel_data(channel=False),
                    entities=[{"type": "clientInfo", "locale": "en-US"}])
    return activity


def card_submit(service_url: str, who: str, value: dict[str, Any], *, channel: bool = False,
                card: str | None = None) -> dict[str, Any]:
    """An ``Action.Submit`` click: a message with no text and the card's inputs plus data in ``value``.

    ``replyToId`` is the id of the message holding the card (``card``, or a fresh one).
    """
    conversation = _channel_conversation() if channel else personal_conversation(who)
    activity = _base(service_url, "message", who, conversation)
    activity.update(value=value, channelData=_channel_data(channel=channel), replyToId=card or str(next(_ids)))
    return activity


def bot_added_to_team(service_url: str, who: str = "ana") -> dict[str, Any]:
    activity = _base(service_url, "conversationUpdate", who, {"isGroup": True, "conversationType": "channel",
                                                               "tenantId": TENANT, "id": CHANNEL})
    activity.update(membersAdded=[{"id": BOT["id"]}], channelData={**_channel_data(), "eventType": "teamMemberAdded"})
    return activity


def bot_added_personally(service_url: str, who: str) -> dict[str, Any]:
    activity = _base(service_url, "conversationUpdate", who, personal_conversation(who))
    activity.update(membersAdded=[{"id": PEOPLE[who]["id"]}, {"id": BOT["id"]}],
                    channelData=_channel_data(channel=False))
    return activity


def bot_removed_from_team(service_url: str, who: str = "ana") -> dict[str, Any]:
    activity = bot_added_to_team(service_url, who)
    del activity["membersAdded"]
    activity.update(membersRemoved=[{"id": BOT["id"]}],
                    channelData={**_channel_data(), "eventType": "teamMemberRemoved"})
    return activity
