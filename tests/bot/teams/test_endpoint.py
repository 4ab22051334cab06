"""``POST /api/messages``: malformed input is a 4xx, authentication holds, and dev mode stays on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import config
from bot.teams.adapter import TeamsAdapter, TeamsConfigError
from handlers.core import Core
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams
from tests.fakes import FakeClock, RecordingNotifier

CREDENTIALS = {
    "MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000001",
    "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
    "MICROSOFT_APP_TYPE": "SingleTenant",
    "MICROSOFT_APP_TENANT_ID": act.TENANT,
}


def unused_storage():  # type: ignore[no-untyped-def]
    raise AssertionError("an unauthenticated request must not reach the database")


@pytest.fixture
async def secured() -> AsyncIterator[TestClient]:
    """The endpoint with real credentials configured: JWT validation on."""
    settings = config.load(CREDENTIALS)
    core = Core(uow=unused_storage, notifier=RecordingNotifier(), clock=FakeClock())
    adapter = TeamsAdapter(settings=settings, core=core, uow=unused_storage)
    app = web.Application()
    adapter.mount(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ('"message"', "application/json", 400),
        ('{"text": "hello"}', "application/json", 400),
        ('{"type": "message", "conversation": "oops"}', "application/json", 400),
        ('{"type": "message", "entities": "oops"}', "application/json", 400),
        ('{"type": "message", "text": "help"}', "application/json", 400),
        ("type=message", "application/x-www-form-urlencoded", 415),
        ("hello", "text/plain", 415),
    ],
)
async def test_malformed_bodies_get_a_4xx(teams: Teams, body: str | bytes, content_type: str, status: int) -> None:
    response = await teams.client.post("/api/messages", data=body, headers={"Content-Type": content_type})

    assert response.status == status
    assert not teams.connector.calls


async def test_an_oversized_body_is_refused(teams: Teams) -> None:
    json = {"Content-Type": "application/json"}
    response = await teams.client.post("/api/messages", data="x" * 300_000, headers=json)

    assert response.status == 413


async def test_unknown_activity_types_are_accepted_and_ignored(teams: Teams) -> None:
    typing = act.personal_message(teams.url, "ben", "")
    typing["type"] = "typing"

    assert await teams.send(typing) == 201
    assert not teams.connector.sent()


async def test_a_request_without_a_bearer_token_is_refused(secured: TestClient) -> None:
    activity = act.personal_message("https://smba.trafficmanager.net/emea/", "ben", "help")
    response = await secured.post("/api/messages", json=activity)

    assert response.status == 401


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer"])
async def test_a_request_with_a_garbled_token_is_refused(secured: TestClient, header: str) -> None:
    activity = act.personal_message("https://smba.trafficmanager.net/emea/", "ben", "help")

    response = await secured.post("/api/messages", json=activity, headers={"Authorization": header})

    assert response.status == 401


async def test_a_token_signed_by_anyone_but_the_bot_framework_is_refused(secured: TestClient) -> None:
    now = datetime.now(UTC)
    forged = jwt.encode(
        {"iss": "https://attacker.example/", "aud": CREDENTIALS["MICROSOFT_APP_ID"], "serviceurl": "https://x/",
         "iat": now, "exp": now + timedelta(hours=1)},
        "attacker-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    activity = act.personal_message("https://smba.trafficmanager.net/emea/", "ben", "help")

    response = await secured.post("/api/messages", json=activity, headers={"Authorization": f"Bearer {forged}"})

    assert response.status == 401


def test_dev_mode_is_refused_off_loopback() -> None:
    core = Core(uow=unused_storage, notifier=RecordingNotifier(), clock=FakeClock())
    for host in ("0.0.0.0", "10.1.2.3", "guild.example.com", "::"):
        with pytest.raises(TeamsConfigError, match="loopback"):
            TeamsAdapter(settings=config.Settings(teams_dev_mode=True, host=host), core=core, uow=unused_storage)
        with pytest.raises(config.ConfigError, match="loopback"):
            config.load({"TEAMS_DEV_MODE": "1", "HOST": host})


def test_dev_mode_is_allowed_on_loopback_only_without_credentials() -> None:
    core = Core(uow=unused_storage, notifier=RecordingNotifier(), clock=FakeClock())
    for host in ("127.0.0.1", "::1", "localhost"):
        assert TeamsAdapter(settings=config.Settings(teams_dev_mode=True, host=host), core=core, uow=unused_storage)
    with pytest.raises(TeamsConfigError, match="MICROSOFT_APP_ID"):
        TeamsAdapter(settings=config.Settings(teams_dev_mode=True, host="127.0.0.1", microsoft_app_id="x",
                                              microsoft_app_password="y"), core=core, uow=unused_storage)


def test_without_credentials_or_dev_mode_teams_is_not_served() -> None:
    core = Core(uow=unused_storage, notifier=RecordingNotifier(), clock=FakeClock())

    with pytest.raises(TeamsConfigError, match="MICROSOFT_APP_PASSWORD"):
        TeamsAdapter(settings=config.Settings(host="127.0.0.1"), core=core, uow=unused_storage)


async def test_a_closed_adapter_asks_the_bot_service_to_come_back_later(teams: Teams) -> None:
    await teams.adapter.close()

    assert await teams.send(act.personal_message(teams.url, "ben", "help")) == 503
    assert not teams.connector.calls


async def test_a_turn_that_fails_gets_an_apology_not_a_500(connector) -> None:  # type: ignore[no-untyped-def]
    settings = config.load({"TEAMS_DEV_MODE": "1", "HOST": "127.0.0.1"})
    core = Core(uow=unused_storage, notifier=RecordingNotifier(), clock=FakeClock())
    app = web.Application()
    TeamsAdapter(settings=settings, core=core, uow=unused_storage).mount(app)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/messages", json=act.personal_message(connector.url, "ben", "help"))

    assert response.status == 201
    [apology] = connector.sent()
    assert apology.body["text"].startswith("Sorry — something went wrong on my side")
