"""Block Kit rendering stays within Slack's limits, shortening with "…and N more" instead of failing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack import blocks
from bot.slack.blocks import render
from handlers.types import Button, Reply, Section

HUGE = "word " * 2000  # 10,000 characters


def check_limits(rendered: list[dict[str, Any]], max_blocks: int) -> None:
    assert len(rendered) <= max_blocks
    action_ids = []
    for block in rendered:
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            assert len(block.get("text", {}).get("text", "")) <= blocks.SECTION_TEXT
            assert len(block.get("fields", [])) <= blocks.FIELDS
            assert all(len(f["text"]) <= blocks.FIELD_TEXT for f in block.get("fields", []))
            if "accessory" in block:
                action_ids.append(block["accessory"]["action_id"])
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= blocks.HEADER_TEXT
        if block["type"] == "actions":
            assert 0 < len(block["elements"]) <= blocks.ACTION_ELEMENTS
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= blocks.BUTTON_TEXT
                assert len(element["value"]) <= blocks.BUTTON_VALUE
                action_ids.append(element["action_id"])
    assert len(action_ids) == len(set(action_ids)), "action ids must be unique within a message"


def long_list(count: int = 200) -> Reply:
    return Reply(
        text=HUGE,
        title="T" * 500,
        sections=tuple(
            Section(text=HUGE, fields=tuple((f"label {i}", HUGE) for i in range(14)),
                    buttons=tuple(Button("B" * 100, f"signup {n}") for _ in range(30)))
            for n in range(count)
        ),
        buttons=tuple(Button(f"Page {i}", f"sessions page{i}") for i in range(30)),
        more=17,
    )


@pytest.mark.parametrize("max_blocks", [blocks.MESSAGE_BLOCKS, blocks.SURFACE_BLOCKS])
def test_a_long_list_with_huge_texts_stays_within_every_limit(max_blocks: int) -> None:
    rendered = render(long_list(), max_blocks=max_blocks)
    check_limits(rendered, max_blocks)
    [note] = [b for b in rendered if b["type"] == "context"]
    assert note["elements"][0]["text"].startswith("…and ") and note["elements"][0]["text"].endswith(" more")


def test_the_more_note_counts_what_was_left_out_plus_what_the_core_left_out() -> None:
    reply = Reply(text="Upcoming", sections=tuple(Section(text=f"session {n}") for n in range(80)), more=20)
    rendered = render(reply)
    shown = sum(1 for b in rendered if b["type"] == "section") - 1
    assert rendered[-1]["elements"][0]["text"] == f"…and {80 - shown + 20} more"
    assert len(rendered) == blocks.MESSAGE_BLOCKS


def test_a_short_reply_renders_whole_with_native_mentions() -> None:
    reply = Reply(
        text="<@UBEN> thanked <@UCARA> for **R&D** <help>",
        title="Kudos for <@UCARA>",
        sections=(
            Section(text="Session 4", fields=(("Trainer", "<@UBEN>"),), buttons=(Button("Sign up", "signup 4"),)),
        ),
        buttons=(Button("Leaderboard", "kudos top", "primary"),),
        names={"UCARA": "Cara"},
    )
    header, text, section, actions = render(reply)
    assert header["text"]["text"] == "Kudos for Cara"
    assert text["text"]["text"] == "<@UBEN> thanked <@UCARA> for *R&amp;D* &lt;help&gt;"
    assert section["accessory"]["value"] == "signup 4"
    assert section["fields"][0]["text"] == "*Trainer*\n<@UBEN>"
    assert actions["elements"][0] | {} == {
        "type": "button", "text": {"type": "plain_text", "text": "Leaderboard", "emoji": True},
        "action_id": actions["elements"][0]["action_id"], "value": "kudos top", "style": "primary"}


def test_rating_buttons_get_one_comment_button_per_session() -> None:
    reply = Reply(text="Rate", buttons=tuple(Button(str(n), f"feedback 7 {n}") for n in range(1, 6)))
    [_, actions] = render(reply)
    assert [e["value"] for e in actions["elements"]] == [*(f"feedback 7 {n}" for n in range(1, 6)), "feedback 7"]


def test_a_command_too_long_for_a_button_value_is_left_out_rather_than_cut() -> None:
    reply = Reply(text="x", buttons=(Button("Too long", "kudos " + "a" * 3000), Button("Fine", "help")))
    [_, actions] = render(reply)
    assert [e["value"] for e in actions["elements"]] == ["help"]


def test_notification_text_is_plain_and_bounded() -> None:
    assert len(blocks.notification_text(Reply(text=HUGE, title="Hi"))) <= blocks.NOTIFICATION_TEXT
    assert blocks.notification_text(Reply(text="")) == "Guild"
