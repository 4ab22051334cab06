"""What the core needs from outside, as protocols the adapters and app.py implement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from handlers.types import CommunityRef, Recipient, Reply

Kind = Literal["tell", "post"]


@dataclass(frozen=True)
class Failure:
    """What a failed send means for the outbox (``handlers.delivery``).

    ``kind`` is a short fixed label for logs and metrics (Slack's error code,
    ``http_503``, ``connection``). ``permanent``: sending again cannot help
    (no such channel or person). ``retry_after``: the platform asked Guild to
    wait this many seconds. ``uncertain``: the platform's answer was lost, so it
    may hold the message already.
    """

    kind: str
    permanent: bool = False
    retry_after: float | None = None
    uncertain: bool = False


class CannotTell(Exception):
    """The platform cannot say whether it holds a message (Teams keeps no history Guild could read)."""


class Notifier(Protocol):
    """Tells people and channels things, and answers what the outbox needs to send each message once.

    ``key`` identifies the outbox row a message comes from; the platform keeps
    it with the message where it can (Slack message metadata) so that ``find``
    can look for it after a crash. Sends raise when they fail and return the
    platform's id of what they sent (Slack's ts, the Teams activity id).
    """

    async def tell(self, to: Recipient, reply: Reply, *, key: str | None = None) -> str | None:
        """Send ``reply`` privately to one person (a DM)."""

    async def post(self, community: CommunityRef, channel: str, reply: Reply, *, key: str | None = None,
                   thread: str | None = None, answering: str | None = None) -> str | None:
        """Post ``reply`` publicly in a channel of ``community`` (in ``thread`` when given). A post
        ``answering`` someone is their command's public answer: where Guild may not post in the channel,
        that person gets it privately instead, with how to let Guild in."""

    async def find(self, community: CommunityRef, kind: Kind, target: str, key: str, since: datetime, *,
                   answering: str | None = None) -> str | None:
        """The id of the message sent with ``key`` since ``since`` (for a post ``answering`` someone, the
        private answer counts too); None when the platform surely does not hold it. Raises ``CannotTell``
        (or the platform's error) when it cannot say."""

    def failure(self, error: Exception) -> Failure | None:
        """What ``error``, raised by a send or a ``find``, means for retrying; None for an error this notifier
        does not know (the outbox treats it as temporary)."""


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
