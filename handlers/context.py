"""What a use case runs with: the transaction, who asked, where, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.periods import first_zone
from handlers.types import CommunityRef, Notice, Recipient, Reply
from storage.models import Community, Member
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class CoreSettings:
    """Deployment-wide settings the core needs (the rest lives in each community's row)."""

    admins: frozenset[str] = frozenset()
    timezone: str = "UTC"


class Refusal(Exception):
    """A use case declines (not found, not allowed, …); the text goes to the person privately."""

    def __init__(self, text: str, usage: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.usage = usage


@dataclass
class Context:
    uow: UnitOfWork
    community_ref: CommunityRef
    community: Community
    member: Member
    people: dict[str, Member]
    now: datetime
    settings: CoreSettings
    channel: str | None = None
    notices: list[Notice] = field(default_factory=list)
    settings_changed: bool = False
    seen: dict[str, Member] = field(default_factory=dict)  # other members loaded anyway (names for replies)

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    def is_admin(self, member: Member | None = None) -> bool:
        member = member or self.member
        return member.is_admin or member.user_id in self.settings.admins

    def is_leader(self, member: Member | None = None) -> bool:
        member = member or self.member
        return member.is_leader or self.is_admin(member)

    def require_admin(self) -> None:
        if not self.is_admin():
            raise Refusal("Only Guild admins can do that. Ask an admin (`admin show` lists them for admins).")

    def person(self, user_id: str) -> Member:
        """A mentioned person; the dispatcher created members for every mention."""
        return self.people[user_id]

    def saw(self, member: Member) -> Member:
        """Note a member the use case loaded, so that replies naming them need no query for the name."""
        self.seen[member.user_id] = member
        return member

    def tell(self, member: Member, reply: Reply) -> None:
        """Queue a private notice to ``member``; it is sent only if the work commits."""
        self.notices.append(Notice(Recipient(self.community_ref, member.user_id), reply))

    def zone(self, member: Member | None = None) -> ZoneInfo:
        """The member's own time zone, else the community's, else the deployment's."""
        return first_zone((member or self.member).timezone, self.community.timezone, self.settings.timezone)

    def community_zone(self) -> ZoneInfo:
        return first_zone(self.community.timezone, self.settings.timezone)


def name_of(member: Member) -> str:
    """How to write a person in a reply: a mention token adapters render natively."""
    return f"<@{member.user_id}>"
