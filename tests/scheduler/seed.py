"""Seeding for the report and scheduler specifications: rows with exact timestamps, straight through the ORM.

Reports are about the past (last week's kudos, last month's sessions), which
chat commands cannot backdate; these helpers write the rows the commands would
have written, at the moments a specification needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from handlers import milestones
from storage import ledger, members
from storage.models import (
    Community,
    Enrollment,
    Feedback,
    FeedbackReceipt,
    Kudos,
    KudosValue,
    OnboardingStep,
    TrainerProfile,
    TrainingSession,
)
from storage.uow import UnitOfWork
from tests.fakes import COMMUNITY


class Seed:
    """Writes one community's rows; people are named by user id and created on first mention."""

    def __init__(self, uow: Callable[[], UnitOfWork], external_id: str = COMMUNITY.external_id,
                 name: str | None = COMMUNITY.name, platform: str = COMMUNITY.platform) -> None:
        self.uow = uow
        self.platform = platform
        self.external_id = external_id
        self.name = name
        self.community_id = 0

    async def community(self, **settings: Any) -> int:
        """Create (or update) the community with admin settings such as ``roundup_channel='C-ROUNDUP'``."""
        async with self.uow() as uow:
            row = await members.community(uow.session, self.platform, self.external_id, self.name)
            if settings:
                await uow.session.execute(update(Community).where(Community.id == row.id).values(**settings))
            self.community_id = row.id
            await uow.commit()
        return self.community_id

    async def ids(self, *user_ids: str, timezone: str | None = None) -> dict[str, int]:
        async with self.uow() as uow:
            found = await members.members(
                uow.session, self.community_id, {u: (u.capitalize(), timezone) for u in user_ids}
            )
            await uow.commit()
        return {user_id: m.id for user_id, m in found.items()}

    async def role(self, user_id: str, **flags: bool) -> None:
        async with self.uow() as uow:
            member = await members.member(uow.session, self.community_id, user_id, display_name=user_id.capitalize())
            for flag, value in flags.items():
                setattr(member, flag, value)
            await uow.commit()

    async def kudos(self, giver: str, receiver: str, message: str, at: datetime, values: Iterable[str] = ()) -> None:
        people = await self.ids(giver, receiver)
        async with self.uow() as uow:
            row = Kudos(community_id=self.community_id, giver_id=people[giver], receiver_id=people[receiver],
                        message=message, created_at=at)
            uow.session.add(row)
            await uow.session.flush()
            uow.session.add_all(KudosValue(kudos_id=row.id, value=v) for v in values)
            await uow.commit()

    async def session(
        self,
        trainer: str,
        at: datetime,
        *,
        minutes: int = 60,
        status: str = "done",
        title: str = "SQL basics",
        attended: Iterable[str] = (),
        confirmed: Iterable[str] = (),
        no_show: Iterable[str] = (),
        waitlisted: Iterable[str] = (),
        seats: int | None = None,
        topic: str | None = None,
    ) -> int:
        """A session starting at ``at``; a done one is marked done when it ended."""
        groups = {"attended": list(attended), "confirmed": list(confirmed), "no_show": list(no_show),
                  "waitlisted": list(waitlisted)}
        people = await self.ids(trainer, *(u for group in groups.values() for u in group))
        taken = len(groups["confirmed"]) + len(groups["attended"])
        async with self.uow() as uow:
            row = TrainingSession(
                community_id=self.community_id, trainer_id=people[trainer], title=title, topic=topic, starts_at=at,
                duration_minutes=minutes, seats=seats or max(20, taken), taken=taken,
                status=status, attendance_marked=bool(groups["attended"] or groups["no_show"]), created_at=at,
                done_at=at + timedelta(minutes=minutes) if status == "done" else None,
            )
            uow.session.add(row)
            await uow.session.flush()
            uow.session.add_all(
                Enrollment(community_id=self.community_id, session_id=row.id, member_id=people[u], status=status_,
                           queued_at=at - timedelta(days=1), created_at=at - timedelta(days=1), updated_at=at)
                for status_, group in groups.items() for u in group
            )
            await uow.commit()
            return row.id

    async def feedback(self, session_id: int, user_id: str, rating: int, at: datetime, comment: str | None = None,
                       anonymous: bool = False) -> None:
        member_id = (await self.ids(user_id))[user_id]
        async with self.uow() as uow:
            uow.session.add(Feedback(community_id=self.community_id, session_id=session_id,
                                     member_id=None if anonymous else member_id, rating=rating, comment=comment,
                                     created_at=at))
            uow.session.add(FeedbackReceipt(session_id=session_id, member_id=member_id, anonymous=anonymous))
            await uow.commit()

    async def announced(self, milestone_key: str, at: datetime) -> None:
        """File a milestone in the ledger as announced at ``at``, as the milestones job does."""
        slot = ledger.Slot(milestones.LEDGER_JOB, self.community_id, milestones.LEDGER_CHANNEL, milestone_key)
        async with self.uow() as uow:
            assert await ledger.claim(uow.session, slot, by="seed", at=at)
            await ledger.mark_posted(uow.session, slot, at=at)
            await uow.commit()

    async def volunteer(self, user_id: str, at: datetime, *, status: str = "onboarding",
                        onboarded_at: datetime | None = None, steps: dict[str, datetime] | None = None) -> None:
        member_id = (await self.ids(user_id))[user_id]
        async with self.uow() as uow:
            uow.session.add(TrainerProfile(member_id=member_id, community_id=self.community_id, status=status,
                                           volunteered_at=at, onboarded_at=onboarded_at, status_changed_at=at))
            await uow.session.flush()
            uow.session.add_all(OnboardingStep(member_id=member_id, step=s, done_at=t)
                                for s, t in (steps or {}).items())
            await uow.commit()
