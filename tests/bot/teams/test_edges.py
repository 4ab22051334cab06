"""Teams edges (issue 12, item 6): malformed bodies and tokens are 4xx, unhandled invokes get the answer Teams
expects, only Bot Framework hosts are called back, and a connector that never answers cannot hold a turn."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

import config
from bot.teams import adapter as teams_adapter
from bot.teams.adapter import TeamsAdapter
from bot.teams.service_urls import ServiceUrls
from handlers.core import Core
from storage.models import Conversation
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams
from tests.fakes import FakeClock, RecordingNotifier

APP_ID = "00000000-0000-0000-0000-000000000001"
PUBLIC = "https://smba.trafficmanager.net/emea/"


def unused_storage():  # type: ignore[no-untyped-def]
    raise AssertionError("a refused request must not reach the database")


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (json.dumps(act.personal_message(PUBLIC, "ben", "help")).encode("utf-16"), "application/json", 400),
    (json.dumps(act.personal_message(PUBLIC, "ben", "help")).encode("utf-16-le"), "application/json", 400),
    (json.dumps(act.personal_message(PUBLIC, "ben", "help")).encode(), "application/json; charset=bogus", 415),
    (json.dumps(act.personal_message(PUBLIC, "ben", "help")).encode("utf-16"), "application/json; charset=utf-16",
     415),
])
async def test_bodies_that_are_not_utf8_json_get_a_4xx(teams: Teams, body: bytes, content_type: str,
                                                       status: int) -> None:
    response = await teams.client.post("/api/messages", data=body, headers={"Content-Type": content_type})
    assert response.status == status
    assert not teams.connector.calls


async def test_utf8_with_its_charset_named_still_works(teams: Teams) -> None:
    body = json.dumps(act.personal_message(teams.url, "ben", "help")).encode()
    response = await teams.client.post("/api/messages", data=body,
                                       headers={"Content-Type": "application/json; charset=UTF-8"})
    assert response.status == 201
    assert any("what I can do" in " ".join(call.texts) for call in teams.connector.sent())


@pytest.fixture
async def secured(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[TestClient, rsa.RSAPrivateKey]]:
    """JWT validation on, with the Bot Framework's signing keys served from memory (one key, id "known")."""
    known = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(known.public_key()))
    jwk.update(kid="known", endorsements=["msteams"])

    async def refresh(self: _OpenIdMetadata) -> None:
        self.keys, self.last_updated = [jwk], datetime.now()

    monkeypatch.setattr(_OpenIdMetadata, "_refresh", refresh)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    settings = config.load({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "not-a-real-secret"})
    core = Core(uow=unused_storage, notifier=RecordingNotifier(), clock=FakeClock())
    app = web.Application()
    TeamsAdapter(settings=settings, core=core, uow=unused_storage).mount(app)
    async with TestClient(TestServer(app)) as client:
        yield client, known


def channel_token(key: rsa.RSAPrivateKey, kid: str) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": PUBLIC,
                       "nbf": now, "iat": now, "exp": now + timedelta(hours=1)}, key, algorithm="RS256",
                      headers={"kid": kid})


async def test_a_token_with_an_unknown_key_id_is_a_401(secured: tuple[TestClient, rsa.RSAPrivateKey]) -> None:
    client, _ = secured
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    activity = act.personal_message(PUBLIC, "ben", "help")
    response = await client.post("/api/messages", json=activity,
                                 headers={"Authorization": f"Bearer {channel_token(stranger, 'unknown-kid')}"})
    assert response.status == 401


async def test_a_token_with_a_known_key_id_but_another_signature_is_a_401(
    secured: tuple[TestClient, rsa.RSAPrivateKey]
) -> None:
    client, _ = secured
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = await client.post("/api/messages", json=act.personal_message(PUBLIC, "ben", "help"),
                                 headers={"Authorization": f"Bearer {channel_token(stranger, 'known')}"})
    assert response.status == 401


