"""The core's neutral ``Reply`` → Block Kit, always within Slack's limits.

Slack rejects a whole message when one limit is broken (51 blocks, a 3,001
character section, an actions block with 26 buttons), so the renderer never
hands Slack anything it could refuse: it keeps the title, the text and the
reply's own buttons, adds sections while they fit, and says "…and N more" for
the rest. Every button's ``value`` is the grammar command it runs; a rating
button also gets an "Add a comment" companion that opens the comment modal.
"""

from __future__ import annotations

import re
from typing import Any

from handlers import grammar
from handlers.types import Button, Reply, Section

Block = dict[str, Any]

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # modals and the Home tab
SECTION_TEXT = 3000
FIELDS = 10
FIELD_TEXT = 2000
ACTION_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
HEADER_TEXT = 150
NOTIFICATION_TEXT = 3000
ACTION_PREFIX = "guild:"
COMMENT_LABEL = "Add a comment"

# Slack's own tokens pass through untouched; everything else is escaped.
SLACK_TOKEN = re.compile(r"<(?:@|#|!)[^<>\s][^<>]*>")
PERSON = re.compile(r"<@([^<>|\s]+)(?:\|[^<>]*)?>")
BOLD = re.compile(r"\*\*(.+?)\*\*")


def render(reply: Reply, *, max_blocks: int = MESSAGE_BLOCKS, first_action: int = 0) -> list[Block]:
    """Blocks for ``reply``; at most ``max_blocks`` (50 in a message, 100 in a modal or Home tab).

    ``first_action`` numbers the action ids, so that several replies rendered
    into one Home tab keep their action ids unique.
    """
    counter = iter(range(first_action, first_action + 10_000))
    head: list[Block] = []
    if reply.title:
        head.append({"type": "header", "text": plain(reply.title, HEADER_TEXT, reply.names)})
    chunks = _chunks(mrkdwn(reply.text), SECTION_TEXT) if reply.text else []
    tail = _actions(reply.buttons, counter)
    groups = [_section_group(section, counter) for section in reply.sections]

    room = max_blocks - len(head) - len(tail)
    if len(chunks) + sum(map(len, groups)) > room or reply.more:
        room -= 1  # keep one block for the "…and N more" note
    if len(chunks) > room:  # the text alone is longer than the message can hold
        chunks = chunks[: max(room, 1)]
        chunks[-1] = clip(chunks[-1], SECTION_TEXT - 1) + "…"
    text_blocks = [_section(chunk) for chunk in chunks]
    room -= len(text_blocks)
    omitted = reply.more
    body: list[Block] = []
    for group in groups:
        if len(group) <= room:
            body.extend(group)
            room -= len(group)
        else:
            omitted += 1
            room = 0  # keep the order: once one item is left out, so are the ones after it
    blocks = head + text_blocks + body
    if omitted:
        blocks.append(more_note(omitted))
    blocks.extend(tail)
    return blocks[:max_blocks]


def notification_text(reply: Reply) -> str:
    """The plain ``text`` Slack shows in notifications and screen readers."""
    parts = [reply.title, reply.text] if reply.title else [reply.text]
    return clip("\n".join(p for p in parts if p), NOTIFICATION_TEXT) or "Guild"


def more_note(count: int) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {count} more"}]}


def mrkdwn(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack asks, keeping mention and channel tokens; ``**b**`` → ``*b*``."""
    out: list[str] = []
    last = 0
    for match in SLACK_TOKEN.finditer(text):
        out.append(_escape(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape(text[last:]))
    return BOLD.sub(r"*\1*", "".join(out))


def plain(text: str, limit: int, names: dict[str, str] | None = None) -> dict[str, Any]:
    """A plain_text object: mention tokens become display names (plain text cannot mention)."""
    names = names or {}
    readable = PERSON.sub(lambda m: names.get(m.group(1), "someone"), text)
    return {"type": "plain_text", "text": clip(readable, limit) or " ", "emoji": True}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def button(item: Button, action_id: str, names: dict[str, str] | None = None) -> Block | None:
    """A button element, or None when its command cannot travel in a button value."""
    if len(item.command) > BUTTON_VALUE:
        return None
    element: Block = {
        "type": "button",
        "text": plain(item.label, BUTTON_TEXT, names),
        "action_id": action_id,
        "value": item.command,
    }
    if item.style:
        element["style"] = item.style
    return element


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _chunks(text: str, size: int) -> list[str]:
    """Split on line breaks where possible, so long texts read naturally across sections."""
    chunks: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks


def _section_group(section: Section, counter: Any) -> list[Block]:
    """One neutral section: its text and fields (ten to a block), then its buttons."""
    fields = [
        {"type": "mrkdwn", "text": clip(f"*{mrkdwn(label)}*\n{mrkdwn(value)}", FIELD_TEXT)}
        for label, value in section.fields
    ]
    blocks: list[Block] = []
    text = clip(mrkdwn(section.text), SECTION_TEXT) if section.text else ""
    for start in range(0, max(len(fields), 1), FIELDS):
        block: Block = {"type": "section"}
        if text and start == 0:
            block["text"] = {"type": "mrkdwn", "text": text}
        if fields[start : start + FIELDS]:
            block["fields"] = fields[start : start + FIELDS]
        if len(block) > 1:
            blocks.append(block)
    buttons = _with_comment_buttons(section.buttons)
    if len(buttons) == 1 and blocks and "text" in blocks[0]:
        element = button(buttons[0], f"{ACTION_PREFIX}{next(counter)}")
        if element:
            blocks[0]["accessory"] = element
        return blocks
    return blocks + _actions(section.buttons, counter)


def _actions(buttons: tuple[Button, ...], counter: Any) -> list[Block]:
    elements = [
        element
        for item in _with_comment_buttons(buttons)
        if (element := button(item, f"{ACTION_PREFIX}{next(counter)}")) is not None
    ]
    return [
        {"type": "actions", "elements": elements[start : start + ACTION_ELEMENTS]}
        for start in range(0, len(elements), ACTION_ELEMENTS)
    ]


def _with_comment_buttons(buttons: tuple[Button, ...]) -> tuple[Button, ...]:
    """Rating buttons (``feedback <id> <n>``) get one "Add a comment" button per session."""
    sessions: dict[int, None] = {}
    for item in buttons:
        if item.command.startswith("feedback "):
            try:
                command = grammar.parse(item.command)
            except grammar.UsageError:
                continue
            if isinstance(command, grammar.Rate) and command.comment is None:
                sessions.setdefault(command.session_id, None)
    return buttons + tuple(Button(COMMENT_LABEL, f"feedback {sid}") for sid in sessions)
