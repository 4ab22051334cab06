"""`python app.py inbox` lists acknowledged work given up or late; `inbox retry <id>|all` makes given-up work due
again, and a running instance's sweeper then does it once."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

import app
from bot.inbox import MAX_ATTEMPTS
from storage import inbox as rows
from storage.models import InboxItem, Kudos
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.test_inbox import FORM, kudos
from tests.test_outbox_cli import settings_for


async def left(engine: AsyncEngine, key: str, body: str, *, ago: timedelta, attempts: int, due_in: timedelta,
               error: str) -> int:
    """A row recorded ``ago``, tried ``attempts`` times, next due ``due_in`` from now; its id."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await rows.record(conn, platform="slack", key=key, kind="command", payload=body, content_type=FORM,
                          owner="gone:1", now=now - ago, lease=timedelta(0))
        await conn.execute(update(InboxItem).where(InboxItem.key == key).values(
            attempts=attempts, claimed_by=None, claimed_until=now + due_in, last_error=error))
        return int(await conn.scalar(select(InboxItem.id).where(InboxItem.key == key)) or 0)


async def test_given_up_work_is_listed_and_retry_makes_it_due_for_a_sweeper_that_does_it_once(
    database_url: str, engine: AsyncEngine, fake_slack: FakeSlack,
) -> None:
    settings = settings_for(database_url, fake_slack)
    failed = await left(engine, "slack:request:gave-up", kudos(fake_slack, 1), ago=timedelta(hours=2),
                        attempts=MAX_ATTEMPTS, due_in=timedelta(0), error="OperationalError: server closed")
    late = await left(engine, "slack:request:late", kudos(fake_slack, 2), ago=timedelta(minutes=20), attempts=2,
                      due_in=timedelta(minutes=1), error="OperationalError: timeout")
    await left(engine, "slack:request:fresh", kudos(fake_slack, 3), ago=timedelta(minutes=1), attempts=1,
               due_in=timedelta(minutes=1), error="OperationalError: timeout")

    listed = io.StringIO()
    assert await app.inbox_report(settings, listed) == 2
    [header, first, second, hint] = listed.getvalue().splitlines()
    assert header.split()[:5] == ["id", "state", "age", "platform", "kind"]
    assert first.split()[:6] == [str(failed), "failed", "2h00m", "slack", "command", str(MAX_ATTEMPTS)]
    assert first.rstrip().endswith("OperationalError: server closed")
    assert second.split()[:3] == [str(late), "waiting", "20m"]
    assert "inbox retry" in hint

    said = io.StringIO()
    assert await app.inbox_retry(settings, str(late), said) == 0  # only given-up work is retried
    assert await app.inbox_retry(settings, "all", said) == 1
    [refused, due] = said.getvalue().splitlines()
    assert refused == f"No failed delivery to retry with id {late}."
    assert due.startswith(f"Due again: {failed}.")

    guild = await app.build(settings)  # a running instance
    try:
        assert guild.sweeper is not None and await guild.sweeper.sweep() == 1
        await guild.slack.idle()
        assert await guild.sweeper.sweep() == 0
    finally:
        await guild.close()
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Kudos)) == 1
        assert await conn.scalar(select(InboxItem.done_at).where(InboxItem.id == failed)) is not None
    assert len(fake_slack.posted("CGENERAL")) == 1

    again = io.StringIO()
    assert await app.inbox_report(settings, again) == 1  # the late one is still backing off
    assert again.getvalue().splitlines()[1].split()[:2] == [str(late), "waiting"]


@pytest.mark.usefixtures("bare_sqlite")
def test_the_command_line_lists_and_refuses_a_bad_id(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert app.main(["inbox"], out=out) == 0
    assert app.main(["inbox", "retry", "all"], out=out) == 0
    assert out.getvalue() == "Nothing stuck in the inbox.\nNo failed delivery to retry.\n"
    assert app.main(["inbox", "retry"], out=out) == 2
    assert "Which delivery?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        app.main(["inbox", "retry", "seven"], out=out)
    assert "an inbox id (a number) or all" in capsys.readouterr().err
