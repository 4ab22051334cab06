"""Recording fakes for the core's ports, and a chat driver that reads like a conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from handlers import reply_json
from handlers.core import Core
from handlers.ports import Failure, Kind
from handlers.types import CommunityRef, Message, PersonRef, Recipient, Reply
from storage import members, outbox
from storage.models import OutboxMessage

COMMUNITY = CommunityRef("console", "test-community", "Test Co")


class FakeClock:
    """A clock tests move by hand; no test sleeps."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingNotifier:
    """Records every DM and channel post, like a transcript; remembers each message's outbox key the way
    Slack keeps message metadata, so ``find`` answers like a platform with a history."""

    told: list[tuple[Recipient, Reply]] = field(default_factory=list)
    posted: list[tuple[CommunityRef, str, Reply]] = field(default_factory=list)
    fail_posts: int = 0
    fail_tells: int = 0
    keys: dict[str, str] = field(default_factory=dict)  # outbox key → the ref "sent" for it

    async def tell(self, to: Recipient, reply: Reply, *, key: str | None = None) -> str:
        if self.fail_tells:
            self.fail_tells -= 1
            raise RuntimeError("the platform refused the DM")
        self.told.append((to, reply))
        return self._sent(key)

    async def post(self, community: CommunityRef, channel: str, reply: Reply, *, key: str | None = None,
                   thread: str | None = None, answering: str | None = None) -> str:
        if self.fail_posts:
            self.fail_posts -= 1
            raise RuntimeError("the platform refused the post")
        self.posted.append((community, channel, reply))
        return self._sent(key)

    async def find(self, community: CommunityRef, kind: Kind, target: str, key: str, since: datetime, *,
                   answering: str | None = None) -> str | None:
        return self.keys.get(key)

    def failure(self, error: Exception) -> Failure | None:
        return None

    def _sent(self, key: str | None) -> str:
        ref = f"m{len(self.told) + len(self.posted)}"
        if key is not None:
            self.keys[key] = ref
        return ref

    def dms_to(self, user_id: str) -> list[str]:
        return [reply.text for to, reply in self.told if to.user_id == user_id]


MENTION = re.compile(r"(?<![\w<])@([A-Za-z][\w.-]*)")  # ``<@id>`` tokens (as buttons carry them) stay as they are


class Chat:
    """Say things as people; ``@name`` mentions people whose user id is ``name``."""

    def __init__(
        self, core: Core, community: CommunityRef = COMMUNITY, timezones: dict[str, str] | None = None
    ) -> None:
        self.core = core
        self.community = community
        self.timezones = timezones or {}

    def person(self, user_id: str) -> PersonRef:
        return PersonRef(user_id, user_id.capitalize(), self.timezones.get(user_id))

    def message(self, who: str, text: str, *, key: str | None = None, channel: str | None = "general") -> Message:
        people = {name: self.person(name) for name in MENTION.findall(text)}
        return Message(
            community=self.community,
            author=self.person(who),
            text=MENTION.sub(lambda m: f"<@{m.group(1)}>", text),
            channel=channel,
            people=people,
            delivery_key=key,
        )

    async def say(self, who: str, text: str, *, key: str | None = None, channel: str | None = "general") -> Reply:
        reply = await self.core.handle(self.message(who, text, key=key, channel=channel))
        assert reply is not None, "a duplicate delivery was ignored"
        return reply


def next_friday_roundup(now: datetime) -> datetime:
    """Just after the first Friday 16:00 still to come, so the week it sums up includes now."""
    due = now.replace(hour=16, minute=0, second=0, microsecond=0) + timedelta(days=(4 - now.weekday()) % 7)
    return (due if due > now else due + timedelta(weeks=1)) + timedelta(minutes=5)


async def queue(core: Core, community: CommunityRef, kind: Kind, target: str, reply: Reply, *,
                send: bool = True) -> int:
    """Write one outbox row as a use case would, then send it at once (``send``) or leave it leased to this
    process as if the process died before sending."""
    item = outbox.Item(kind, target, reply_json.dumps(reply))
    async with core.uow() as uow:
        found = await members.community(uow.session, community.platform, community.external_id)
        [row_id] = await core.delivery.queue(uow.session, found.id, [item], core.clock())
        await uow.commit()
    if send:
        await core.delivery.send_now(community, [(row_id, item, reply)])
    return row_id


async def outbox_row(core: Core, row_id: int) -> OutboxMessage:
    async with core.uow() as uow:
        row = await uow.session.get(OutboxMessage, row_id)
        assert row is not None
        uow.session.expunge(row)
        return row
