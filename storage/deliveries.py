"""Delivery keys: the record that a platform delivery was already handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery
from storage.sql import insert_ignore


async def first_time(session: AsyncSession, community_id: int, key: str, at: datetime) -> bool:
    """Claim ``key`` inside the caller's transaction; False when it was seen before.

    The claim commits or rolls back with the work it guards, so a delivery whose
    handling failed can be retried, and a concurrent duplicate waits on the
    unique index and then finds the key taken.
    """
    return await insert_ignore(session, Delivery, {"community_id": community_id, "key": key[:256], "created_at": at})
