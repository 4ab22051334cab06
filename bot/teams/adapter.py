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

import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.teams import reports
from bot.teams.bot import GuildBot
from bot.teams.notifier import TeamsNotifier
from config import Settings, is_loopback
from handlers.core import SORRY, Core
from storage.uow import UnitOfWork

log = logging.getLogger("guild.teams")

MAX_BODY = 256 * 1024


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
    PyJWT's own errors, which aiohttp would otherwise turn into a 500)."""

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            return await super().authenticate_request(activity, auth_header)
        except (jwt.PyJWTError, ValueError) as error:
            raise PermissionError("the bearer token did not validate") from error


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
        problem = _shape_problem(await request.read())
        if problem:
            return web.json_response({"error": problem}, status=400)
        response = await self.cloud.process(request, self.bot)
        return response or web.Response(status=201)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """A failed turn is logged with its traceback and the person gets an apology, never the error."""
        log.error("teams turn failed", exc_info=error, extra={"activity": context.activity.type})
        if context.activity.type == "message":
            try:
                await context.send_activity(MessageFactory.text(SORRY))
            except Exception:  # the reply path itself may be what failed; the log above has the cause
                log.exception("could not tell the person the turn failed")


def _shape_problem(body: bytes) -> str | None:
    """Why ``body`` is not an activity Guild can process, or None when it is."""
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "the body is not JSON"
    if not isinstance(data, dict):
        return "an activity is a JSON object"
    try:
        activity = Activity().deserialize(data)
    except Exception:  # msrest raises its own family for every wrong field type
        return "the activity's fields have the wrong types"
    if not isinstance(activity.type, str) or not activity.type:
        return "the activity has no type"
    if activity.type == "message" and not (activity.conversation and activity.conversation.id
                                           and activity.service_url and activity.from_property):
        return "a message activity needs conversation, from and serviceUrl"
    return None
