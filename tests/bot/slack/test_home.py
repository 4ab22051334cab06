"""The App Home tab: the person's own dashboard, built from the same answers as `me` and `sessions`."""

from __future__ import annotations

from bot.slack import blocks
from storage.models import Enrollment
from tests.bot.slack.conftest import SlackHarness
from tests.bot.slack.test_blocks import check_limits
from tests.bot.slack.test_interactions import schedule


async def open_home(slack: SlackHarness, user: str = "UANA") -> None:
    await slack.event({"type": "app_home_opened", "user": user, "channel": "DHOME", "tab": "home",
                       "event_ts": "1763888400.000100"})


async def test_opening_home_publishes_my_sessions_profile_sessions_and_quick_actions(slack: SlackHarness) -> None:
    await schedule(slack)
    await slack.command("/kudos", "<@UANA> thanks for the warm welcome", user="UBEN")
    await slack.fake.wait_for("chat.postMessage", where=lambda c: "warm welcome" in str(c.body))
    await open_home(slack)
    [published] = await slack.fake.wait_for("views.publish")
    view = published.json("view")
    assert published.body["user_id"] == "UANA" and view["type"] == "home"
    text = str(view["blocks"])
    assert "Your Guild profile" in text and "SQL joins" in text
    assert "Your upcoming sessions" in text and "thanks for the warm welcome" in text
    values = [e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    values += [b["accessory"]["value"] for b in view["blocks"] if "accessory" in b]
    assert {"signup 1", "kudos", "session new", "kudos top"} <= set(values)
    check_limits(view["blocks"], blocks.SURFACE_BLOCKS)


async def test_the_messages_tab_opening_publishes_nothing(slack: SlackHarness) -> None:
    await slack.event({"type": "app_home_opened", "user": "UANA", "channel": "DHOME", "tab": "messages"})
    await slack.idle()
    assert not slack.fake.of("views.publish")


async def test_a_button_on_home_answers_by_dm_and_refreshes_the_tab(slack: SlackHarness) -> None:
    await schedule(slack)
    await slack.click("signup 1", home=True)
    [dm] = await slack.fake.wait_for("chat.postMessage", where=lambda c: c.body.get("channel") == "DUANA")
    [published] = await slack.fake.wait_for("views.publish")
    assert "SQL joins" in dm.body["text"] or "seat" in dm.body["text"].lower()
    assert "Cancel my seat" in str(published.json("view")["blocks"])
    assert await slack.count(Enrollment, Enrollment.status == "confirmed") == 1


async def test_many_sessions_stay_within_the_home_tab_limit(slack: SlackHarness) -> None:
    await slack.command("/volunteer", "sql", user="UBEN")
    await slack.fake.wait_for("respond:cmd-UBEN")
    for n in range(1, 31):
        await slack.command("/guild", f'session new "Session {n}" 2026-12-{n:02d} 14:00 60m 5', user="UBEN")
    await slack.fake.wait_for("chat.postMessage", 30, within=30)
    await open_home(slack)
    [published] = await slack.fake.wait_for("views.publish")
    check_limits(published.json("view")["blocks"], blocks.SURFACE_BLOCKS)
