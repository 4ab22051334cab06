"""Guild's Notifier on Slack: DMs and channel posts, for the core's notices and the scheduler.

A DM goes through ``conversations.open`` (remembered per person) and
``chat.postMessage``; a channel post is one ``chat.postMessage``. A reply's
chart and files follow the message into the same conversation with
``files_upload_v2`` (``files.getUploadURLExternal`` → upload → ``files.completeUploadExternal``). The Web API
client retries 429 answers after Slack's ``Retry-After`` (slack_sdk's async
rate-limit handler, which waits without blocking the loop). Failures raise
``SlackApiError`` so that the scheduler can release its claim and try again.
With several workspaces installed (OAuth), each workspace's bot token comes
from the installation store.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable

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
from handlers.types import CommunityRef, Recipient, Reply

RATE_LIMIT_RETRIES = 3
TokenLookup = Callable[[str], Awaitable[str | None]]


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

    async def tell(self, to: Recipient, reply: Reply) -> None:
        client = await self.client_for(to.community.external_id)
        channel = await self.dm_channel(client, to)
        await client.chat_postMessage(channel=channel, blocks=render(reply), text=notification_text(reply))
        await upload(client, channel, reply)

    async def dm_channel(self, client: AsyncWebClient, to: Recipient) -> str:
        """The DM channel with ``to`` (opened once, then remembered)."""
        key = (to.community.external_id, to.user_id)
        channel = self._dm_channels.get(key)
        if channel is None:
            opened = await client.conversations_open(users=to.user_id)
            channel = self._dm_channels[key] = opened["channel"]["id"]
        return channel

    async def post(self, community: CommunityRef, channel: str, reply: Reply) -> None:
        client = await self.client_for(community.external_id)
        await client.chat_postMessage(channel=channel, blocks=render(reply), text=notification_text(reply))
        await upload(client, channel, reply)

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
