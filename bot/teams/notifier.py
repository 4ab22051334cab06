"""The core's ``Notifier`` on Teams: DMs and channel posts through stored conversation references.

A DM goes to the person's stored 1:1 chat; when Guild has never chatted with
them it creates the chat (``POST /v3/conversations``) at the service URL of the
tenant's freshest reference and remembers it. A post goes to a conversation
Guild has been added to (a channel's root makes a new thread). Failures raise,
as the ``Notifier`` contract asks; ``failure`` tells the outbox what is worth
another try (429, 412 and 5xx, as Teams asks bots to retry).

Teams keeps no history a bot could search, so ``find`` cannot tell whether a
message whose answer was lost arrived: it raises ``CannotTell`` and the outbox
keeps the message as failed rather than risk sending it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.teams import cards
from bot.teams.conversations import load, personal_reference, remember
from bot.teams.reports import ReportLinks
from handlers.ports import CannotTell, Clock, Failure, Kind
from handlers.types import CommunityRef, Recipient, Reply
from storage import conversations
from storage.uow import UnitOfWork

CHANNEL_ID = "msteams"
RETRIED = frozenset({412, 429})  # and every 5xx: what Teams asks bots to retry with backoff


class NoConversation(LookupError):
    """Guild has no reference to reach this person or channel (it was never added there)."""


def card_message(card: cards.Card, summary: str) -> Activity:
    """A message carrying one Adaptive Card; ``summary`` is what notifications show."""
    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=card)],
    )


def card_activity(reply: Reply) -> Activity:
    return card_message(cards.render(reply), cards.summary(reply))


class TeamsNotifier:
    def __init__(self, *, adapter: BotAdapter, uow: Callable[[], UnitOfWork], app_id: str, clock: Clock,
                 public_url: str | None = None) -> None:
        self._adapter = adapter
        self._uow = uow
        self._app_id = app_id
        self._clock = clock
        self.reports = ReportLinks(uow=uow, clock=clock, public_url=public_url)

    async def activity(self, reply: Reply, tenant: str) -> Activity:
        """The card for ``reply``; its files (a report) become links Guild serves (``bot.teams.reports``)."""
        return card_activity(await self.reports.attach(reply, tenant))

    async def tell(self, to: Recipient, reply: Reply, *, key: str | None = None) -> str | None:
        tenant = to.community.external_id
        async with self._uow() as work:
            chat = await conversations.personal(work.session, "teams", tenant, to.user_id)
            anchor = chat or await conversations.latest(work.session, "teams", tenant)
            stored = anchor.reference if anchor else None
        if stored is None:
            raise NoConversation(f"Guild has no conversation in tenant {tenant} to reach {to.user_id} from")
        if chat is not None:
            return await self.send(load(stored), await self.activity(reply, tenant))
        return await self._open_chat(load(stored), tenant, to.user_id, await self.activity(reply, tenant))

    async def post(self, community: CommunityRef, channel: str, reply: Reply, *, key: str | None = None,
                   thread: str | None = None, answering: str | None = None) -> str | None:
        """A proactive post in a conversation Guild was added to. Teams answers a command in its own turn,
        so a post here is never a thread reply nor someone's answer (``thread``, ``answering``: unused)."""
        async with self._uow() as work:
            found = await conversations.find(work.session, "teams", community.external_id, channel)
            stored = found.reference if found else None
        if stored is None:
            raise NoConversation(f"Guild has not been added to conversation {channel} in {community.external_id}")
        return await self.send(load(stored), await self.activity(reply, community.external_id))

    async def find(self, community: CommunityRef, kind: Kind, target: str, key: str, since: datetime, *,
                   answering: str | None = None) -> str | None:
        raise CannotTell("Teams keeps no message history a bot can search")

    def failure(self, error: Exception) -> Failure | None:
        """The connector's answers as the outbox sees them (see ``RETRIED``); a lost answer is uncertain."""
        if isinstance(error, NoConversation):
            return Failure("no_conversation", permanent=True)
        if isinstance(error, HttpOperationError):
            response = error.response
            status = getattr(response, "status_code", None)
            if status is None:
                return Failure("http_error", uncertain=True)
            retry_after = _retry_after(getattr(response, "headers", None) or {})
            return Failure(f"http_{status}", permanent=status not in RETRIED and status < 500,
                           retry_after=retry_after if status in RETRIED or status >= 500 else None)
        if isinstance(error, TimeoutError | aiohttp.ClientError | ClientRequestError | ConnectionError):
            return Failure("timeout" if isinstance(error, TimeoutError) else "connection", uncertain=True)
        return None

    async def send(self, reference: ConversationReference, activity: Activity) -> str | None:
        """Send ``activity`` as a new message in the referenced conversation; the activity id Teams gave it."""
        result = _Result()

        async def deliver(context: TurnContext) -> None:
            await result.keep(_deliver(context, reference, activity))

        await self._adapter.continue_conversation(reference, deliver, self._app_id)
        return result.outcome()

    async def _open_chat(self, anchor: ConversationReference, tenant: str, user_id: str, activity: Activity,
                         ) -> str | None:
        parameters = ConversationParameters(
            is_group=False,
            bot=anchor.bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )

        async def created(context: TurnContext) -> None:
            reference = personal_reference(
                service_url=anchor.service_url, conversation_id=context.activity.conversation.id, bot=anchor.bot,
                user_id=user_id, tenant_id=tenant, channel_id=anchor.channel_id or CHANNEL_ID,
            )
            await remember(self._uow, reference, community=tenant, at=self._clock())
            await result.keep(_deliver(context, reference, activity))

        result = _Result()
        await self._adapter.create_conversation(
            self._app_id, created, parameters, channel_id=anchor.channel_id or CHANNEL_ID,
            service_url=anchor.service_url,
        )
        return result.outcome()


class _Result:
    """What a callback botbuilder ran did. Its pipeline hands a callback's error to the turn-error handler,
    which logs it and returns, so the callback keeps the error here and the caller raises it."""

    def __init__(self) -> None:
        self.activity_id: str | None = None
        self.error: Exception | None = None

    async def keep(self, sending: Awaitable[str | None]) -> None:
        try:
            self.activity_id = await sending
        except Exception as error:
            self.error = error

    def outcome(self) -> str | None:
        if self.error is not None:
            raise self.error
        return self.activity_id


async def _deliver(context: TurnContext, reference: ConversationReference, activity: Activity) -> str | None:
    """A new message, not a reply: ``TurnContext.send_activity`` would reply to the synthetic turn's id."""
    addressed = TurnContext.apply_conversation_reference(activity, reference)
    answers = await context.adapter.send_activities(context, [addressed])
    return answers[0].id if answers and answers[0] is not None else None


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(float(value), 0.0) if value is not None else None
    except (AttributeError, TypeError, ValueError):
        return None
