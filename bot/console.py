"""The console: Guild in a terminal, the quickest way to try it, and scriptable.

You act as a person (``:as ben`` switches), type commands with ``@name``
mentions, pick a reply's buttons by number, and see what Guild tells others.
Lines come from standard input, so ``python app.py console < script.txt``
runs a scripted session and ends cleanly at end of input.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from handlers.core import Core
from handlers.ports import Failure, Kind
from handlers.types import Button, CommunityRef, Message, PersonRef, Recipient, Reply

COMMUNITY = CommunityRef("console", "local", "Console")
CHANNEL = "general"
MENTION = re.compile(r"(?<![\w<])@([A-Za-z](?:[\w.-]{0,62}\w)?)")  # "@ana." at a sentence's end is @ana
TOKEN = re.compile(r"<@([^<>|\s]+)>")
INTRO = (
    "Guild console — you are @{who}. Type `help` for commands, `:as <name>` to be someone else, "
    "a number to press a button, `:quit` (or end of input) to leave."
)


def user_id(name: str) -> str:
    return name.lower()


def person(name: str) -> PersonRef:
    return PersonRef(user_id(name), name.capitalize())


def to_message(who: str, line: str) -> Message:
    """Console text → the core's neutral message: ``@ben`` becomes the token ``<@ben>``."""
    names = MENTION.findall(line)
    return Message(
        community=COMMUNITY,
        author=person(who),
        text=MENTION.sub(lambda m: f"<@{user_id(m.group(1))}>", line),
        channel=CHANNEL,
        people={user_id(n): person(n) for n in names},
    )


def render(reply: Reply, buttons: list[Button]) -> str:
    """A reply as terminal text; its buttons are appended to ``buttons`` and numbered."""
    def people(text: str) -> str:
        return TOKEN.sub(lambda m: "@" + m.group(1), text)

    lines = [f"*{people(reply.title)}*"] if reply.title else []
    lines.append(people(reply.text))
    for section in reply.sections:
        if section.text:
            lines.append(people(section.text))
        lines.extend(f"    {label}: " + people(value).replace("\n", "\n      ") for label, value in section.fields)
        lines.extend(_button(b, buttons) for b in section.buttons)
    lines.extend(_button(b, buttons) for b in reply.buttons)
    if reply.more:
        lines.append(f"…and {reply.more} more")
    return "\n".join(line for line in lines if line)


FILES_DIR = Path("guild-files")


def save_files(reply: Reply, folder: Path) -> list[str]:
    """Write the reply's chart and files into ``folder``; one line per file with its path, to print."""
    if not reply.attachments:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for attachment in reply.attachments:
        path = folder / attachment.filename
        path.write_bytes(attachment.content)
        lines.append(f"📎 {attachment.title}: {path.resolve()}")
    return lines


def _button(button: Button, buttons: list[Button]) -> str:
    buttons.append(button)
    return f"    [{len(buttons)}] {button.label}"


class ConsoleNotifier:
    """Shows what Guild tells other people and channels, in the same terminal."""

    def __init__(self, out: TextIO, files: Path = FILES_DIR) -> None:
        self.out = out
        self.files = files

    async def tell(self, to: Recipient, reply: Reply, *, key: str | None = None) -> str | None:
        self._print(f"→ DM to @{to.user_id}:", reply)
        return None

    async def post(self, community: CommunityRef, channel: str, reply: Reply, *, key: str | None = None,
                   thread: str | None = None, answering: str | None = None) -> str | None:
        self._print(f"→ #{channel}:", reply)
        return None

    async def find(self, community: CommunityRef, kind: Kind, target: str, key: str, since: datetime, *,
                   answering: str | None = None) -> str | None:
        """A terminal keeps no record to look in; a line cut off by a crash is shown again."""
        return None

    def failure(self, error: Exception) -> Failure | None:
        return None

    def _print(self, header: str, reply: Reply) -> None:
        body = "\n".join([render(reply, []), *save_files(reply, self.files)])
        self.out.write(f"{header}\n" + "\n".join(f"  {line}" for line in body.splitlines()) + "\n")
        self.out.flush()


class Console:
    def __init__(self, core: Core, who: str, *, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
                 files: Path = FILES_DIR) -> None:
        """``files`` is the folder where charts and reports are written (their paths are printed)."""
        self.core = core
        self.files = files
        self.who = user_id(who)
        self.stdin = stdin
        self.out = out
        self.buttons: list[Button] = []

    async def run(self) -> None:
        self._write(INTRO.format(who=self.who))
        read: Callable[[], str] = self.stdin.readline
        while True:
            self._prompt()
            line = await asyncio.get_running_loop().run_in_executor(None, read)
            if not line:
                break
            if not await self.hear(line.strip()):
                break
        self._write("Bye!")

    async def hear(self, line: str) -> bool:
        """Act on one line; False when the person leaves."""
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line.startswith(":as"):
            name = line[3:].strip().lstrip("@")
            if re.fullmatch(r"[A-Za-z][\w.-]{0,63}", name):
                self.who = user_id(name)
                self._write(f"You are now @{self.who}.")
            else:
                self._write("Usage: :as <name>  (letters, digits, dots and dashes)")
            return True
        if line.isdigit():
            index = int(line) - 1
            if not 0 <= index < len(self.buttons):
                self._write("There is no button with that number.")
                return True
            line = self.buttons[index].command
            self._write(f"(pressed: {line})")
        reply = await self.core.handle(to_message(self.who, line))
        if reply is not None:
            self.buttons = []
            where = f"#{CHANNEL}" if reply.public else "only you"
            self._write("\n".join([f"Guild ({where}):", render(reply, self.buttons), *save_files(reply, self.files)]))
        return True

    def _prompt(self) -> None:
        if self.stdin.isatty():
            self.out.write(f"{self.who}> ")
            self.out.flush()

    def _write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()
