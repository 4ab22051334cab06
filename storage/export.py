"""Rows for ``python app.py export``, with the columns of DESIGN.md §6 in their order.

People are written as their platform user id; times as ISO 8601 UTC. Rows are
streamed from the database, so exporting a million kudos needs little memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import levels
from storage.models import (
    Community,
    Enrollment,
    Feedback,
    Kudos,
    KudosValue,
    Member,
    Program,
    ProgramAuthor,
    RequestSupporter,
    SurveyRating,
    SurveyResponse,
    TopicRequest,
    TrainerProfile,
    TrainingSession,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "kudos": ("id", "created_at", "platform", "community", "giver", "receiver", "message", "values", "channel"),
    "sessions": ("id", "title", "topic", "trainer", "starts_at", "duration_minutes", "seats", "status", "location",
                 "program_id"),
    "enrollments": ("session_id", "member", "status", "created_at"),
    "feedback": ("session_id", "member", "rating", "comment", "created_at"),
    "members": ("platform", "user_id", "display_name", "roles", "trainer_status", "level", "mentor"),
    "programs": ("id", "title", "topic", "authors", "materials_url", "created_at", "refreshed_at"),
    "requests": ("id", "topic", "requested_by", "reason", "supporters", "status", "created_at"),
    "competencies": ("round", "member", "competency", "rating", "submitted_at"),
}


def _kudos(_admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    giver, receiver = aliased(Member), aliased(Member)
    values = (
        select(func.aggregate_strings(KudosValue.value, " "))
        .where(KudosValue.kudos_id == Kudos.id)
        .scalar_subquery()
    )
    return (
        select(Kudos.id, Kudos.created_at, Community.platform, Community.external_id, giver.user_id,
               receiver.user_id, Kudos.message, values, Kudos.channel)
        .join(Community, Community.id == Kudos.community_id)
        .join(giver, giver.id == Kudos.giver_id)
        .join(receiver, receiver.id == Kudos.receiver_id)
        .order_by(Kudos.id)
    )


def _sessions(_admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    return (
        select(TrainingSession.id, TrainingSession.title, TrainingSession.topic, Member.user_id,
               TrainingSession.starts_at, TrainingSession.duration_minutes, TrainingSession.seats,
               TrainingSession.status, TrainingSession.location, TrainingSession.program_id)
        .join(Member, Member.id == TrainingSession.trainer_id)
        .order_by(TrainingSession.id)
    )


def _enrollments(_admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    return (
        select(Enrollment.session_id, Member.user_id, Enrollment.status, Enrollment.created_at)
        .join(Member, Member.id == Enrollment.member_id)
        .order_by(Enrollment.session_id, Enrollment.id)
    )


def _feedback(_admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    return (
        select(Feedback.session_id, Member.user_id, Feedback.rating, Feedback.comment, Feedback.created_at)
        .outerjoin(Member, Member.id == Feedback.member_id)
        .order_by(Feedback.session_id, Feedback.id)
    )


def _members(admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    is_admin = Member.is_admin | Member.user_id.in_(list(admins))
    mentor = aliased(Member)
    return (
        select(Community.platform, Member.user_id, Member.display_name, is_admin, Member.is_leader,
               TrainerProfile.status, Member.id, mentor.user_id)
        .join(Community, Community.id == Member.community_id)
        .outerjoin(TrainerProfile, TrainerProfile.member_id == Member.id)
        .outerjoin(mentor, mentor.id == TrainerProfile.mentor_id)
        .order_by(Member.community_id, Member.id)
    )


def _programs(_admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    authors = (
        select(func.aggregate_strings(Member.user_id, " "))
        .join(ProgramAuthor, ProgramAuthor.member_id == Member.id)
        .where(ProgramAuthor.program_id == Program.id)
        .scalar_subquery()
    )
    return (
        select(Program.id, Program.title, Program.topic, authors, Program.materials_url, Program.created_at,
               Program.refreshed_at)
        .order_by(Program.id)
    )


def _requests(_admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    """``supporters`` are those who joined the request, the requester not among them."""
    supporter = aliased(Member)
    supporters = (
        select(func.aggregate_strings(supporter.user_id, " "))
        .join(RequestSupporter, RequestSupporter.member_id == supporter.id)
        .where(RequestSupporter.request_id == TopicRequest.id,
               RequestSupporter.member_id != TopicRequest.requested_by_id)
        .scalar_subquery()
    )
    return (
        select(TopicRequest.id, TopicRequest.topic, Member.user_id, TopicRequest.reason, supporters,
               TopicRequest.status, TopicRequest.created_at)
        .join(Member, Member.id == TopicRequest.requested_by_id)
        .order_by(TopicRequest.id)
    )


def _competencies(_admins: frozenset[str]) -> Select[*tuple[Any, ...]]:
    return (
        select(SurveyRating.round_id, Member.user_id, SurveyRating.competency, SurveyRating.rating,
               SurveyResponse.submitted_at)
        .join(Member, Member.id == SurveyRating.member_id)
        .join(SurveyResponse, (SurveyResponse.round_id == SurveyRating.round_id)
              & (SurveyResponse.member_id == SurveyRating.member_id))
        .order_by(SurveyRating.round_id, Member.id, SurveyRating.competency)
    )


QUERIES: dict[str, Callable[[frozenset[str]], Select[*tuple[Any, ...]]]] = {
    "kudos": _kudos,
    "sessions": _sessions,
    "enrollments": _enrollments,
    "feedback": _feedback,
    "members": _members,
    "programs": _programs,
    "requests": _requests,
    "competencies": _competencies,
}


async def rows(
    session: AsyncSession, table: str, admins: frozenset[str] = frozenset()
) -> AsyncIterator[dict[str, Any]]:
    """Each row of ``table`` as a dict keyed by the export's column names."""
    columns = COLUMNS[table]
    ranks = await _levels(session) if table == "members" else {}
    result = await session.stream(QUERIES[table](admins).execution_options(yield_per=1000))
    async for raw in result:
        values = [_plain(v) for v in raw]
        if table == "members":
            platform, user_id, name, admin, leader, status, member_id, mentor = values
            roles = " ".join(role for role, held in (("admin", admin), ("leader", leader)) if held)
            values = [platform, user_id, name, roles, status, ranks.get(member_id), mentor]
        yield dict(zip(columns, values, strict=True))


async def _levels(session: AsyncSession) -> dict[int, str]:
    """Every trainer's level (``trainer``, ``senior``, ``lead``) by the ladder's rules; trainers are few."""
    found: dict[int, str] = {}
    for community_id in (await session.scalars(select(Community.id))).all():
        for member_id, record in (await levels.records(session, community_id)).items():
            if (level := levels.level_of(record)) is not None:
                found[member_id] = level
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value
