"""Guild's Teams activity handler: keeps references current, runs commands, greets when added.

Every command goes to ``Core.handle``; this class only decides where the
answer goes. Teams has no ephemeral messages, so a private answer to something
said in a channel or group chat is sent as a 1:1 chat message, with a short
pointer in the thread; public answers (and everything in a personal chat) are
replies in the conversation. ``kudos``, ``session new``, ``feedback <id>`` and
``session notes <id>`` without the rest open input cards, whose submits come
back here as commands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.teams import cards, conversations
from bot.teams.notifier import TeamsNotifier, card_message
from bot.teams.to_command import (
    FormError,
    author_of,
    command_text,
    community_of,
    conversation_kind,
    submitted,
    to_message,
)
from handlers import grammar, session_edit
from handlers.core import Core
from handlers.types import Message, Recipient, Reply
from storage import conversations as conversations_store
from storage import members
from storage.uow import UnitOfWork

log = logging.getLogger("guild.teams")

TYPED_CHANNEL = re.compile(r"^(admin\s+channel\s+\S+)\s+#([^<>|]+?)\s*$", re.IGNORECASE)
UNKNOWN_CHANNEL = (
    "I'm not in a channel called #{name}. Add me to it, then say `@Guild admin channel …` there — "
    "or @mention the channel instead of typing its name."
)
SENT_PRIVATELY = "I've sent you the details privately."
COULD_NOT_DM = "I couldn't message you privately. Open a chat with me (search for Guild) and try again there."
GREETING = (
    "Hi, I'm Guild — I help our trainers' community: kudos, training sessions and feedback. "
    "Type **help** to see what I can do{where}."
)


class GuildBot(ActivityHandler):
    def __init__(self, *, core: Core, uow: Callable[[], UnitOfWork], notifier: TeamsNotifier) -> None:
        self._core = core
        self._uow = uow
        self._notifier = notifier

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Refresh the conversation's reference first, so proactive posts always have a current one."""
        activity = turn_context.activity
        if activity.service_url and getattr(activity.conversation, "id", None) and activity.recipient:
            await conversations.remember(
                self._uow,
                conversations.reference_of(activity),
                community=community_of(activity).external_id,
                at=self._core.clock(),
                name=conversations.name_of(activity),
                display_name=getattr(activity.from_property, "name", None),
            )
        await super().on_turn(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Guild handles no invoke (its cards use Action.Submit, which arrives as a message): each gets an empty 200.

        botbuilder's own handling answers 501 (shown by Teams as an error) and,
        for a malformed ``adaptiveCard/action``, fails to serialise its own
        error response (a 500); "handled, nothing to say" is what Teams expects.
        """
        log.info("invoke ignored", extra={"activity": f"invoke:{str(turn_context.activity.name or '')[:60]}"})
        return InvokeResponse(status=200)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in members_added):
            personal = conversation_kind(turn_context.activity) == "personal"
            where = "" if personal else " (mention me first, like @Guild help)"
            await turn_context.send_activity(MessageFactory.text(GREETING.format(where=where)))

    async def on_members_removed_activity(self, members_removed: list[ChannelAccount],
                                          turn_context: TurnContext) -> None:
        if any(member.id == turn_context.activity.recipient.id for member in members_removed):
            await conversations.forget(self._uow, turn_context.activity)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not activity.from_property or not activity.from_property.id:
            return
        try:
            found = submitted(activity.value)
        except FormError as problem:
            await turn_context.send_activity(MessageFactory.text(str(problem)))
            return
        text, people = found if found else command_text(activity)
        text = text or "help"  # an empty message (or a bare mention) gets the overview, not a complaint
        if await self._open_form(turn_context, text):
            return
        if (named := TYPED_CHANNEL.match(text)) is not None:
            found = await self._channel(activity, named.group(2))
            if found is None:
                await turn_context.send_activity(MessageFactory.text(UNKNOWN_CHANNEL.format(name=named.group(2))))
                return
            text = f"{named.group(1)} <#{found}|{named.group(2)}>"
        message = to_message(activity, text, people)
        reply = await self._core.handle(message)
        if reply is not None:
            await self._answer(turn_context, message, reply)

    async def _open_form(self, turn_context: TurnContext, text: str) -> bool:
        """Answer ``kudos`` / ``session new`` / ``feedback <id>`` / ``session notes <id>`` / ``session edit <id>``
        alone with an input card.

        ``session attend <id>`` alone is left to the core, which offers a button
        per signed-up person: Adaptive Cards have no people picker.
        """
        completes = grammar.completion(text)
        if completes and completes[0] == "feedback":
            card, summary = cards.feedback_form(completes[1]), f"Rate session {completes[1]}"
        elif completes and completes[0] == "notes":
            card, summary = cards.notes_form(completes[1]), f"Notes for session {completes[1]}"
        elif completes and completes[0] == "edit":
            current: dict[str, str] = {}  # the session as it is, read as the person who asked (or their refusal)
            message = replace(to_message(turn_context.activity, text, {}), delivery_key=None)
            refused = await self._core.execute(message, session_edit.current(completes[1], current),
                                               name="SessionEditForm")
            if not current:
                if refused is not None:
                    await self._answer(turn_context, message, refused)
                return True
            card, summary = cards.edit_form(completes[1], current), f"Edit session {completes[1]}"
        else:
            try:
                command = grammar.parse(text)
            except grammar.UsageError:
                return False
            if isinstance(command, grammar.SessionForm):
                card = cards.session_form(self._core.clock().date(), command.program_id)
                summary = "Schedule a session"
            elif isinstance(command, grammar.KudosForm):
                card, summary = cards.kudos_form(await self._people(turn_context.activity)), "Say thanks"
            else:
                return False
        await turn_context.send_activity(card_message(card, summary))
        return True

    async def _channel(self, activity: Activity, name: str) -> str | None:
        """The id of the channel called ``name`` that Guild was added to in this tenant.

        Teams sends a typed ``#name`` as plain text (only an @mention of a
        channel carries its id), so the name is looked up among the channels
        Guild knows; posting anywhere else would fail at every scheduled run.
        """
        async with self._uow() as work:
            found = await conversations_store.channel_named(
                work.session, "teams", community_of(activity).external_id, name)
            return found.conversation_id if found else None

    async def _people(self, activity: Activity) -> list[tuple[str, str]]:
        """Colleagues Guild has met in this tenant, for the kudos card (never the person asking)."""
        ref, author = community_of(activity), author_of(activity)
        async with self._uow() as work:
            community = await members.community(work.session, ref.platform, ref.external_id)
            people = await members.named(work.session, community.id, limit=cards.MAX_PEOPLE_CHOICES + 1)
            await work.commit()
        return [(user_id, name) for user_id, name in people if user_id != author.user_id]

    async def _answer(self, turn_context: TurnContext, message: Message, reply: Reply) -> None:
        if reply.public or conversation_kind(turn_context.activity) == "personal":
            await turn_context.send_activity(await self._notifier.activity(reply, message.community.external_id))
            return
        try:
            await self._notifier.tell(Recipient(message.community, message.author.user_id), reply)
            pointer = SENT_PRIVATELY
        except Exception:  # the DM failing must not lose the answer silently: say so in the thread
            log.exception("private reply failed", extra={"community": message.community.external_id,
                                                        "person": message.author.user_id})
            pointer = COULD_NOT_DM
        await turn_context.send_activity(MessageFactory.text(pointer))
