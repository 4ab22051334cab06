"""What the core needs from outside, as protocols the adapters and app.py implement."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from handlers.types import CommunityRef, Recipient, Reply


class Notifier(Protocol):
    """Tells people and channels things. Implementations raise when a post fails,
    so that the scheduler can release its claim and try again."""

    async def tell(self, to: Recipient, reply: Reply) -> None:
        """Send ``reply`` privately to one person (a DM)."""

    async def post(self, community: CommunityRef, channel: str, reply: Reply) -> None:
        """Post ``reply`` publicly in a channel of ``community``."""


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
