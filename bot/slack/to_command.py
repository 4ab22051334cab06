"""Slack payloads → the core's neutral ``Message``.

Slack writes people as ``<@U123>`` or ``<@U123|name>`` (slash commands with
"escape" on), channels as ``<#C123|name>``, links as ``<https://…|label>``,
and HTML-escapes ``&``, ``<`` and ``>`` in everything else. The core wants
``<@U123>`` tokens with the people listed beside the text, and plain
characters elsewhere; this module does that translation and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from handlers.types import CommunityRef, Message, PersonRef

PLATFORM = "slack"
# The slash commands Guild registers: each is a shortcut for the grammar word it names.
COMMANDS: dict[str, str] = {
    "/guild": "",
    "/kudos": "kudos",
    "/sessions": "sessions",
    "/volunteer": "volunteer",
    "/feedback": "feedback",
}
TOKEN = re.compile(r"<([@#!])?([^<>|]*)(?:\|([^<>]*))?>")


def community(body: Mapping[str, Any]) -> CommunityRef:
    """The workspace a payload came from: slash commands, interactions and event envelopes differ."""
    team = body.get("team")
    if isinstance(team, Mapping):
        return CommunityRef(PLATFORM, str(team.get("id")), team.get("domain"))
    team_id = body.get("team_id") or (body.get("user") or {}).get("team_id")
    return CommunityRef(PLATFORM, str(team_id), body.get("team_domain"))


def command_text(command: str, text: str) -> str:
    """``/kudos <text>`` → ``kudos <text>``; ``/guild <text>`` → ``<text>``."""
    word = COMMANDS.get(command, command.lstrip("/"))
    return f"{word} {text}".strip() if word else text.strip()


def to_message(
    team: CommunityRef,
    user_id: str,
    text: str,
    *,
    channel: str | None = None,
    delivery_key: str | None = None,
    people: Mapping[str, PersonRef] | None = None,
) -> Message:
    """A ``Message`` from Slack-formatted ``text``.

    ``people`` may carry what is already known about the author and the
    people mentioned (names and time zones from the users.info cache);
    a ``<@U123|name>`` mention adds its name when nothing better is known.
    """
    known = dict(people or {})
    mentioned: dict[str, PersonRef] = {}
    parts: list[str] = []
    last = 0
    for match in TOKEN.finditer(text):
        parts.append(_plain(text[last : match.start()]))
        kind, target, label = match.groups()
        if kind == "@" and target:
            mentioned.setdefault(target, known.get(target) or PersonRef(target, label or None))
            parts.append(f"<@{target}>")
        elif kind == "#" and target:
            parts.append(f"<#{target}|{label}>" if label else f"<#{target}>")
        elif kind == "!":
            parts.append("@" + (label or target.split("^")[0]))
        else:
            parts.append(_plain(target))  # a link: its address
        last = match.end()
    parts.append(_plain(text[last:]))
    return Message(
        community=team,
        author=known.get(user_id) or PersonRef(user_id),
        text="".join(parts).strip(),
        channel=channel,
        people=mentioned,
        delivery_key=delivery_key,
    )


def mentioned_ids(text: str) -> list[str]:
    """User ids mentioned in Slack-formatted text, in order, without repeats."""
    return list(dict.fromkeys(target for kind, target, _ in TOKEN.findall(text) if kind == "@" and target))


def _plain(text: str) -> str:
    """Undo Slack's HTML escaping; a typed ``<@x>`` must not turn into a mention of someone."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.replace("<@", "<\u200b@")
