"""One HTTP connection pool for everything Guild says to Slack.

Without a shared ``aiohttp.ClientSession`` slack_sdk opens (and closes) a new
TCP + TLS connection for every Web API call and every ``response_url`` post —
under load that was a tenth of the CPU of a ``/kudos``. Bolt copies the
session of the app's client into the client it makes for each request, so one
session given to the app's ``AsyncWebClient`` serves every listener; answers
through a ``response_url`` go through :func:`respond` on the same session.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

CONNECTIONS = 100  # at most this many sockets to Slack at once; more calls wait for a free one
KEEPALIVE_SECONDS = 30  # idle connections are kept this long for the next call
TIMEOUT_SECONDS = 30  # slack_sdk's own default per call


def session() -> aiohttp.ClientSession:
    """The process's session to Slack (create it inside the running loop; close it on shutdown)."""
    connector = aiohttp.TCPConnector(limit=CONNECTIONS, keepalive_timeout=KEEPALIVE_SECONDS)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))


async def respond(http: aiohttp.ClientSession | None, response_url: str, **message: Any) -> None:
    """Post ``message`` to an interaction's ``response_url`` on the shared session."""
    await AsyncWebhookClient(url=response_url, session=http).send(**message)
