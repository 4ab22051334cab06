"""Reports served by Guild at ``GET /reports/<token>`` for a while (Teams, which cannot take a file from a bot).

The token is 32 random bytes (``secrets.token_urlsafe``), shown once in the
link; only its SHA-256 is stored, so the table alone opens nothing. A link
expires after its time to live, and expired rows are deleted whenever a new
link is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReportLink


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(session: AsyncSession, *, community_id: int, filename: str, mime: str, content: bytes,
                 now: datetime, ttl: timedelta) -> tuple[str, datetime]:
    """Store ``content`` behind a new unguessable token; returns the token and when it expires."""
    await session.execute(delete(ReportLink).where(ReportLink.expires_at < now))
    token = secrets.token_urlsafe(32)
    expires = now + ttl
    session.add(ReportLink(community_id=community_id, token_hash=_digest(token), filename=filename, mime=mime,
                           content=content, created_at=now, expires_at=expires))
    await session.flush()
    return token, expires


async def find(session: AsyncSession, token: str, now: datetime) -> ReportLink | None:
    """The report behind ``token`` while it has not expired, else None."""
    if not 20 <= len(token) <= 100:
        return None
    return await session.scalar(
        select(ReportLink).where(ReportLink.token_hash == _digest(token), ReportLink.expires_at > now))
