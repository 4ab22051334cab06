"""How Guild counts sessions (DESIGN §7): the one definition every figure is built on.

A session *counts* (it was held) when:

- it is closed as done (``session done``, a logged past session, or the
  ``closeout`` job) — its attendees were settled at closing; or
- it is still open but its trainer marked attendance — attendance can only be
  marked once the start has passed, so the session did happen, and its marked
  attendees are its learners even if nobody ever closes it.

A cancelled session never counts, and an open session with no attendance marked
does not count *yet* (the ``closeout`` job closes it within a few days, and it
counts from then on, in the period it was held).

A counted session belongs to the period of its **start time**, however late it
was logged, marked or closed, so a report re-run later gives the same number
and a figure and its comparison are computed alike. Learners are the
``attended`` enrollments of counted sessions; learner-hours are attendees ×
length; training hours are the sessions' lengths.

Reports (roundup, digest, milestones, ``me``, ``trainers``, exports' derived
numbers) use ``held`` / ``held_between`` rather than the ``status`` column, so
that the rule lives here and only here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from storage.models import TrainingSession


def held() -> ColumnElement[bool]:
    """The session took place and counts: closed as done, or open with attendance marked."""
    return or_(
        TrainingSession.status == "done",
        and_(TrainingSession.status == "scheduled", TrainingSession.attendance_marked.is_(True)),
    )


def held_between(community_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    """Counted sessions of the community whose start lies in [start, end)."""
    return and_(
        TrainingSession.community_id == community_id,
        TrainingSession.starts_at >= start,
        TrainingSession.starts_at < end,
        held(),
    )


def held_before(end: datetime) -> ColumnElement[bool]:
    """Counted sessions that started before ``end`` (running totals, e.g. milestones)."""
    return and_(TrainingSession.starts_at < end, held())
