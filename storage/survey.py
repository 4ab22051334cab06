"""The competency survey's rows: rounds, each trainer's answer (replaced by a second one), and the figures.

A round fixes its competency list when it opens; the latest round is the open
one. Averages and spreads are computed here from the ratings of the round; who
answered what is only ever read back for that person (``me``) or the admins'
export (``storage.export``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import sqrt

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SurveyRating, SurveyResponse, SurveyRound, TrainerProfile
from storage.sql import insert_ignore


def competencies(round_: SurveyRound) -> list[str]:
    return [c for c in round_.competencies.split("\n") if c]


async def open_round(session: AsyncSession, community_id: int, *, competencies: list[str], invited: int,
                     by: int, at: datetime) -> SurveyRound:
    row = SurveyRound(community_id=community_id, competencies="\n".join(competencies), invited=invited,
                      started_by_id=by, started_at=at)
    session.add(row)
    await session.flush()
    return row


async def latest(session: AsyncSession, community_id: int, *, before: datetime | None = None,
                 skip: int = 0) -> SurveyRound | None:
    """The latest round (started before ``before``), or the one ``skip`` rounds earlier."""
    query = select(SurveyRound).where(SurveyRound.community_id == community_id)
    if before is not None:
        query = query.where(SurveyRound.started_at < before)
    return await session.scalar(query.order_by(SurveyRound.started_at.desc(), SurveyRound.id.desc())
                                .offset(skip).limit(1))


async def find(session: AsyncSession, community_id: int, round_id: int) -> SurveyRound | None:
    return await session.scalar(select(SurveyRound).where(SurveyRound.id == round_id,
                                                          SurveyRound.community_id == community_id))


async def active_trainers(session: AsyncSession, community_id: int) -> list[int]:
    rows = await session.scalars(select(TrainerProfile.member_id).where(
        TrainerProfile.community_id == community_id, TrainerProfile.status == "active")
        .order_by(TrainerProfile.member_id))
    return list(rows)


async def rate(session: AsyncSession, round_id: int, member_id: int, ratings: dict[str, int],
               comment: str | None, *, replace_all: bool, at: datetime) -> None:
    """Record ratings (and the comment, when given); a second answer replaces the first.

    ``replace_all`` (a whole answer) drops the earlier ratings first; a single
    rating from a button replaces just that competency's.
    """
    if replace_all:
        await session.execute(delete(SurveyRating).where(SurveyRating.round_id == round_id,
                                                         SurveyRating.member_id == member_id))
    else:
        await session.execute(delete(SurveyRating).where(SurveyRating.round_id == round_id,
                                                         SurveyRating.member_id == member_id,
                                                         SurveyRating.competency.in_(list(ratings))))
    session.add_all(SurveyRating(round_id=round_id, member_id=member_id, competency=c, rating=r)
                    for c, r in ratings.items())
    if not await insert_ignore(session, SurveyResponse, {"round_id": round_id, "member_id": member_id,
                                                         "comment": comment, "submitted_at": at}):
        response = await session.get(SurveyResponse, (round_id, member_id), populate_existing=True)
        assert response is not None
        response.submitted_at = at
        if comment is not None or replace_all:
            response.comment = comment
    await session.flush()


async def answer_of(session: AsyncSession, round_id: int, member_id: int) -> tuple[dict[str, int], str | None] | None:
    """One trainer's own ratings and comment in a round (None: not answered)."""
    response = await session.get(SurveyResponse, (round_id, member_id), populate_existing=True)
    if response is None:
        return None
    rows = await session.execute(select(SurveyRating.competency, SurveyRating.rating).where(
        SurveyRating.round_id == round_id, SurveyRating.member_id == member_id))
    return dict(rows.all()), response.comment


async def responded(session: AsyncSession, round_id: int) -> set[int]:
    return set(await session.scalars(select(SurveyResponse.member_id).where(SurveyResponse.round_id == round_id)))


@dataclass(frozen=True)
class Figure:
    """One competency in one round: answers, average and spread (population standard deviation)."""

    competency: str
    answers: int
    average: float
    spread: float


async def figures(session: AsyncSession, round_id: int) -> dict[str, Figure]:
    rows = (await session.execute(
        select(SurveyRating.competency, func.count(), func.avg(SurveyRating.rating),
               func.avg(SurveyRating.rating * SurveyRating.rating))
        .where(SurveyRating.round_id == round_id).group_by(SurveyRating.competency)
    )).all()
    found = {}
    for competency, n, average, squares in rows:
        mean = float(average)
        found[competency] = Figure(competency, n, mean, sqrt(max(0.0, float(squares) - mean * mean)))
    return found
