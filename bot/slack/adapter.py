"""Guild on Slack: one Bolt ``AsyncApp`` behind ``POST /slack/events``, or over Socket Mode.

The app shares Guild's one aiohttp server with Teams and ``/healthz``: the
route hands Bolt the raw request (its signature check needs the exact body)
and Bolt's own request verification answers 401 to anything unsigned, forged
or older than five minutes. Every verified request is recorded in the inbox
before any listener sees it (``bot/slack/inbox.py``); listeners acknowledge
first and hand their work to the bounded work queue; failures are logged with
tracebacks (Slack never sees them). A sweeper replays recorded requests whose
work never finished through ``replay``.

One workspace runs on ``SLACK_BOT_TOKEN``. With ``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET`` Guild installs into several workspaces through Slack's
OAuth flow (``/slack/install`` → ``/slack/oauth_redirect``), keeping each
workspace's bot token in slack_sdk's SQLAlchemy installation store. That store
and its OAuth state store own their tables (``slack_installations``,
``slack_bots``, ``slack_oauth_states``) in Guild's database; they are created
by the stores themselves when the server starts, outside Guild's migrations.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.inbox import Inbox, WorkQueue
from bot.slack import commands, events, home, http, interactions, wire
from bot.slack import inbox as recorded
from bot.slack.notifier import SlackNotifier, retry_handlers
from bot.slack.people import People
from bot.slack.runtime import Runtime, context_fields
from config import Settings
from handlers.core import Core
from storage.db import create_engine
from storage.inbox import Item
from storage.migrate import schema_lock

log = logging.getLogger("guild.slack")

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
MANIFEST = Path(__file__).with_name("manifest.json")
OAUTH_STATE_SECONDS = 600
CLOSE_GRACE_SECONDS = 10


def bot_scopes() -> list[str]:
    """The bot scopes the manifest asks for; the OAuth flow asks for the same ones."""
    return list(json.loads(MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"])


async def create_store_tables(engine: AsyncEngine, client_id: str) -> None:
    """The OAuth stores' tables, for ``python app.py migrate`` (the stores know their own schema)."""
    await _create_tables(engine, AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log),
                         AsyncSQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine,
                                                        logger=log))


async def _create_tables(engine: AsyncEngine, installations: AsyncSQLAlchemyInstallationStore,
                         states: AsyncSQLAlchemyOAuthStateStore) -> None:
    async with schema_lock(engine):  # replicas starting together must not race on CREATE TABLE
        await installations.create_tables()
        await states.create_tables()


class SlackAdapter:
    def __init__(self, *, settings: Settings, core: Core, inbox: Inbox, queue: WorkQueue | None) -> None:
        if not (settings.slack_signing_secret or settings.slack_app_token):
            raise ValueError(
                "Slack over HTTP needs SLACK_SIGNING_SECRET: without it Guild cannot tell Slack's requests "
                "from forged ones (or set SLACK_APP_TOKEN for Socket Mode)"
            )
        self.settings = settings
        self.core = core
        self._socket: AsyncSocketModeHandler | None = None
        self._engine: AsyncEngine | None = None
        self._tables_ready = False
        self.on_api_error: list[Callable[[str], None]] = []  # each failed Web API attempt's kind (metrics)
        base_url = settings.slack_api_url or AsyncWebClient.BASE_URL
        oauth: AsyncOAuthSettings | None = None
        if settings.slack_client_id and settings.slack_client_secret:
            self._engine = create_engine(settings.database_url)
            self.installations = AsyncSQLAlchemyInstallationStore(
                client_id=settings.slack_client_id, engine=self._engine, logger=log
            )
            self.oauth_states = AsyncSQLAlchemyOAuthStateStore(
                expiration_seconds=OAUTH_STATE_SECONDS, engine=self._engine, logger=log
            )
            oauth = AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=bot_scopes(),
                installation_store=self.installations,
                state_store=self.oauth_states,
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                install_page_rendering_enabled=False,
            )
        token = None if oauth else settings.slack_bot_token
        self.http = http.session()  # one keep-alive pool for every Web API and response_url call
        self.client = AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(self._api_error),
                                     session=self.http)
        self.app = AsyncApp(
            name="guild-slack-bolt",  # Bolt resets this logger's level; never let it be Guild's own "guild"
            client=self.client,
            signing_secret=settings.slack_signing_secret or "",
            oauth_settings=oauth,
            process_before_response=True,  # listeners return right after their ack (runtime.acked_early)
        )
        self.notifier = SlackNotifier(self.client, self._bot_token if oauth else None)
        self.inbox, self.queue = inbox, queue
        self.runtime = Runtime(core=core, people=People(core), notifier=self.notifier, inbox=inbox, queue=queue)
        self.app.use(recorded.Recorder(inbox, queue.traffic if queue is not None else None))
        for feature in (commands, interactions, events, home):
            feature.register(self.app, self.runtime)
        self.app.error(self._on_error)

    def mount(self, web_app: web.Application) -> None:
        """Add Slack's routes; in Socket Mode without a signing secret there is no HTTP route to forge."""
        if self.settings.slack_signing_secret:
            web_app.router.add_post(EVENTS_PATH, self._events)
        if self._engine is not None:
            web_app.router.add_get(INSTALL_PATH, self._install)
            web_app.router.add_get(REDIRECT_PATH, self._oauth_redirect)
            web_app.on_startup.append(lambda _app: self.prepare())

    async def prepare(self) -> None:
        """Create the OAuth stores' own tables (idempotent; a no-op for one workspace, or with GUILD_AUTO_MIGRATE=0,
        where ``python app.py migrate`` creates them)."""
        if self._engine is None or self._tables_ready or not self.settings.auto_migrate:
            return
        await _create_tables(self._engine, self.installations, self.oauth_states)
        self._tables_ready = True

    async def start_socket_mode(self) -> None:
        """Connect over Socket Mode (``SLACK_APP_TOKEN``); returns once connected."""
        await self.prepare()
        self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
        await self._socket.connect_async()

    async def idle(self) -> None:
        """Returns once no acknowledged work is still running or queued."""
        await self.runtime.inflight.idle()
        if self.queue is not None:
            await self.queue.idle()

    async def replay(self, item: Item) -> None:
        """Run a recorded request whose work never finished again (the sweeper's call)."""
        await recorded.replay(self.app, self.inbox, item)

    async def close(self) -> None:
        """Stop listening, let acknowledged work finish (briefly), then let go of the database."""
        with suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_GRACE_SECONDS):
                await self.idle()
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._engine is not None:
            await self._engine.dispose()
        await self.http.close()

    async def _events(self, request: web.Request) -> web.Response:
        refused = await wire.problem(request)  # what would make Bolt raise: a 4xx here instead of its 500
        if refused is not None:
            return refused
        bolt_request = await to_bolt_request(request)
        response = await self.app.async_dispatch(bolt_request)
        found = bolt_request.context.get(recorded.CONTEXT)
        if response.status == 404 and found is not None and not found.handed_on:
            await self.inbox.finish(found)  # recorded, but no listener wants it: nothing to do
        return await to_aiohttp_response(response)

    async def _install(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        await self.prepare()
        return await to_aiohttp_response(await self.app.oauth_flow.handle_installation(await to_bolt_request(request)))

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        await self.prepare()
        return await to_aiohttp_response(await self.app.oauth_flow.handle_callback(await to_bolt_request(request)))

    async def _bot_token(self, team_id: str) -> str | None:
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot else None

    def _api_error(self, kind: str) -> None:
        for observe in self.on_api_error:
            observe(kind)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack listener failed", exc_info=error, extra=context_fields(body))