async def test_unreachable_signing_keys_are_a_503_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key fetch is Guild's own (async, with a timeout): a dead key endpoint asks Teams to retry."""
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    fetch = _OpenIdMetadata.get

    async def from_a_dead_endpoint(self: _OpenIdMetadata, key_id: str) -> object:
        self.url = "http://127.0.0.1:1/.well-known/openidconfiguration"
        return await fetch(self, key_id)

    monkeypatch.setattr(_OpenIdMetadata, "get", from_a_dead_endpoint)
    settings = config.load({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "not-a-real-secret"})
    core = Core(uow=unused_storage, notifier=RecordingNotifier(), clock=FakeClock())
    app = web.Application()
    TeamsAdapter(settings=settings, core=core, uow=unused_storage).mount(app)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/messages", json=act.personal_message(PUBLIC, "ben", "help"),
                                     headers={"Authorization": f"Bearer {channel_token(key, 'some-kid')}"})
    assert response.status == 503


async def test_an_invoke_guild_does_not_handle_gets_an_empty_200(teams: Teams) -> None:
    for name in ("composeExtension/query", "adaptiveCard/action", "task/fetch", None):
        invoke = act.personal_message(teams.url, "ben", "")
        invoke.update(type="invoke", name=name, value={"commandId": "search", "parameters": []})
        response = await teams.client.post("/api/messages", json=invoke)
        assert response.status == 200, name
        assert (await response.read()) in (b"", b"null")
    assert not teams.connector.sent()


@pytest.mark.parametrize("service_url", [
    "https://evil.example/", "http://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net.evil.example/",
    "https://user:pw@smba.trafficmanager.net/emea/", "https://botframework.com.evil.example/",
    "https://smba.trafficmanager.net:8443/emea/", "javascript:alert(1)",
])
async def test_a_service_url_off_the_allowlist_is_refused_and_never_called(teams: Teams, uow,  # type: ignore[no-untyped-def]
                                                                         service_url: str) -> None:
    response = await teams.client.post("/api/messages", json=act.personal_message(service_url, "ben", "help"))
    assert response.status == 403
    async with uow() as u:
        assert await u.session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_the_allowlist() -> None:
    default = ServiceUrls.configured([], dev_mode=False)
    for allowed in (PUBLIC, "https://smba.trafficmanager.net/amer/", "https://webchat.botframework.com/",
                    "https://europe.webchat.botframework.com/", "https://smba.infra.gcc.teams.microsoft.com/",
                    "https://smba.infra.gov.teams.microsoft.us/", "https://directline.botframework.azure.us/"):
        assert default.allows(allowed), allowed
    for refused in ("http://127.0.0.1:3978/", "https://localhost/", "https://[::1]/", "https://bots.example.com/",
                    "", None, "https://botframework.com/"):
        assert not default.allows(refused), refused
    dev = ServiceUrls.configured([], dev_mode=True)
    assert dev.allows("http://127.0.0.1:3978/") and dev.allows("http://localhost:55/") and dev.allows(PUBLIC)
    extra = ServiceUrls.configured(["bots.example.com", "*.relay.example", "https://proxy.example/teams/"],
                                   dev_mode=False)
    assert extra.allows("https://bots.example.com/v3/") and extra.allows("https://eu.relay.example/")
    assert extra.allows("https://proxy.example/teams/emea/") and not extra.allows("https://proxy.example/other/")
    assert not extra.allows("http://bots.example.com/") and not extra.allows("https://relay.example/")


def test_teams_service_urls_is_a_setting() -> None:
    settings = config.load({"TEAMS_SERVICE_URLS": "bots.example.com, *.relay.example,https://proxy.example/t/"},
                           dotenv=None)
    assert settings.teams_service_urls == ("bots.example.com", "*.relay.example", "https://proxy.example/t/")
    for wrong in ("http://proxy.example/", "bad host/", "*."):
        with pytest.raises(config.ConfigError, match="TEAMS_SERVICE_URLS"):
            config.load({"TEAMS_SERVICE_URLS": wrong}, dotenv=None)


async def test_a_connector_that_never_answers_cannot_hold_the_turn(teams: Teams, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A loopback "connector" that accepts and never answers: one attempt, cut at the timeout, turn over."""
    monkeypatch.setattr(teams_adapter, "CONNECTOR_TIMEOUT_SECONDS", 0.5)
    attempts: list[int] = []
    release = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        attempts.append(1)
        await release.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        response = await teams.client.post(
            "/api/messages", json=act.personal_message(f"http://127.0.0.1:{port}/", "ben", "help"))
        assert response.status == 201  # the turn ended (its error handler logged the failed reply)
        assert len(attempts) == 2  # the reply, then the apology: each tried once, never retried
    finally:
        release.set()
        server.close()
        await server.wait_closed()
    assert "teams turn failed" in caplog.text
