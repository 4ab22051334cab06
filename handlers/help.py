"""``help``: what Guild can do, or how to use one command."""

from __future__ import annotations

from handlers import levels
from handlers.context import Context
from handlers.grammar import Help
from handlers.types import Reply, Section, private
from handlers.usage import SUMMARY, USAGE

HIDDEN_FROM_MEMBERS = ("admin", "digest")


async def show(ctx: Context, command: Help) -> Reply:
    if command.topic == "levels":
        return levels.help_reply()
    if command.topic:
        if command.topic not in USAGE:
            return private(f"I don't know `{command.topic[:40]}`. Here is everything:\n" + _overview(ctx))
        usage = "\n".join(f"`{line.strip()}`" for line in USAGE[command.topic].split("·"))
        return private(f"*{command.topic}* — {SUMMARY[command.topic]}\n{usage}")
    return private("Here's what I can do:", title="Guild help", sections=(Section(text=_overview(ctx)),))


def _overview(ctx: Context) -> str:
    visible = [name for name in USAGE if ctx.is_leader() or name not in HIDDEN_FROM_MEMBERS]
    lines = [f"• `{name}` — {SUMMARY[name]}" for name in visible]
    return "\n".join(lines) + "\nType `help <command>` for details."


ROUTES = {Help: show}
