from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from handlers.kudos import chat_kudos, revoke_reaction_kudos
from storage.models import Kudos, KudosValue, Member
from tests.fakes import Chat, FakeClock, RecordingNotifier

Giver, Receiver = aliased(Member), aliased(Member)


async def kudos_rows(uow) -> list[tuple[str, str, str, str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    """(giver, receiver, message, source, source_ref, channel) for every stored kudos, oldest first."""
    async with uow() as u:
        rows = await u.session.execute(
            select(Giver.user_id, Receiver.user_id, Kudos.message, Kudos.source, Kudos.source_ref, Kudos.channel)
            .join(Giver, Giver.id == Kudos.giver_id)
            .join(Receiver, Receiver.id == Kudos.receiver_id)
            .order_by(Kudos.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def values_by_receiver(uow) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    async with uow() as u:
        rows = await u.session.execute(
            select(Member.user_id, KudosValue.value)
            .join(Kudos, Kudos.id == KudosValue.kudos_id)
            .join(Member, Member.id == Kudos.receiver_id)
            .order_by(Member.user_id, KudosValue.value)
        )
        found: dict[str, list[str]] = {}
        for user_id, value in rows:
            found.setdefault(user_id, []).append(value)
        return found


async def execute(chat: Chat, who: str, use_case, *, mention: str = ""):  # type: ignore[no-untyped-def]
    return await chat.core.execute(chat.message(who, mention), use_case)


# --- kudos by command -----------------------------------------------------------------------------------------


async def test_kudos_are_announced_stored_and_told_to_the_receiver(
    chat: Chat, uow, notifier: RecordingNotifier
) -> None:
    reply = await chat.say("ana", "kudos @ben thanks for the patient SQL demo #teamwork #craft")

    assert reply.public
    assert reply.text == "<@ana> thanked <@ben>: “thanks for the patient SQL demo” #teamwork #craft"
    assert reply.names == {"ana": "Ana", "ben": "Ben"}
    assert await kudos_rows(uow) == [("ana", "ben", "thanks for the patient SQL demo", "command", None, "general")]
    assert await values_by_receiver(uow) == {"ben": ["craft", "teamwork"]}
    assert notifier.dms_to("ben") == ["🎉 <@ana> thanked you: “thanks for the patient SQL demo” #teamwork #craft"]


async def test_kudos_to_several_people_store_one_row_and_values_each(
    chat: Chat, uow, notifier: RecordingNotifier
) -> None:
    reply = await chat.say("ana", "kudos @ben @cy @dee great workshop together #teamwork")

    assert reply.text == "<@ana> thanked <@ben>, <@cy> and <@dee>: “great workshop together” #teamwork"
    assert [row[1] for row in await kudos_rows(uow)] == ["ben", "cy", "dee"]
    assert await values_by_receiver(uow) == {"ben": ["teamwork"], "cy": ["teamwork"], "dee": ["teamwork"]}
    assert {to.user_id for to, _ in notifier.told} == {"ben", "cy", "dee"}


async def test_nobody_can_thank_only_themselves(chat: Chat, uow) -> None:
    reply = await chat.say("ana", "kudos @ana for being so great")

    assert not reply.public
    assert "can't give kudos to yourself" in reply.text
    assert await kudos_rows(uow) == []


async def test_a_list_including_the_giver_thanks_the_others_and_says_why(
    chat: Chat, uow, notifier: RecordingNotifier
) -> None:
    reply = await chat.say("ana", "kudos @ana @ben we shipped the course")

    assert reply.text == "<@ana> thanked <@ben>: “we shipped the course”"
    assert [row[1] for row in await kudos_rows(uow)] == ["ben"]
    assert notifier.dms_to("ana") == ["I left you out of that kudos — thanking yourself doesn't count. 🙂"]


async def test_the_daily_limit_resets_at_the_givers_local_midnight(core, clock: FakeClock, uow) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(core, timezones={"ana": "Asia/Tokyo"})  # 09:00 UTC is 18:00 in Tokyo
    await chat.say("root", "admin kudos-limit 3")
    await chat.say("ana", "kudos @ben @cy thanks for the help")

    refused = await chat.say("ana", "kudos @dee @eve thanks for the help")
    assert "1 kudos left today" in refused.text and "daily limit is 3" in refused.text
    await chat.say("ana", "kudos @dee thanks for the help")
    assert "all 3 of today's kudos" in (await chat.say("ana", "kudos @eve thanks for the help")).text

    clock.now = datetime(2026, 11, 23, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo
    assert not (await chat.say("ana", "kudos @eve thanks for the help")).public
    clock.now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # midnight in Tokyo
    assert (await chat.say("ana", "kudos @eve thanks for the help")).public

    assert [row[1] for row in await kudos_rows(uow)] == ["ben", "cy", "dee", "eve"]


async def test_the_limit_is_per_giver(chat: Chat) -> None:
    await chat.say("root", "admin kudos-limit 1")
    assert (await chat.say("ana", "kudos @cy thanks for the help")).public
    assert (await chat.say("ben", "kudos @cy thanks for the help")).public


async def test_kudos_alone_explains_how_to_give_them(chat: Chat) -> None:
    reply = await chat.say("ana", "kudos")
    assert not reply.public
    assert "kudos <@person>… <message>" in reply.sections[0].text


# --- leaderboard ----------------------------------------------------------------------------------------------


async def test_leaderboard_counts_the_week_month_and_all_time(chat: Chat, clock: FakeClock) -> None:
    clock.now = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # October
    await chat.say("ana", "kudos @cy @dee thanks for the old help")
    clock.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # Sunday, last week
    await chat.say("ana", "kudos @ben thanks for the help")
    await chat.say("cy", "kudos @ben thanks for the help")
    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday
    await chat.say("ana", "kudos @cy thanks for the help")

    week = await chat.say("ana", "kudos top")
    assert week.sections[0].text == "1. <@cy> — 1 kudos"
    month = await chat.say("ana", "kudos top month")
    assert month.sections[0].text == "1. <@ben> — 2 kudos\n2. <@cy> — 1 kudos"
    all_time = await chat.say("ana", "kudos top all")
    tied_with_earlier_member_first = "1. <@cy> — 2 kudos\n2. <@ben> — 2 kudos\n3. <@dee> — 1 kudos"
    assert all_time.sections[0].text == tied_with_earlier_member_first
    assert [b.command for b in all_time.buttons] == ["kudos top week", "kudos top month"]


async def test_the_week_begins_on_monday_in_the_communitys_time_zone(chat: Chat, clock: FakeClock) -> None:
    await chat.say("root", "admin timezone Pacific/Auckland")  # UTC+13 in November
    clock.now = datetime(2026, 11, 22, 10, 59, tzinfo=UTC)  # Sunday 23:59 in Auckland
    await chat.say("ana", "kudos @ben thanks for the help")
    clock.now = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)  # Monday 00:00 in Auckland
    await chat.say("ana", "kudos @cy thanks for the help")

    assert (await chat.say("ana", "kudos top week")).sections[0].text == "1. <@cy> — 1 kudos"


async def test_people_who_opt_out_leave_the_leaderboard_and_may_return(chat: Chat) -> None:
    await chat.say("ana", "kudos @ben @cy thanks for the help")
    await chat.say("ana", "kudos @ben thanks again for the help")

    assert "won't appear" in (await chat.say("ben", "kudos optout")).text
    assert (await chat.say("ana", "kudos top")).sections[0].text == "1. <@cy> — 1 kudos"
    await chat.say("ben", "kudos optin")
    assert (await chat.say("ana", "kudos top")).sections[0].text == "1. <@ben> — 2 kudos\n2. <@cy> — 1 kudos"


async def test_an_empty_leaderboard_invites_the_first_kudos(chat: Chat) -> None:
    reply = await chat.say("ana", "kudos top month")
    assert reply.text.startswith("No kudos this month yet")


# --- kudos from chat ------------------------------------------------------------------------------------------


async def test_a_message_with_the_kudos_emoji_thanks_the_people_it_mentions_once(
    chat: Chat, uow, notifier: RecordingNotifier
) -> None:
    text = "<@ben> <@cy> :clap: :clap::skin-tone-2: you rock #craft"
    use_case = chat_kudos(["ben", "cy"], text, source="message", source_ref="general/1700000000.1")

    reply = await execute(chat, "ana", use_case, mention="@ben @cy")
    assert reply is not None and reply.public
    assert reply.text == "<@ana> thanked <@ben> and <@cy>: “you rock #craft”"
    edited = await execute(chat, "ana", use_case, mention="@ben @cy")
    assert edited is not None and not edited.public

    assert await kudos_rows(uow) == [
        ("ana", "ben", "you rock #craft", "message", "general/1700000000.1", "general"),
        ("ana", "cy", "you rock #craft", "message", "general/1700000000.1", "general"),
    ]
    assert await values_by_receiver(uow) == {"ben": ["craft"], "cy": ["craft"]}
    assert len(notifier.dms_to("ben")) == 1


async def test_an_edit_that_adds_a_person_thanks_only_the_new_one(chat: Chat, uow) -> None:
    await execute(chat, "ana", chat_kudos(["ben"], "<@ben> :clap:", source="message", source_ref="m1"), mention="@ben")
    await execute(
        chat, "ana", chat_kudos(["ben", "cy"], "<@ben> <@cy> :clap:", source="message", source_ref="m1"), mention="@cy"
    )
    assert [row[1] for row in await kudos_rows(uow)] == ["ben", "cy"]


async def test_a_reaction_thanks_the_author_with_their_message(chat: Chat, uow) -> None:
    use_case = chat_kudos(["ben"], "Fixed", source="reaction", source_ref="m7/ana")

    reply = await execute(chat, "ana", use_case, mention="@ben")
    assert reply is not None and not reply.public and reply.text == "You thanked <@ben>."
    assert await kudos_rows(uow) == [("ana", "ben", "Fixed", "reaction", "m7/ana", "general")]


async def test_reacting_to_your_own_message_is_not_kudos(chat: Chat, uow) -> None:
    reply = await execute(chat, "ben", chat_kudos(["ben"], "my own note", source="reaction", source_ref="m7/ben"))
    assert reply is not None and "yourself" in reply.text
    assert await kudos_rows(uow) == []


async def test_a_kudos_message_that_mentions_nobody_records_nothing(chat: Chat, uow) -> None:
    reply = await execute(chat, "ana", chat_kudos([], ":clap: team", source="message", source_ref="m3"))
    assert reply is not None and reply.text.startswith("Mention who you'd like to thank.")
    assert await kudos_rows(uow) == []


async def test_chat_kudos_count_towards_the_daily_limit(chat: Chat, uow) -> None:
    await chat.say("root", "admin kudos-limit 1")
    await chat.say("ana", "kudos @cy thanks for the help")
    reply = await execute(chat, "ana", chat_kudos(["ben"], "nice", source="reaction", source_ref="m9/ana"))
    assert reply is not None and "all 1 of today's kudos" in reply.text
    assert [row[1] for row in await kudos_rows(uow)] == ["cy"]


async def test_removing_a_reaction_takes_back_only_that_givers_kudos(chat: Chat, uow) -> None:
    await execute(chat, "ana", chat_kudos(["ben"], "Fixed", source="reaction", source_ref="m7/ana"))
    await execute(chat, "cy", chat_kudos(["ben"], "Fixed", source="reaction", source_ref="m7/cy"))

    assert (await execute(chat, "cy", revoke_reaction_kudos("m7/ana"))).text.startswith("There were no kudos")
    reply = await execute(chat, "ana", revoke_reaction_kudos("m7/ana"))
    assert reply is not None and reply.text == "Took back your kudos to <@ben>."
    assert await kudos_rows(uow) == [("cy", "ben", "Fixed", "reaction", "m7/cy", "general")]

    again = await execute(chat, "ana", chat_kudos(["ben"], "Fixed", source="reaction", source_ref="m7/ana"))
    assert again is not None and again.text == "You thanked <@ben>."
