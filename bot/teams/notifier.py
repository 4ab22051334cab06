"""The core's ``Notifier`` on Teams: DMs and channel posts through stored conversation references.

A DM goes to the person's stored 1:1 chat; when Guild has never chatted with
them it creates the chat (``POST /v3/conversations``) at the service URL of the
tenant's freshest reference and remembers it. A post goes to a conversation
Guild has been added to (a channel's root makes a new thread). Failures raise,
as the ``Notifier`` contract asks, so that the scheduler can retry.
"""

from __future__ import annotations

from collections.abc import Callable

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.teams import cards
from bot.teams.conversations import load, personal_reference, remember
from bot.teams.reports import ReportLinks
from handlers.ports import Clock
from handlers.types import CommunityRef, Recipient, Reply
from storage import conversations
from storage.uow import UnitOfWork

CHANNEL_ID = "msteams"


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

    async def tell(self, to: Recipient, reply: Reply) -> None:
        tenant = to.community.external_id
        async with self._uow() as work:
            chat = await conversations.personal(work.session, "teams", tenant, to.user_id)
            anchor = chat or await conversations.latest(work.session, "teams", tenant)
            stored = anchor.reference if anchor else None
        if stored is None:
            raise NoConversation(f"Guild has no conversation in tenant {tenant} to reach {to.user_id} from")
        if chat is not None:
            await self.send(load(stored), await self.activity(reply, tenant))
        else:
            await self._open_chat(load(stored), tenant, to.user_id, await self.activity(reply, tenant))

    async def post(self, community: CommunityRef, channel: str, reply: Reply) -> None:
        async with self._uow() as work:
            found = await conversations.find(work.session, "teams", community.external_id, channel)
            stored = found.reference if found else None
        if stored is None:
            raise NoConversation(f"Guild has not been added to conversation {channel} in {community.external_id}")
        await self.send(load(stored), await self.activity(reply, community.external_id))

    async def send(self, reference: ConversationReference, activity: Activity) -> None:
        """Send ``activity`` as a new message in the referenced conversation."""

        async def deliver(context: TurnContext) -> None:
            await _deliver(context, reference, activity)

        await self._adapter.continue_conversation(reference, deliver, self._app_id)

    async def _open_chat(self, anchor: ConversationReference, tenant: str, user_id: str, activity: Activity) -> None:
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
            await _deliver(context, reference, activity)

        await self._adapter.create_conversation(
            self._app_id, created, parameters, channel_id=anchor.channel_id or CHANNEL_ID,
            service_url=anchor.service_url,
        )


async def _deliver(context: TurnContext, reference: ConversationReference, activity: Activity) -> None:
    """A new message, not a reply: ``TurnContext.send_activity`` would reply to the synthetic turn's id."""
    addressed = TurnContext.apply_conversation_reference(activity, reference)
    await context.adapter.send_activities(context, [addressed])
