"""Ratings and the receipts that say who has rated, without saying what they rated anonymously.

A receipt per (session, person) is the one-rating-per-person guard: it is
inserted first, with conflicts ignored, so two submissions at once cannot both
be "the first". An anonymous rating has no ``member_id``; only its receipt knows
the person rated, and it cannot be found again from the person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Feedback, FeedbackReceipt, Member
from storage.sql import insert_ignore


async def claim_receipt(
    session: AsyncSession, session_id: int, member_id: int, *, anonymous: bool
) -> FeedbackReceipt | None:
    """Record that the person rated; None if this is new, else the receipt they already had."""
    inserted = await insert_ignore(
        session,
        FeedbackReceipt,
        {"session_id": session_id, "member_id": member_id, "anonymous": anonymous},
    )
    if inserted:
        return None
    return await session.scalar(
        select(FeedbackReceipt)
        .where(FeedbackReceipt.session_id == session_id, FeedbackReceipt.member_id == member_id)
        .execution_options(populate_existing=True)
    )


async def make_receipt_anonymous(session: AsyncSession, session_id: int, member_id: int) -> None:
    await session.execute(
        update(FeedbackReceipt)
        .where(FeedbackReceipt.session_id == session_id, FeedbackReceipt.member_id == member_id)
        .values(anonymous=True)
    )


async def add(
    session: AsyncSession,
    *,
    community_id: int,
    session_id: int,
    member_id: int | None,
    rating: int,
    comment: str | None,
    at: datetime,
) -> None:
    session.add(
        Feedback(
            community_id=community_id,
            session_id=session_id,
            member_id=member_id,
            rating=rating,
            comment=comment,
            created_at=at,
        )
    )
    await session.flush()


async def named(session: AsyncSession, session_id: int, member_id: int) -> Feedback | None:
    """The person's named rating of the session, if they gave one."""
    return await session.scalar(
        select(Feedback).where(Feedback.session_id == session_id, Feedback.member_id == member_id)
    )


async def replace(
    session: AsyncSession, session_id: int, member_id: int, *, rating: int, comment: str | None, at: datetime
) -> None:
    """Change a named rating in place (its time becomes the time of the change)."""
    await session.execute(
        update(Feedback)
        .where(Feedback.session_id == session_id, Feedback.member_id == member_id)
        .values(rating=rating, comment=comment, created_at=at)
    )


async def forget_named(session: AsyncSession, session_id: int, member_id: int) -> None:
    """Drop a named rating that its author is replacing with an anonymous one."""
    await session.execute(delete(Feedback).where(Feedback.session_id == session_id, Feedback.member_id == member_id))


async def for_session(session: AsyncSession, session_id: int) -> list[tuple[int, str | None, Member | None]]:
    """Every rating of a session as (rating, comment, rater or None when anonymous).

    Ordered by rating (best first), then comment text, then rater name — never by
    time or id, which would let a reader line an anonymous rating up with who
    rated when.
    """
    rows = await session.execute(
        select(Feedback.rating, Feedback.comment, Member)
        .outerjoin(Member, Member.id == Feedback.member_id)
        .where(Feedback.session_id == session_id)
        .order_by(Feedback.rating.desc(), func.coalesce(Feedback.comment, ""), Feedback.member_id.is_(None),
                  func.coalesce(Member.display_name, Member.user_id, ""))
    )
    return [(rating, comment, rater) for rating, comment, rater in rows]
