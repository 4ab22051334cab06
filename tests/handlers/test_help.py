from tests.fakes import Chat


async def test_help_lists_the_commands_members_use(chat: Chat) -> None:
    reply = await chat.say("ana", "help")
    overview = reply.sections[0].text
    assert "`kudos`" in overview and "`sessions`" in overview
    assert "`admin`" not in overview
    assert not reply.public


async def test_admins_see_admin_commands_in_help(chat: Chat) -> None:
    reply = await chat.say("root", "help")
    assert "`admin`" in reply.sections[0].text


async def test_help_for_one_command_shows_its_usage(chat: Chat) -> None:
    reply = await chat.say("ana", "help signup")
    assert "signup <id>" in reply.text


async def test_unknown_command_gets_friendly_usage(chat: Chat) -> None:
    reply = await chat.say("ana", "frobnicate now")
    assert "don't know the command `frobnicate`" in reply.text
    assert "help [command]" in reply.text
    assert not reply.public


async def test_a_repeated_delivery_is_ignored(chat: Chat) -> None:
    assert await chat.core.handle(chat.message("ana", "help", key="evt-1")) is not None
    assert await chat.core.handle(chat.message("ana", "help", key="evt-1")) is None
