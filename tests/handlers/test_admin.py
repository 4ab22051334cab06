import pytest
from sqlalchemy import select

from handlers.context import CoreSettings
from handlers.core import Core
from storage.models import Community, Member, TrainerProfile
from tests.fakes import Chat, RecordingNotifier


async def stored(uow, *columns) -> tuple:  # type: ignore[no-untyped-def]
    """The community's settings in ``columns``."""
    async with uow() as u:
        return tuple((await u.session.execute(select(*columns))).one())


async def roles(uow, user_id: str) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """(is_admin, is_leader)"""
    async with uow() as u:
        row = (
            await u.session.execute(select(Member.is_admin, Member.is_leader).where(Member.user_id == user_id))
        ).one()
        return row.is_admin, row.is_leader


async def trainer_status(uow, user_id: str) -> str | None:  # type: ignore[no-untyped-def]
    async with uow() as u:
        return await u.session.scalar(
            select(TrainerProfile.status)
            .join(Member, Member.id == TrainerProfile.member_id)
            .where(Member.user_id == user_id)
        )


@pytest.mark.parametrize(
    "command",
    [
        "admin grant admin @ben",
        "admin trainer pause @ben",
        "admin channel roundup #learning",
        "admin schedule roundup monday 09:30",
        "admin schedule digest weekly",
        "admin timezone Europe/Berlin",
        "admin kudos-emoji tada",
        "admin kudos-limit 5",
        "admin burnout 8",
        "admin show",
    ],
)
async def test_members_who_are_not_admins_are_politely_refused(chat: Chat, uow, command: str) -> None:
    await chat.say("ben", "kudos top")
    reply = await chat.say("ana", command)
    assert not reply.public
    assert reply.text.startswith("Only Guild admins can do that.")
    limit_zone_channel = (Community.daily_kudos_limit, Community.timezone, Community.roundup_channel)
    assert await stored(uow, *limit_zone_channel) == (10, None, None)
    assert await roles(uow, "ben") == (False, False)


async def test_admins_grant_and_revoke_roles_and_people_are_told(chat: Chat, uow, notifier: RecordingNotifier) -> None:
    assert (await chat.say("root", "admin grant leader @ben @cy")).text == "<@ben> and <@cy> are now Guild leaders."
    assert (await chat.say("root", "admin grant admin @ana")).text == "<@ana> is now a Guild admin."
    assert await roles(uow, "ben") == (False, True)
    assert await roles(uow, "ana") == (True, False)
    assert notifier.dms_to("ben") == ["You're now a Guild leader (set by <@root>)."]

    # the new admin can act, and revoke
    assert (await chat.say("ana", "admin revoke leader @cy")).text == "<@cy> is no longer a Guild leader."
    assert await roles(uow, "cy") == (False, False)
    await chat.say("root", "admin revoke admin @ana")
    assert (await chat.say("ana", "admin show")).text.startswith("Only Guild admins")


async def test_admins_from_guild_admins_are_removed_only_in_the_settings(
    chat: Chat, uow, notifier: RecordingNotifier  # type: ignore[no-untyped-def]
) -> None:
    await chat.say("root", "admin grant admin @ana")
    refused = await chat.say("ana", "admin revoke admin @root")
    assert "<@root>: admin through GUILD_ADMINS" in refused.text
    assert (await chat.say("root", "admin show")).title is not None  # root is still an admin
    assert notifier.dms_to("root") == []

    mixed = await chat.say("root", "admin revoke admin @ana @root")
    assert mixed.text == ("<@ana> is no longer a Guild admin. <@root>: admin through GUILD_ADMINS, which only the "
                          "deployment's settings change.")
    assert await roles(uow, "ana") == (False, False)


async def test_admins_pause_stop_and_activate_trainers_who_are_told(
    chat: Chat, uow, notifier: RecordingNotifier
) -> None:
    await chat.say("ben", "volunteer sql")

    reply = await chat.say("root", "admin trainer pause @ben @cy")
    assert reply.text == "<@ben>: now paused. (<@cy> never volunteered, so I left them alone.)"
    assert await trainer_status(uow, "ben") == "paused"
    assert "paused your Guild trainer role" in notifier.dms_to("ben")[-1]

    await chat.say("root", "admin trainer stop @ben")
    assert await trainer_status(uow, "ben") == "stopped"

    await chat.say("root", "admin trainer activate @ben")
    assert await trainer_status(uow, "ben") == "active"
    assert "active Guild trainer" in notifier.dms_to("ben")[-1]


async def test_changing_trainers_who_never_volunteered_is_refused(chat: Chat) -> None:
    reply = await chat.say("root", "admin trainer activate @cy")
    assert "never volunteered" in reply.text


