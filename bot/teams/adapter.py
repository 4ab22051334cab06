"""Guild on Microsoft Teams: the Bot Framework endpoint, its authentication and its notifier.

``POST /api/messages`` feeds botbuilder's ``CloudAdapter``. With an app id the
Bot Framework's JWT validation guards it; without one authentication is off,
which is only allowed in dev mode on a loopback address — otherwise anyone
could post activities and make Guild call any ``serviceUrl``. This check lives
here as well as in ``config`` so that no code path can build an open endpoint.

The Bot Framework SDK is archived; every ``botbuilder`` import stays in this
folder, behind the core's ``Message`` / ``Reply`` / ``Notifier`` seams, so a
move to the Microsoft 365 Agents SDK replaces this folder and nothing else.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult
from botframework.connector.auth.jwt_token_extractor import _OpenIdMetadata
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.teams import reports
from bot.teams.bot import GuildBot
from bot.teams.notifier import TeamsNotifier
from bot.teams.service_urls import ServiceUrls
from config import Settings, is_loopback
from handlers.core import SORRY, Core
from storage.uow import UnitOfWork

log = logging.getLogger("guild.teams")

MAX_BODY = 256 * 1024
CONNECTOR_TIMEOUT_SECONDS = 5.0


class KeysUnavailable(Exception):
    """The Bot Framework's signing keys could not be fetched: not the caller's fault (503, Teams retries)."""


async def _refresh_keys(self: _OpenIdMetadata) -> None:
    """``_OpenIdMetadata._refresh`` without blocking the event loop and with a timeout.

    botframework-connector fetches the OpenID metadata and signing keys with a
    synchronous ``requests.get`` and no timeout, inside the request: a slow key
    endpoint froze every request on the instance.
    """
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CONNECTOR_TIMEOUT_SECONDS)) as http:
            async with http.get(self.url) as response:
                response.raise_for_status()
                keys_url = (await response.json(content_type=None))["jwks_uri"]
            async with http.get(keys_url) as response:
                response.raise_for_status()
                keys = (await response.json(content_type=None))["keys"]
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as error:
        raise KeysUnavailable(f"{type(error).__name__} fetching {self.url}") from error
    self.keys, self.last_updated = keys, datetime.now()


_OpenIdMetadata._refresh = _refresh_keys  # type: ignore[method-assign]


class TeamsConfigError(ValueError):
    """Teams was asked to serve in a way that would leave the endpoint open or unusable."""


class _BotConfig:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id or ""
        self.APP_PASSWORD = settings.microsoft_app_password or ""
        self.APP_TYPE = settings.microsoft_app_type
        self.APP_TENANTID = settings.microsoft_app_tenant_id or ""


class _Authentication(ConfigurationBotFrameworkAuthentication):
    """Any token that does not validate is a 401, whatever the library raised (a bad JWT raises
    PyJWT's own errors, an unknown key id an IndexError, which aiohttp would otherwise turn into a 500).

    Connector clients get a short timeout and no retries of their own, so that
    an unreachable ``serviceUrl`` cannot hold a turn (msrest's defaults are
    100 s and three retries with backoff); a failed send is retried by whoever
    sent it.
    """

    def create_connector_factory(self, claims_identity: Any) -> Any:
        return _BoundedConnectorFactory(super().create_connector_factory(claims_identity))

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            result = await super().authenticate_request(activity, auth_header)
        except (PermissionError, KeysUnavailable):
            raise
        except Exception as error:  # PyJWT's errors, IndexError for an unknown key id, bare Exception for
            # a failed endorsement or algorithm check: every way a token fails to validate is a 401
            raise PermissionError("the bearer token did not validate") from error
        if result.connector_factory is not None:  # what the turn's replies are sent with
            result.connector_factory = _BoundedConnectorFactory(result.connector_factory)
        return result


class _BoundedConnectorFactory:
    """A connector factory whose clients time out after ``CONNECTOR_TIMEOUT_SECONDS`` and do not retry."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        client = await self._inner.create(service_url, audience)
        bound(client.config)
        return client


def bound(config: Any) -> None:
    """Short timeouts, no retries, on a msrest ``Configuration`` (what every connector client uses)."""
    config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
    config.retry_policy.retries = 0


class _ObservedCloudAdapter(CloudAdapter):
    """botbuilder's adapter, telling ``on_api_error`` the kind of each failed call to the connector.

    Replies within a turn and proactive messages both go through
    ``send_activities``; new chats through ``create_conversation``. The error is
    re-raised unchanged: the turn's error handler and the notifier's callers
    decide what to do about it.
    """

    on_api_error: list[Callable[[str], None]]

    async def send_activities(self, context: TurnContext, activities: Any) -> Any:
        try:
            return await super().send_activities(context, activities)
        except Exception as error:
            self._observe(error)
            raise

    async def update_activity(self, context: TurnContext, activity: Activity) -> Any:
        try:
            return await super().update_activity(context, activity)
        except Exception as error:
            self._observe(error)
            raise

    async def create_conversation(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().create_conversation(*args, **kwargs)
        except Exception as error:
            self._observe(error)
            raise

    def _observe(self, error: Exception) -> None:
        if getattr(error, "_guild_observed", False):  # raised by a send inside create_conversation's callback
            return
        kind = connector_error_kind(error)
        if kind is None:
            return
        with_flag: Any = error
        with_flag._guild_observed = True
        for observe in self.on_api_error:
            observe(kind)


def connector_error_kind(error: BaseException) -> str | None:
    """``http_<status>``, ``connection`` or ``timeout`` for a failed connector call; None for Guild's own errors."""
    if isinstance(error, HttpOperationError):
        status = getattr(error.response, "status_code", None)
        return f"http_{status}" if status else "http_error"
    if isinstance(error, TimeoutError | aiohttp.ServerTimeoutError):
        return "timeout"
    if isinstance(error, ClientRequestError | aiohttp.ClientError | ConnectionError):
        return "connection"
    return None


def check(settings: Settings) -> None:
    """Refuse settings that would serve Teams without authentication off loopback, or without credentials."""
    if settings.teams_dev_mode:
        if settings.microsoft_app_id:
            raise TeamsConfigError("TEAMS_DEV_MODE turns authentication off; it cannot be used with MICROSOFT_APP_ID")
        if not is_loopback(settings.host):
            raise TeamsConfigError(f"TEAMS_DEV_MODE is refused with HOST={settings.host}: serve it on loopback only")
    elif not (settings.microsoft_app_id and (settings.microsoft_app_password
                                             or settings.microsoft_app_type == "UserAssignedMSI")):
        raise TeamsConfigError("Teams needs MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (or TEAMS_DEV_MODE=1)")


class TeamsAdapter:
    """What app.py wires: ``notifier`` for the router, ``mount`` for the web app, ``close`` at exit."""

    def __init__(self, *, settings: Settings, core: Core, uow: Callable[[], UnitOfWork]) -> None:
        check(settings)
        self.app_id = settings.microsoft_app_id or ""
        self.cloud = _ObservedCloudAdapter(_Authentication(_BotConfig(settings)))
        self.on_api_error: list[Callable[[str], None]] = []  # each failed connector call's kind (metrics)
        self.cloud.on_api_error = self.on_api_error
        self.cloud.on_turn_error = self._on_turn_error
        self.service_urls = ServiceUrls.configured(settings.teams_service_urls, dev_mode=settings.teams_dev_mode)
        self.notifier = TeamsNotifier(adapter=self.cloud, uow=uow, app_id=self.app_id, clock=core.clock,
                                      public_url=settings.public_url)
        self.bot = GuildBot(core=core, uow=uow, notifier=self.notifier)
        self._closed = False

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post("/api/messages", self.messages)
        web_app.router.add_get(reports.PATH, self.notifier.reports.serve)

    async def close(self) -> None:
        """Stop taking activities; the Bot Service redelivers what it could not hand over."""
        self._closed = True

    async def messages(self, request: web.Request) -> web.StreamResponse:
        """Check the body's shape before botbuilder sees it, so that malformed input is a 4xx, never a 500."""
        if self._closed:
            return web.json_response({"error": "Guild is shutting down"}, status=503)
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        if (request.content_length or 0) > MAX_BODY:
            return web.json_response({"error": "activity too large"}, status=413)
        if request.charset is not None and not _is_utf8(request.charset):
            return web.json_response({"error": "the body must be UTF-8 JSON"}, status=415)
        problem, service_url = _shape_problem(await request.read())
        if problem:
            return web.json_response({"error": problem}, status=400)
        if service_url is not None and not self.service_urls.allows(service_url):
            log.warning("activity refused: its serviceUrl is not an allowed Bot Framework host (TEAMS_SERVICE_URLS)",
                        extra={"channel": service_url[:200]})
            return web.json_response({"error": "serviceUrl not allowed"}, status=403)
        try:
            response = await self.cloud.process(request, self.bot)
        except KeysUnavailable as error:
            log.warning("cannot check the bearer token: the Bot Framework's signing keys are unavailable (%s)", error)
            return web.json_response({"error": "try again later"}, status=503)
        return response or web.Response(status=201)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """A failed turn is logged with its traceback and the person gets an apology, never the error."""
        log.error("teams turn failed", exc_info=error, extra={"activity": context.activity.type})
        if context.activity.type == "message":
            try:
                await context.send_activity(MessageFactory.text(SORRY))
            except Exception:  # the reply path itself may be what failed; the log above has the cause
                log.exception("could not tell the person the turn failed")


def _shape_problem(body: bytes) -> tuple[str | None, str | None]:
    """Why ``body`` is not an activity Guild can process (or None when it is), and its ``serviceUrl``.

    The body must be UTF-8 (``json.loads`` would guess UTF-16 from bytes, and
    then aiohttp's ``request.json()`` inside botbuilder fails with a 500).
    """
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "the body is not UTF-8 JSON", None
    if not isinstance(data, dict):
        return "an activity is a JSON object", None
    try:
        activity = Activity().deserialize(data)
    except Exception:  # msrest raises its own family for every wrong field type
        return "the activity's fields have the wrong types", None
    if not isinstance(activity.type, str) or not activity.type:
        return "the activity has no type", None
    if activity.type == "message" and not (activity.conversation and activity.conversation.id
                                           and activity.service_url and activity.from_property):
        return "a message activity needs conversation, from and serviceUrl", None
    service_url = activity.service_url if isinstance(activity.service_url, str) else None
    return None, service_url


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False
