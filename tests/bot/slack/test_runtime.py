"""A listener's ack leaves at once: Bolt answers as soon as the listener acknowledged, not at its next
10 ms poll, while the rest of the listener finishes in the background (and is waited for on shutdown)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.runtime import InFlight, acked_early
from tests.bot.slack.conftest import SECRET, signed

FORM = {"content-type": ["application/x-www-form-urlencoded"]}


def command(text: str) -> AsyncBoltRequest:
    body = urlencode({"team_id": "T1", "user_id": "U1", "channel_id": "C1", "command": "/guild", "text": text,
                      "trigger_id": "t", "response_url": "http://127.0.0.1:9/r"})
    headers = {**FORM, **{name.lower(): [value] for name, value in signed(body).items()}}
    return AsyncBoltRequest(body=body, headers=headers)


def app_with(listener: Any, inflight: InFlight) -> AsyncApp:
    async def authorize(**_: Any) -> AuthorizeResult:  # no auth.test: nothing here may call Slack
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UB")

    app = AsyncApp(signing_secret=SECRET, authorize=authorize, process_before_response=True)
    app.command("/guild")(acked_early(listener, inflight))
    return app


async def test_bolt_answers_once_the_listener_acked_and_the_rest_runs_after() -> None:
    inflight, release, finished = InFlight(), asyncio.Event(), []

    async def listener(ack: Any, body: dict[str, Any]) -> None:
        await ack(text=f"got {body['text']}")
        await release.wait()  # the work after the ack: nobody waits for it
        finished.append(body["text"])

    response = await asyncio.wait_for(app_with(listener, inflight).async_dispatch(command("hello")), 1)

    assert response.status == 200 and "got hello" in response.body
    assert finished == []
    release.set()
    await asyncio.wait_for(inflight.idle(), 1)
    assert finished == ["hello"]


async def test_a_failure_before_the_ack_is_bolts_to_answer() -> None:
    async def listener(ack: Any) -> None:
        raise RuntimeError("broken before the ack")

    response = await app_with(listener, InFlight()).async_dispatch(command("x"))

    assert response.status == 500


async def test_a_failure_after_the_ack_is_logged_and_the_ack_still_goes(caplog: pytest.LogCaptureFixture) -> None:
    inflight = InFlight()

    async def listener(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await asyncio.sleep(0)
        raise RuntimeError("broken after the ack")

    with caplog.at_level(logging.ERROR, logger="guild.slack"):
        response = await app_with(listener, inflight).async_dispatch(command("x"))
        await asyncio.wait_for(inflight.idle(), 1)

    assert response.status == 200
    failed = [r for r in caplog.records if r.getMessage() == "slack listener failed"]
    assert len(failed) == 1 and "broken after the ack" in str(failed[0].exc_info[1])