async def test_channels_are_set_by_name_or_to_where_the_admin_speaks(chat: Chat, uow) -> None:
    await chat.say("root", "admin channel roundup #learning")
    await chat.say("root", "admin channel digest <#C42|leadership>")
    await chat.say("root", "admin channel milestones", channel="wins")

    channels = (Community.roundup_channel, Community.digest_channel, Community.milestones_channel)
    assert await stored(uow, *channels) == ("learning", "C42", "wins")


async def test_a_channel_must_be_named_outside_channels(chat: Chat, uow) -> None:
    await chat.say("root", "admin channel digest #leadership")
    reply = await chat.say("root", "admin channel roundup", channel=None)
    assert reply.text.startswith("Which channel?")
    assert await stored(uow, Community.roundup_channel) == (None,)


async def test_every_setting_is_stored(chat: Chat, uow) -> None:
    for command in (
        "admin schedule roundup monday 09:30",
        "admin schedule digest quarterly",
        "admin timezone europe/berlin",
        "admin kudos-emoji :tada:",
        "admin kudos-limit 5",
        "admin burnout 8",
    ):
        assert not (await chat.say("root", command)).text.startswith("Only")

    schedule = (Community.roundup_day, Community.roundup_time, Community.digest_frequency)
    assert await stored(uow, *schedule) == ("mon", "09:30", "quarterly")
    assert await stored(uow, Community.timezone, Community.kudos_emoji) == ("Europe/Berlin", "tada")
    assert await stored(uow, Community.daily_kudos_limit, Community.burnout_threshold) == (5, 8)


async def test_unknown_time_zones_are_refused_kindly(chat: Chat, uow) -> None:
    await chat.say("root", "admin kudos-limit 4")
    reply = await chat.say("root", "admin timezone Mars/Olympus")
    assert "I don't know the time zone `Mars/Olympus`" in reply.text
    assert await stored(uow, Community.timezone) == (None,)


async def test_settings_changes_reach_the_scheduler_listeners(uow, notifier: RecordingNotifier, clock) -> None:  # type: ignore[no-untyped-def]
    core = Core(uow=uow, notifier=notifier, clock=clock, settings=CoreSettings(admins=frozenset({"root"})))
    changed: list[str] = []

    async def listener(ref) -> None:  # type: ignore[no-untyped-def]
        changed.append(ref.external_id)

    core.on_settings_changed.append(listener)
    chat = Chat(core)
    await chat.say("root", "admin schedule digest weekly")
    await chat.say("root", "admin show")
    await chat.say("ana", "admin kudos-limit 3")
    assert changed == ["test-community"]


async def test_admin_show_lists_settings_admins_and_leaders(chat: Chat) -> None:
    await chat.say("root", "admin grant admin @ana")
    await chat.say("root", "admin grant leader @ben")
    await chat.say("root", "admin channel roundup #learning")

    reply = await chat.say("ana", "admin show")
    settings, people = (dict(section.fields) for section in reply.sections)
    assert settings["Roundup channel"] == "#learning"
    assert settings["Roundup"] == "Friday 16:00"
    assert settings["Daily kudos limit"] == "10"
    assert settings["Time zone"] == "UTC (deployment default)"
    assert people == {"Admins": "<@ana>, <@root>", "Leaders": "<@ben>"}


async def test_admin_set_stores_each_setting_and_admin_show_lists_it(chat: Chat, uow) -> None:
    assert (await chat.say("root", "admin set closeout-days 5")).text == (
        "Sessions nobody closes are closed by Guild 5 days after they end.")
    reply = await chat.say("root", "admin set guide <https://wiki.example.com/trainers|Trainer guide>")
    assert reply.text == ("The trainer guide is https://wiki.example.com/trainers; "
                          "the onboarding checklist links to it.")
    assert await stored(uow, Community.closeout_days, Community.trainer_guide_url) == (
        5, "https://wiki.example.com/trainers")
    settings = dict((await chat.say("root", "admin show")).sections[0].fields)
    assert settings["Close-out after"] == "5 days"
    assert settings["Trainer guide"] == "https://wiki.example.com/trainers"
    await chat.say("root", "admin set guide none")
    assert await stored(uow, Community.trainer_guide_url) == (None,)


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("admin set closeout-days 0", "from 1 to 7"),
        ("admin set closeout-days 30", "from 1 to 7"),
        ("admin set guide wiki page", "Give a web link"),
        ("admin set colour blue", "`colour` isn't a setting I know"),
        ("admin set", "Settings: `closeout-days`, `guide`"),
        ("admin set closeout-days", "What should closeout-days be?"),
    ],
)
async def test_bad_settings_are_refused_with_the_reason_and_nothing_changes(
    chat: Chat, uow, command: str, reason: str
) -> None:
    await chat.say("root", "admin show")
    reply = await chat.say("root", command)
    assert reason in reply.text and not reply.public
    assert await stored(uow, Community.closeout_days, Community.trainer_guide_url) == (3, None)


async def test_only_admins_change_settings(chat: Chat, uow) -> None:
    reply = await chat.say("ana", "admin set closeout-days 2")
    assert reply.text.startswith("Only")
