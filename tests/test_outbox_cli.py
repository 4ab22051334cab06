"""`python app.py outbox` lists what is stuck and `outbox retry <id>|all` sends failed notices again."""

from __future__ import annotations

import io

import pytest

import app
import config
from handlers.types import CommunityRef, public
from tests.bot.slack.conftest import SECRET, TOKEN
from tests.bot.slack.fake_slack import TEAM, FakeSlack
from tests.fakes import FakeClock, queue

WORKSPACE = CommunityRef("slack", TEAM)


def settings_for(database_url: str, fake_slack: FakeSlack) -> config.Settings:
    return config.load({"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake_slack.api_url}, dotenv=None)


async def test_a_failed_post_is_listed_and_retry_sends_it_once(database_url: str, fake_slack: FakeSlack) -> None:
    settings = settings_for(database_url, fake_slack)
    guild = await app.build(settings, clock=FakeClock())
    try:
        fake_slack.not_in.add("CKUDOS")
        failed = await queue(guild.core, WORKSPACE, "post", "CKUDOS", public("Weekly recognition roundup"))
        sent = await queue(guild.core, WORKSPACE, "tell", "UBEN", public("You're in"))
    finally:
        await guild.close()

    listed = io.StringIO()
    assert await app.outbox_report(settings, listed) == 1
    [header, line, hint] = listed.getvalue().splitlines()
    assert header.split()[:4] == ["id", "state", "age", "kind"]
    assert line.split()[:2] == [str(failed), "failed"] and "post" in line and "slack:T0GUILD" in line
    assert line.rstrip().endswith("not_in_channel") and "CKUDOS" in line
    assert "outbox retry" in hint

    fake_slack.not_in.clear()
    said = io.StringIO()
    assert await app.outbox_retry(settings, str(sent), said) == 0  # only failed notices are retried
    assert await app.outbox_retry(settings, "all", said) == 1
    assert said.getvalue().splitlines() == [f"No failed notice to retry with id {sent}.", f"{failed}: sent"]
    assert [m["text"] for m in fake_slack.posted("CKUDOS")] == ["Weekly recognition roundup"]

    again = io.StringIO()
    assert await app.outbox_report(settings, again) == 0
    assert again.getvalue() == "Nothing stuck in the outbox.\n"


@pytest.mark.usefixtures("bare_sqlite")
def test_the_command_line_lists_and_refuses_a_bad_id(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert app.main(["outbox"], out=out) == 0
    assert out.getvalue() == "Nothing stuck in the outbox.\n"
    assert app.main(["outbox", "retry"], out=out) == 2
    with pytest.raises(SystemExit):
        app.main(["outbox", "retry", "seven"], out=out)
    assert "an outbox id (a number) or all" in capsys.readouterr().err
