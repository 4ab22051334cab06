"""Guild's tables.

Every row belongs to one community (a Slack workspace, a Teams tenant or the
local console), directly or through its parent, so that no query can mix two
organisations' data by accident. Times are stored as naive UTC and handed out
as aware UTC (``UTCDateTime``), which behaves the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, naive UTC in the column."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Guild stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Community(Base):
    """A Slack workspace, a Teams tenant or the console; holds its admin settings."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    kudos_emoji: Mapped[str] = mapped_column(String(64), default="clap")
    daily_kudos_limit: Mapped[int] = mapped_column(Integer, default=10)
    burnout_threshold: Mapped[int] = mapped_column(Integer, default=12)
    roundup_channel: Mapped[str | None] = mapped_column(String(128))
    digest_channel: Mapped[str | None] = mapped_column(String(128))
    milestones_channel: Mapped[str | None] = mapped_column(String(128))
    roundup_day: Mapped[str] = mapped_column(String(3), default="fri")
    roundup_time: Mapped[str] = mapped_column(String(5), default="16:00")
    digest_frequency: Mapped[str] = mapped_column(String(16), default="monthly")
    # Days after a session ends before the closeout job closes it itself (``admin set closeout-days``).
    closeout_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # The trainer guide the onboarding checklist links to (``admin set guide``); no guide, no step.
    trainer_guide_url: Mapped[str | None] = mapped_column(String(500))
    # The digest's money and reach (``admin set external-rate|internal-rate|currency|prep-ratio|headcount``):
    # per-hour rates in ``currency`` (ISO 4217), preparation hours per delivery hour, and the workforce size.
    external_rate: Mapped[float | None] = mapped_column(Float)
    internal_rate: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    prep_ratio: Mapped[float | None] = mapped_column(Float)
    headcount: Mapped[int | None] = mapped_column(Integer)
    # Months a program's content may age before its authors are asked to refresh it (``admin set refresh-months``).
    refresh_months: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    # People a topic request needs before its topic's trainers are told (``admin set request-threshold``).
    request_threshold: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # Workload (issue 11): the same program or title more than this many times in 4 weeks is flagged.
    repeat_limit: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    # The competency survey's list, one per line; None means the defaults (handlers.survey).
    competencies: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Member(Base):
    """A person in a community, known by their platform user id."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    leaderboard_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainerProfile(Base):
    """A member who volunteered to train; ``status`` is onboarding → active, or paused / stopped."""

    __tablename__ = "trainer_profiles"
    __table_args__ = (
        CheckConstraint("status in ('onboarding', 'active', 'paused', 'stopped')", name="status"),
        Index("ix_trainer_profiles_community_status", "community_id", "status"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="onboarding")
    volunteered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who made the last status change: a trainer may resume a pause of their own, not an admin's.
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # A level an admin set by hand (``admin level``), with who and when; None: the ladder's rules decide.
    level: Mapped[str | None] = mapped_column(String(16))
    level_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    level_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The senior trainer who mentors this one (handlers.mentors), and since when.
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    mentor_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # At most this many sessions a month (``volunteer capacity``); None: no cap.
    capacity: Mapped[int | None] = mapped_column(Integer)


class TrainerTopic(Base):
    __tablename__ = "trainer_topics"
    __table_args__ = (UniqueConstraint("member_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("trainer_profiles.member_id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(64))


class OnboardingStep(Base):
    """One ticked step of a trainer's onboarding checklist."""

    __tablename__ = "onboarding_steps"
    __table_args__ = (UniqueConstraint("member_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("trainer_profiles.member_id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingSession(Base):
    """A scheduled or logged training session. ``taken`` counts confirmed seats."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("status in ('scheduled', 'cancelled', 'done')", name="status"),
        CheckConstraint("taken >= 0 and taken <= seats", name="taken_within_seats"),
        Index("ix_training_sessions_community_status_starts", "community_id", "status", "starts_at"),
        Index("ix_training_sessions_trainer_starts", "trainer_id", "starts_at"),
        Index("ix_training_sessions_community_done", "community_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    attendance_marked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The program (curriculum) this session delivers; its learners and ratings add up to the program.
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"), index=True)
    # A place or a link, shown on every card and reminder.
    location: Mapped[str | None] = mapped_column(String(500))
    # How often the start time moved: reminders are filed under it, so a moved session is reminded again.
    moves: Mapped[int] = mapped_column(Integer, default=0)
    # Only trainers may take a seat (``session new … for trainers``): sessions that train the trainers.
    trainers_only: Mapped[bool] = mapped_column(Boolean, default=False)


class Enrollment(Base):
    """A person's place in a session; the waitlist is ordered by ``queued_at``, then id."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id"),
        CheckConstraint(
            "status in ('confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show')", name="status"
        ),
        Index("ix_enrollments_session_status_queued", "session_id", "status", "queued_at"),
        # Covers the digest's learners per session (index-only): its plan is the same from the first run.
        Index("ix_enrollments_session_status_member", "session_id", "status", "member_id"),
        Index("ix_enrollments_member_status", "member_id", "status"),
        Index("ix_enrollments_community_updated", "community_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionNote(Base):
    __tablename__ = "session_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Kudos(Base):
    """One thank-you to one receiver; a kudos to three people is three rows.

    ``source_ref`` names where a chat kudos came from (a reaction on a message,
    say) so that taking the reaction back can find it.
    """

    __tablename__ = "kudos"
    __table_args__ = (
        Index("ix_kudos_community_created", "community_id", "created_at"),
        Index("ix_kudos_receiver_created", "receiver_id", "created_at"),
        Index("ix_kudos_giver_created", "giver_id", "created_at"),
        # A chat message or reaction thanks each receiver once, however often it is edited or redelivered.
        Index("ix_kudos_source_ref", "community_id", "source_ref", "receiver_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    giver_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    receiver_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16), default="command")
    source_ref: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KudosValue(Base):
    """A #value named in a kudos, one row per value so that SQL can count them."""

    __tablename__ = "kudos_values"
    __table_args__ = (UniqueConstraint("kudos_id", "value"), Index("ix_kudos_values_value", "value"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(64))


class Feedback(Base):
    """A rating. ``member_id`` is NULL for anonymous feedback: nothing links it to a person."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id"),
        CheckConstraint("rating between 1 and 5", name="rating_range"),
        Index("ix_feedback_community_created", "community_id", "created_at"),
        # The digest's ratings per session (index-only) and its quotes (only feedback with a comment).
        Index("ix_feedback_session_rating", "session_id", "rating"),
        Index("ix_feedback_session_commented", "session_id", "rating",
              postgresql_where=text("comment IS NOT NULL AND comment <> ''"),
              sqlite_where=text("comment IS NOT NULL AND comment <> ''")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackReceipt(Base):
    """That a person rated a session — kept apart from the rating so anonymous ones stay anonymous.

    It has no time of its own: a timestamp matching the anonymous rating's
    would name the rater.
    """

    __tablename__ = "feedback_receipts"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)


class Delivery(Base):
    """A platform delivery already handled; its unique key makes retries harmless."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostLedger(Base):
    """Claims of scheduled posts: one row per (job, community, channel, period), ever."""

    __tablename__ = "post_ledger"
    __table_args__ = (UniqueConstraint("job", "community_id", "channel", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(128))
    period: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Conversation(Base):
    """Where Guild can post proactively: a Teams conversation reference, or a known channel."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("community_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Program(Base):
    """A training program (curriculum) trainers develop together and sessions deliver.

    ``refreshed_at`` is the last content update (None: never refreshed since it
    was created); the refresh clock runs from it, or from ``created_at``.
    """

    __tablename__ = "programs"
    __table_args__ = (Index("ix_programs_community_topic", "community_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(64))
    materials_url: Mapped[str | None] = mapped_column(String(2000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProgramAuthor(Base):
    """A co-author of a program: a trainer who develops (and refreshes) it."""

    __tablename__ = "program_authors"

    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgramEvent(Base):
    """A program's history: created, refreshed (with what changed), so that content updates are on record."""

    __tablename__ = "program_history"
    __table_args__ = (
        CheckConstraint("kind in ('created', 'refreshed')", name="kind"),
        Index("ix_program_history_program_at", "program_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TopicRequest(Base):
    """Someone asked for a session on a topic; others join it. ``open_topic`` keeps one open request a topic.

    ``open_topic`` is the topic while the request is open and NULL after, so a
    unique constraint (NULLs never collide) lets only one open request per topic
    exist, however many people ask at the same moment.
    """

    __tablename__ = "topic_requests"
    __table_args__ = (
        UniqueConstraint("community_id", "open_topic"),
        CheckConstraint("status in ('open', 'scheduled', 'closed')", name="status"),
        Index("ix_topic_requests_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(64))
    open_topic: Mapped[str | None] = mapped_column(String(64))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trainers_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_sessions.id", ondelete="SET NULL"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RequestSupporter(Base):
    """One person behind a topic request (the requester too), once."""

    __tablename__ = "request_supporters"

    request_id: Mapped[int] = mapped_column(ForeignKey("topic_requests.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportLink(Base):
    """A one-pager Guild serves at ``GET /reports/<token>`` until it expires (Teams' way to get the file).

    Only the token's SHA-256 is stored: the link itself is shown once, in the card.
    """

    __tablename__ = "report_links"
    __table_args__ = (Index("ix_report_links_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurveyRound(Base):
    """One round of the competency survey; ``competencies`` is its list (one per line), fixed when it opened."""

    __tablename__ = "survey_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    competencies: Mapped[str] = mapped_column(Text)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyResponse(Base):
    """A trainer's answer to a round: its comment and when; a second answer replaces the first."""

    __tablename__ = "survey_responses"

    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyRating(Base):
    """One self-rating (1–5) of one competency in a response."""

    __tablename__ = "survey_ratings"
    __table_args__ = (CheckConstraint("rating between 1 and 5", name="rating"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    competency: Mapped[str] = mapped_column(String(100), primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)


class InboxItem(Base):
    """A platform delivery recorded before its ack, until its work is done (see ``storage.inbox``).

    ``claimed_until`` is both the lease of whoever is working on it and, once
    a try failed, when the next try is due; ``attempts`` counts the tries taken
    over by a sweeper. Rows are not tied to a community: they are written
    before anything in the payload is trusted beyond its signature.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index("ix_inbox_due", "claimed_until", postgresql_where=text("done_at IS NULL"),
              sqlite_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


class OutboxMessage(Base):
    """Something Guild tells people, written in the transaction that decided it and delivered after.

    ``state`` moves pending → sending → sent, or to failed (kept, for ``python app.py outbox``).
    ``payload`` is the neutral reply as JSON (``handlers.reply_json``); ``platform_ref`` what the platform
    answered (Slack's message ts, the Teams activity id). A row in ``sending`` whose ``claimed_until`` has
    passed belongs to a process that died mid-send: whether the platform got it is unknown.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("kind in ('tell', 'post')", name="kind"),
        CheckConstraint("state in ('pending', 'sending', 'sent', 'failed')", name="state"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)
    thread: Mapped[str | None] = mapped_column(String(64))  # a post's thread (Slack's thread_ts)
    # A post that is this person's answer to their command: told privately if the channel refuses it.
    answering: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    platform_ref: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
