"""Teams end to end: activities as Teams sends them, answers as they arrive at the connector, rows as stored.

Everything runs in dev mode (authentication off, loopback), with ``serviceUrl``
pointing at a local fake connector, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.teams.conversations import load
from handlers.types import CommunityRef, Message, PersonRef
from storage.models import Conversation, Enrollment, Kudos, Member, TrainingSession
from tests.bot.teams import activities as act
from tests.bot.teams.conftest import Teams

SENT_PRIVATELY = "I've sent you the details privately."
TENANT = CommunityRef("teams", act.TENANT)


async def scalar(uow, query) -> Any:  # type: ignore[no-untyped-def]
    async with uow() as work:
        found = await work.session.scalar(query)
        work.session.expunge_all()  # keep loaded rows readable after the unit of work rolls back
        return found


async def test_being_added_to_a_team_stores_the_channel_and_greets_it(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    assert await teams.send(act.bot_added_to_team(teams.url)) == 201

    [greeting] = teams.connector.sent()
    assert greeting.path == f"/v3/conversations/{act.CHANNEL}/activities"
    assert "Type **help**" in greeting.body["text"] and "mention me" in greeting.body["text"]
    stored = await scalar(uow, select(Conversation))
    assert (stored.conversation_id, stored.kind, stored.name, stored.member_id) == (
        act.CHANNEL, "channel", "Learning", None)
    reference = load(stored.reference)
    assert reference.service_url == teams.url and reference.bot.id == act.BOT["id"]
    assert reference.activity_id is None, "proactive posts must be new messages, not replies"


async def test_a_personal_install_is_remembered_for_that_person(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    assert await teams.send(act.bot_added_personally(teams.url, "ben")) == 201

    [greeting] = teams.connector.to("a:personal-ben")
    assert "Type **help**" in greeting.body["text"] and "mention me" not in greeting.body["text"]
    stored = await scalar(uow, select(Conversation))
    ben = await scalar(uow, select(Member).where(Member.user_id == "29:ben"))
    assert (stored.kind, stored.member_id, ben.display_name) == ("personal", ben.id, "Ben Ng")


async def test_a_reference_follows_a_moved_service_url(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.personal_message(teams.url, "ben", "help"))
    moved = act.personal_message(teams.url.replace("127.0.0.1", "localhost"), "ben", "help")
    assert await teams.send(moved) == 201

    assert await scalar(uow, select(func.count()).select_from(Conversation)) == 1
    stored = await scalar(uow, select(Conversation))
    assert load(stored.reference).service_url == moved["serviceUrl"]


async def test_kudos_with_a_mention_is_stored_answered_in_the_thread_and_told_to_the_receiver(
    teams: Teams, uow  # type: ignore[no-untyped-def]
) -> None:
    message = act.channel_message(teams.url, "ana", "kudos @ben thanks for the great demo #craft", ("ben",))
    assert await teams.send(message) == 201

    kudos = await scalar(uow, select(Kudos))
    ben = await scalar(uow, select(Member).where(Member.user_id == "29:ben"))
    assert kudos.receiver_id == ben.id and kudos.message == "thanks for the great demo"
    assert kudos.channel == act.CHANNEL
    [reply] = teams.connector.to(message["conversation"]["id"])
    assert reply.path.endswith(f"/activities/{message['id']}"), "public answers are replies in the thread"
    assert "<at>Ana Lima</at> thanked <at>Ben Ng</at>" in reply.text
    [card] = reply.cards
    assert {e["mentioned"]["id"] for e in card["msteams"]["entities"]} == {"29:ana", "29:ben"}
    [chat] = teams.connector.created()
    assert chat.body["members"] == [{"id": "29:ben"}] and chat.body["channelData"]["tenant"]["id"] == act.TENANT
    [told] = teams.connector.to(chat.answered_id)
    assert "thanked you" in told.text
    assert all(call.authorization is None for call in teams.connector.calls), "auth-off mode sends no token"


async def test_self_kudos_is_refused_privately_with_a_pointer_in_the_thread(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await teams.send(act.bot_added_personally(teams.url, "ana"))
    message = act.channel_message(teams.url, "ana", "kudos @ana for being me", ("ana",))
    assert await teams.send(message) == 201

    assert await scalar(uow, select(func.count()).select_from(Kudos)) == 0
    [pointer] = teams.connector.to(message["conversation"]["id"])
    assert pointer.body["text"] == SENT_PRIVATELY
    refusal = teams.connector.to("a:personal-ana")[-1]
    assert "yourself" in refusal.text.lower()
    assert not teams.connector.created(), "the stored 1:1 chat is reused"


async def test_the_same_activity_delivered_twice_is_recorded_once(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    message = act.channel_message(teams.url, "ana", "kudos @ben thanks for the great demo", ("ben",))
    assert await teams.send(message) == 201
    answered = len(teams.connector.sent())
    assert await teams.send(message) == 201

    assert await scalar(uow, select(func.count()).select_from(Kudos)) == 1
    assert len(teams.connector.sent()) == answered, "a redelivery gets no second answer"


async def test_an_empty_message_gets_the_help_overview(teams: Teams) -> None:
    assert await teams.send(act.personal_message(teams.url, "ben", "  ")) == 201
    only_a_mention = act.channel_message(teams.url, "ben", "")
    assert await teams.send(only_a_mention) == 201

    overview, again = teams.connector.to("a:personal-ben")
    assert "Here's what I can do" in overview.text and "`kudos`" in overview.text
    assert again.text == overview.text, "in a channel the overview comes privately"
    [pointer] = teams.connector.to(only_a_mention["conversation"]["id"])
    assert pointer.body["text"] == SENT_PRIVATELY


async def test_an_unknown_command_gets_a_friendly_usage_hint(teams: Teams) -> None:
    await teams.send(act.personal_message(teams.url, "ben", "dance"))

    [reply] = teams.connector.to("a:personal-ben")
    assert "I don't know the command `dance`" in reply.text


async def schedule(teams: Teams, trainer: str, text: str) -> None:
    await teams.send(act.personal_message(teams.url, trainer, "volunteer sql"))
    assert await teams.send(act.personal_message(teams.url, trainer, text)) == 201


async def test_a_freed_seat_is_announced_proactively_to_the_promoted_person(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await schedule(teams, "ana", 'session new "SQL joins" 2026-12-01 14:00 60m 1 #sql')
    session_id = await scalar(uow, select(TrainingSession.id))
    await teams.send(act.card_submit(teams.url, "ben", {"command": f"signup {session_id}"}))
    # cy joins the waitlist without ever having chatted with Guild on Teams
    await teams.core.handle(Message(TENANT, PersonRef("29:cy", "Cy Okoro"), f"signup {session_id}"))
    before = len(teams.connector.calls)

    assert await teams.send(act.card_submit(teams.url, "ben", {"command": f"cancel {session_id}"})) == 201

    after = teams.connector.calls[before:]
    [create] = [c for c in after if c.path == "/v3/conversations"]
    assert create.body["members"] == [{"id": "29:cy"}] and create.body["isGroup"] is False
    assert create.body["bot"]["id"] == act.BOT["id"] and create.body["channelData"]["tenant"]["id"] == act.TENANT
    [notice] = teams.connector.to(create.answered_id)
    assert after.index(notice) > after.index(create), "the chat is created, then the notice sent into it"
    assert "a seat opened up and it's yours" in notice.text and "SQL joins" in notice.text
    cy = await scalar(uow, select(Member).where(Member.user_id == "29:cy"))
    assert await scalar(uow, select(Enrollment.status).where(Enrollment.member_id == cy.id)) == "confirmed"
    chat = await scalar(uow, select(Conversation).where(Conversation.member_id == cy.id))
    assert (chat.conversation_id, chat.kind) == (create.answered_id, "personal"), "the new chat is remembered"


async def test_a_private_answer_in_a_channel_opens_a_chat_that_later_notices_reuse(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await schedule(teams, "ana", 'session new "SQL joins" 2026-12-01 14:00 60m 1')
    session_id = await scalar(uow, select(TrainingSession.id))
    await teams.send(act.personal_message(teams.url, "ben", f"signup {session_id}"))
    signup = act.channel_message(teams.url, "cy", f"signup {session_id}")
    await teams.send(signup)

    [create] = teams.connector.created()
    [waitlisted] = teams.connector.to(create.answered_id)
    assert "you're number 1 on the waitlist" in waitlisted.text
    assert teams.connector.to(signup["conversation"]["id"])[0].body["text"] == SENT_PRIVATELY

    await teams.send(act.personal_message(teams.url, "ben", f"cancel {session_id}"))

    assert len(teams.connector.created()) == 1, "the remembered chat is used again"
    assert "a seat opened up" in teams.connector.to(create.answered_id)[-1].text


async def test_sign_up_buttons_on_a_session_card_run_the_command_they_carry(teams: Teams, uow) -> None:  # type: ignore[no-untyped-def]
    await schedule(teams, "ana", 'session new "SQL joins" 2026-12-01 14:00 60m 5')
    announcement = teams.connector.to("a:personal-ana")[-1]
    [signup] = [a for a in _actions(announcement.cards) if a["title"] == "Sign up"]

    assert await teams.send(act.card_submit(teams.url, "ben", signup["data"])) == 201

    ben = await scalar(uow, select(Member).where(Member.user_id == "29:ben"))
    assert await scalar(uow, select(Enrollment.status).where(Enrollment.member_id == ben.id)) == "confirmed"
    assert "You're in" in teams.connector.to("a:personal-ben")[-1].text


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [a for item in node for a in _actions(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("type") == "Action.Submit" else []
    return own + [a for value in node.values() for a in _actions(value)]
