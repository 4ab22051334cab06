"""Wording shared by the scheduled reports (roundup, milestones, digest, reminders).

Scheduled posts have no asker, so they carry the display names of everyone they
mention themselves (``Reply.names``) for platforms that cannot render ``<@id>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from storage.models import Member

QUOTE_LIMIT = 200


def names_of(people: Iterable[Member]) -> dict[str, str]:
    return {m.user_id: m.display_name for m in people if m.display_name}


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 session``, ``1,204 sessions``."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """One line of someone's words, shortened on a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return f"“{flat}”"
    return f"“{flat[:limit].rsplit(' ', 1)[0]}…”"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
