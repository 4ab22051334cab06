"""Malformed Slack headers and bodies get a 4xx, never a 500, and nothing is recorded (issue 12, item 6)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from storage.models import Kudos
from tests.bot.slack.conftest import SECRET, SlackHarness, signed
from tests.bot.slack.fake_slack import TEAM

FORM = "application/x-www-form-urlencoded"
KUDOS = urlencode({"team_id": TEAM, "channel_id": "CGENERAL", "user_id": "UANA", "command": "/kudos",
                   "text": "<@UBEN> thanks for the calm release demo", "trigger_id": "t-edges"})


def signed_at(timestamp: str, body: str = KUDOS) -> dict[str, str]:
    """Correctly signed for ``timestamp`` as given: only the timestamp's form is wrong."""
    return {"X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)}


@pytest.mark.parametrize("timestamp", ["abc", f"{int(time.time())}.5", "", " 12", "-5", "1e9", "９９", "9" * 40])
async def test_a_malformed_timestamp_is_a_401(slack: SlackHarness, timestamp: str) -> None:
    response = await slack.http.post("/slack/events", data=KUDOS.encode(),
                                     headers={"Content-Type": FORM, **signed_at(timestamp)})
    assert response.status == 401
    assert await slack.count(Kudos) == 0


@pytest.mark.parametrize("signature", ["v0=é" + "0" * 63, "v0=", "nonsense", "v0=" + "G" * 64])
async def test_a_malformed_signature_is_a_401(slack: SlackHarness, signature: str) -> None:
    headers = {"Content-Type": FORM, **signed(KUDOS), "X-Slack-Signature": signature}
    response = await slack.http.post("/slack/events", data=KUDOS.encode(), headers=headers)
    assert response.status == 401


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (KUDOS.encode("utf-16"), FORM, 400),
    (KUDOS.encode() + b"\xff", FORM, 400),
    (KUDOS.encode(), f"{FORM}; charset=bogus", 415),
    (KUDOS.encode(), f"{FORM}; charset=utf-16", 415),
])
async def test_a_body_that_is_not_utf8_is_a_4xx(slack: SlackHarness, body: bytes, content_type: str,
                                                status: int) -> None:
    text = body.decode("latin-1")  # signed over the exact bytes, as Slack would
    headers = {"Content-Type": content_type, **signed(text)}
    response = await slack.http.post("/slack/events", data=body, headers=headers)
    assert response.status == status
    assert await slack.count(Kudos) == 0


async def test_a_well_formed_request_still_goes_through(slack: SlackHarness) -> None:
    response = await slack.http.post("/slack/events", data=KUDOS.encode(), headers={"Content-Type": FORM,
                                                                                  **signed(KUDOS)})
    assert response.status == 200
    await slack.fake.wait_for("chat.postMessage")
    assert await slack.count(Kudos) == 1
