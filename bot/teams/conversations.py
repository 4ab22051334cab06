"""Conversation references: kept current from every activity, turned back into botbuilder objects.

A reference is what Teams needs to let Guild speak first: the service URL,
the conversation, the bot's account. It is stored as the SDK's own JSON so a
restart loses nothing. Proactive sends go to a reference without an activity
id, which makes them new messages (``POST …/activities``) rather than replies:
for a channel that means a new thread, which is what a roundup should be.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.teams.to_command import channel_of, community_of, conversation_kind
from storage import conversations, members
from storage.uow import UnitOfWork


def dump(reference: ConversationReference) -> str:
    return json.dumps(reference.serialize(), sort_keys=True)


def load(raw: str) -> ConversationReference:
    return ConversationReference().deserialize(json.loads(raw))


def reference_of(activity: Activity) -> ConversationReference:
    """The reference to post into the conversation ``activity`` came from (a channel's root, not a thread)."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    conversation = reference.conversation
    reference.conversation = ConversationAccount(
        id=channel_of(activity),
        conversation_type=conversation_kind(activity),
        tenant_id=community_of(activity).external_id,
        is_group=getattr(conversation, "is_group", None),
        name=getattr(conversation, "name", None),
    )
    return reference


def personal_reference(*, service_url: str, conversation_id: str, bot: ChannelAccount, user_id: str,
                       tenant_id: str, channel_id: str) -> ConversationReference:
    """The reference of a 1:1 chat Guild just created itself."""
    return ConversationReference(
        channel_id=channel_id,
        service_url=service_url,
        conversation=ConversationAccount(id=conversation_id, conversation_type="personal", tenant_id=tenant_id),
        bot=bot,
        user=ChannelAccount(id=user_id),
    )


async def remember(uow: Callable[[], UnitOfWork], reference: ConversationReference, *, community: str,
                   at: datetime, name: str | None = None, display_name: str | None = None) -> None:
    """Upsert ``reference`` for its tenant; a personal chat is tied to its person so DMs can find it."""
    kind = reference.conversation.conversation_type or "personal"
    async with uow() as work:
        session = work.session
        found = await members.community(session, "teams", community)
        member_id = None
        if kind == "personal" and reference.user and reference.user.id:
            member = await members.member(session, found.id, reference.user.id, display_name=display_name)
            member_id = member.id
        await conversations.remember(session, found.id, reference.conversation.id, kind=kind, reference=dump(reference),
                                     at=at, name=name, member_id=member_id)
        await work.commit()


async def forget(uow: Callable[[], UnitOfWork], activity: Activity) -> None:
    """Drop the reference of the conversation ``activity`` says Guild was removed from."""
    async with uow() as work:
        found = await members.community(work.session, "teams", community_of(activity).external_id)
        await conversations.forget(work.session, found.id, channel_of(activity))
        await work.commit()


def name_of(activity: Activity) -> str | None:
    """A human name for the conversation: the channel's, else the team's, else the chat's."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    for key in ("channel", "team"):
        part = data.get(key)
        if isinstance(part, dict) and part.get("name"):
            return str(part["name"])
    return getattr(activity.conversation, "name", None) or None
