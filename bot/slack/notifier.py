"""Guild's Notifier on Slack: DMs and channel posts, for the core's notices and the scheduler.

A DM goes through ``conversations.open`` (remembered per person) and
``chat.postMessage``; a channel post is one ``chat.postMessage``. A reply's
chart and files follow the message into the same conversation with
``files_upload_v2`` (``files.getUploadURLExternal`` → upload → ``files.completeUploadExternal``). The Web API
client retries 429 answers after Slack's ``Retry-After`` (slack_sdk's async
rate-limit handler, which waits without blocking the loop). Failures raise
``SlackApiError``; ``failure`` tells the outbox which of them are worth another
try. With several workspaces installed (OAuth), each workspace's bot token comes
from the installation store.

Every message sent for the outbox carries message metadata (``event_type``
``guild_outbox``, ``event_payload`` ``{"id": <outbox row>}``), and ``find``
looks for it in the conversation's recent history (``conversations.history``
with ``include_all_metadata``): after a crash mid-send that is how Guild knows
Slack already has the message and must not post it again.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import notification_text, render
from handlers.ports import Failure, Kind
from handlers.types import CommunityRef, Recipient, Reply

RATE_LIMIT_RETRIES = 3
METADATA_EVENT = "guild_outbox"
HISTORY_PAGES = 3  # of 200 messages, newest first: a message looked for is minutes (at most hours) old
# Slack's answers that sending again cannot change (https://api.slack.com/methods/chat.postMessage#errors).
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "user_not_visible", "users_not_found",
    "account_inactive", "user_disabled", "cannot_dm_bot", "invalid_blocks", "invalid_blocks_format",
    "msg_too_long", "no_text", "restricted_action", "invalid_auth", "not_authed", "token_revoked",
    "missing_scope", "team_access_not_granted", "invalid_metadata_format", "invalid_metadata_schema",
    "metadata_too_large", "too_many_attachments", "channel_is_archived",
})
TokenLookup = Callable[[str], Awaitable[str | None]]
NOT_THERE = ("not_in_channel", "channel_not_found", "is_archived")
INVITE_TIP = (
    "I couldn't post this in the channel because I'm not a member there. "
    "Invite me with `/invite @Guild` and I'll post in it from then on. Here is what I would have posted:"
)
NOT_HERE_TIP = "I can't post in this conversation, so only you see this. Here is what I would have posted:"


def not_posted(reply: Reply, channel: str) -> Reply:
    """A public answer Guild could not post in ``channel``, for the person privately, with why (and in a
    channel, how to invite Guild; a DM between people cannot take it)."""
    tip = NOT_HERE_TIP if channel.startswith("D") else INVITE_TIP
    return replace(reply, text=f"{tip}\n\n{reply.text}", public=False)


def retry_handlers(observe: Callable[[str], None] | None = None) -> list[AsyncRetryHandler]:
    """slack_sdk's retries for lost connections and 429s, after an observer of every failed attempt."""
    observer = [ApiErrorObserver(observe)] if observe else []
    return [*observer, AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


class ApiErrorObserver(AsyncRetryHandler):
    """Tells ``observe`` the kind of every failed Web API attempt, and never asks for a retry itself.

    slack_sdk offers each response (and each transport error) to its retry
    handlers in order, and Bolt copies the client's handlers into every
    request's client, so this one sees the calls of listeners, the notifier
    and the scheduler alike — 429s that are then retried included.
    """

    def __init__(self, observe: Callable[[str], None]) -> None:
        super().__init__(max_retry_count=sys.maxsize)
        self._observe = observe

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        kind = None
        if error is not None:
            timeout = isinstance(error, TimeoutError | aiohttp.ServerTimeoutError)
            kind = "timeout" if timeout else "connection" if isinstance(error, aiohttp.ClientError) else "client"
        elif response is not None:
            body = response.body if isinstance(response.body, dict) else {}
            if body.get("ok") is False:
                kind = str(body.get("error") or f"http_{response.status_code}")
            elif response.status_code >= 400:
                kind = f"http_{response.status_code}"
        if kind:
            self._observe(kind[:60])
        return False


class NotInstalled(Exception):
    """A workspace Guild has no bot token for (never installed, or uninstalled)."""


class SlackNotifier:
    def __init__(self, client: AsyncWebClient, tokens: TokenLookup | None = None) -> None:
        """``client`` carries the one workspace's token; ``tokens`` looks one up per workspace (OAuth)."""
        self.client = client
        self.tokens = tokens
        self._dm_channels: dict[tuple[str, str], str] = {}

    async def tell(self, to: Recipient, reply: Reply, *, key: str | None = None) -> str:
        client = await self.client_for(to.community.external_id)
        return await _send(client, await self.dm_channel(client, to), reply, key)

    async def dm_channel(self, client: AsyncWebClient, to: Recipient) -> str:
        """The DM channel with ``to`` (opened once, then remembered)."""
        key = (to.community.external_id, to.user_id)
        channel = self._dm_channels.get(key)
        if channel is None:
            opened = await client.conversations_open(users=to.user_id)
            channel = self._dm_channels[key] = opened["channel"]["id"]
        return channel

    async def post(self, community: CommunityRef, channel: str, reply: Reply, *, key: str | None = None,
                   thread: str | None = None, answering: str | None = None) -> str:
        """The post's ts. A public answer Guild may not post there reaches its person by DM with the tip
        (``not_posted``): a DM carries the outbox key, so ``find`` sees it after a crash."""
        client = await self.client_for(community.external_id)
        try:
            return await _send(client, channel, reply, key, thread)
        except SlackApiError as error:
            if answering is None or error_code(error) not in NOT_THERE:
                raise
        return await self.tell(Recipient(community, answering), not_posted(reply, channel), key=key)

    async def find(self, community: CommunityRef, kind: Kind, target: str, key: str, since: datetime, *,
                   answering: str | None = None) -> str | None:
        """The ts of Guild's message carrying ``key`` among the conversation's latest messages, or None; a
        public answer is also looked for in the DM with the person it answers (where it went if refused)."""
        client = await self.client_for(community.external_id)
        channel = await self.dm_channel(client, Recipient(community, target)) if kind == "tell" else target
        try:
            found = await self._find_in(client, channel, key)
        except SlackApiError as error:
            if answering is None or error_code(error) not in NOT_THERE:
                raise
            found = None
        if found is None and answering is not None:
            found = await self._find_in(client, await self.dm_channel(client, Recipient(community, answering)), key)
        return found

    async def _find_in(self, client: AsyncWebClient, channel: str, key: str) -> str | None:
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = await client.conversations_history(channel=channel, include_all_metadata=True, limit=200,
                                                      **({"cursor": cursor} if cursor else {}))
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (metadata.get("event_type") == METADATA_EVENT
                        and str((metadata.get("event_payload") or {}).get("id")) == key):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def failure(self, error: Exception) -> Failure | None:
        """Slack's errors as the outbox sees them: 429 waits Retry-After, permanent codes give up, a lost
        answer (connection dropped, timeout, files not uploaded after the message) is uncertain."""
        if isinstance(error, SlackApiError):
            code = error_code(error)[:60]
            if error.response.status_code == 429:
                return Failure(code, retry_after=_retry_after(error))
            return Failure(code, permanent=code in PERMANENT)
        if isinstance(error, NotInstalled):
            return Failure("not_installed", permanent=True)
        if isinstance(error, FilesNotShared):
            return Failure("files_not_shared", uncertain=True)
        if isinstance(error, TimeoutError | aiohttp.ClientError):
            return Failure("timeout" if isinstance(error, TimeoutError) else "connection", uncertain=True)
        return None

    async def send_files_privately(self, to: Recipient, reply: Reply) -> None:
        """A private answer's files, by DM: Slack has no ephemeral files, and a DM stays private."""
        if reply.attachments:
            client = await self.client_for(to.community.external_id)
            await upload(client, await self.dm_channel(client, to), reply)

    async def client_for(self, team_id: str) -> AsyncWebClient:
        if self.tokens is None:
            return self.client
        token = await self.tokens(team_id)  # looked up each time: a reinstall changes it
        if not token:
            raise NotInstalled(f"Guild is not installed in Slack workspace {team_id}")
        return AsyncWebClient(token=token, base_url=self.client.base_url, retry_handlers=self.client.retry_handlers,
                              session=self.client.session)


class FilesNotShared(Exception):
    """The message went out but its chart or files did not: sending the message again would repeat it."""


async def _send(client: AsyncWebClient, channel: str, reply: Reply, key: str | None, thread: str | None = None,
                ) -> str:
    """One message (with the outbox key as metadata, in ``thread`` if given), then its files; the message's ts."""
    extra: dict[str, object] = {"thread_ts": thread} if thread else {}
    if key is not None:
        extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"id": key}}
    sent = await client.chat_postMessage(channel=channel, blocks=render(reply), text=notification_text(reply),
                                         **extra)
    try:
        await upload(client, channel, reply)
    except Exception as error:
        raise FilesNotShared(f"the message {sent['ts']} was posted, its files were not") from error
    return str(sent["ts"])


def _retry_after(error: SlackApiError) -> float:
    headers = {name.lower(): value for name, value in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


async def upload(client: AsyncWebClient, channel: str, reply: Reply) -> None:
    """Upload the reply's chart and files into ``channel`` in one ``files_upload_v2`` call (files:write)."""
    if not reply.attachments:
        return
    await client.files_upload_v2(
        channel=channel,
        file_uploads=[{"content": a.content, "filename": a.filename, "title": a.title} for a in reply.attachments],
    )


def error_code(error: SlackApiError) -> str:
    """Slack's error code (``not_in_channel``…), or the HTTP status when the answer was not JSON."""
    data = error.response.data
    return str(data.get("error")) if isinstance(data, dict) else f"http_{error.response.status_code}"
