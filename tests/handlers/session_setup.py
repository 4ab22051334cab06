"""Shared set-up for the session, sign-up and feedback specifications."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, select

from storage import members
from storage.models import Enrollment, Member, TrainerProfile
from tests.fakes import Chat

SESSION_ID = re.compile(r"session (\d+)")


async def make_trainer(chat: Chat, user_id: str, status: str = "active") -> None:
    """A trainer as if they had volunteered (and, for ``active``, finished onboarding)."""
    async with chat.core.uow() as uow:
        ref = chat.community
        community = await members.community(uow.session, ref.platform, ref.external_id, ref.name)
        member = await members.member(uow.session, community.id, user_id, display_name=user_id.capitalize())
        uow.session.add(TrainerProfile(member_id=member.id, community_id=community.id, status=status))
        await uow.commit()


async def schedule(
    chat: Chat,
    trainer: str = "tara",
    *,
    title: str = "SQL basics",
    at: str = "2026-12-01 14:00",
    minutes: int = 60,
    seats: int = 5,
    topic: str | None = None,
) -> int:
    """Schedule (or log, for a past ``at``) a session; returns its id."""
    text = f'session new "{title}" {at} {minutes}m {seats}' + (f" #{topic}" if topic else "")
    reply = await chat.say(trainer, text)
    found = SESSION_ID.search(" ".join([reply.text, *(s.text for s in reply.sections)]))
    assert found, reply.text
    return int(found.group(1))


async def rows(chat: Chat, query: Select[Any]) -> list[Any]:
    async with chat.core.uow() as uow:
        found = list((await uow.session.execute(query)).all())
        uow.session.expunge_all()  # keep loaded rows readable after the unit of work rolls back
        return found


async def statuses(chat: Chat, session_id: int) -> dict[str, str]:
    """Each enrolled person's status, by user id."""
    found = await rows(
        chat,
        select(Member.user_id, Enrollment.status)
        .join(Member, Member.id == Enrollment.member_id)
        .where(Enrollment.session_id == session_id),
    )
    return dict(found)
