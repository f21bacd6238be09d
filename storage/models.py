"""The typed ORM schema: collaboratives, teams, people, measures, PDSA cycles, calendar, ledger.

Timestamps are stored as naive UTC and handed back timezone-aware (``UtcDateTime``), so SQLite
and PostgreSQL behave the same. Periods are ``YYYY-MM`` strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.enums import (
    CallKind,
    CycleStatus,
    Decision,
    DeliveryStatus,
    Direction,
    EnumString,
    MeasureKind,
    MeasureType,
    Role,
    RsvpAnswer,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Collaborative(Base):
    __tablename__ = "collaboratives"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    due_day: Mapped[int] = mapped_column(Integer, default=10)
    baseline_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rules: Mapped[str] = mapped_column(String(12), default="anhoej", server_default="anhoej")
    digest_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    digest_day: Mapped[str] = mapped_column(String(12), default="monday")
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    peer_channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    peer_channel_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    peer_channel_topic: Mapped[str | None] = mapped_column(String(250), nullable=True)
    peer_channel_purpose: Mapped[str | None] = mapped_column(String(250), nullable=True)
    #: The file's own peer prompts (``prompts:``), a JSON list of strings; None when it has none.
    peer_prompts: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Monthly buddy-team pairing (the file's ``buddies:``, on unless ``false``).
    buddies: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    source_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: The Slack workspace (``T…``) the collaborative lives in; filled in from ``auth.test`` for a
    #: single-workspace install whose file leaves it out.
    workspace: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The Enterprise Grid organisation (``E…``): user IDs are org-wide there, so requests from any
    #: workspace of the organisation belong to the collaborative.
    enterprise: Mapped[str | None] = mapped_column(String(32), nullable=True)

    teams: Mapped[list[Team]] = relationship(back_populates="collaborative", order_by="Team.id")
    measures: Mapped[list[Measure]] = relationship(
        back_populates="collaborative", order_by="Measure.position"
    )


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("collaborative_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    collaborative: Mapped[Collaborative] = relationship(back_populates="teams")


class Membership(Base):
    """A person's role: ``member``/``lead`` of a team, or ``faculty``/``admin`` of a collaborative."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("collaborative_id", "team_id", "slack_user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, index=True
    )
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[Role] = mapped_column(EnumString(Role, 16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship()
    collaborative: Mapped[Collaborative] = relationship()


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("collaborative_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[MeasureType] = mapped_column(EnumString(MeasureType, 16))
    kind: Mapped[MeasureKind] = mapped_column(EnumString(MeasureKind, 16), default=MeasureKind.OUTCOME)
    numerator_definition: Mapped[str | None] = mapped_column(Text, nullable=True)
    denominator_definition: Mapped[str | None] = mapped_column(Text, nullable=True)
    definition: Mapped[str | None] = mapped_column(Text, nullable=True)
    baseline: Mapped[float | None] = mapped_column(Float, nullable=True)
    goal: Mapped[float | None] = mapped_column(Float, nullable=True)
    nqf: Mapped[str | None] = mapped_column(String(16), nullable=True)
    direction: Mapped[Direction] = mapped_column(EnumString(Direction, 8), default=Direction.UP)
    multiplier: Mapped[float | None] = mapped_column(Float, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    collaborative: Mapped[Collaborative] = relationship(back_populates="measures")


class MeasureReport(Base):
    """The current value of one measure for one team and month."""

    __tablename__ = "measure_reports"
    __table_args__ = (
        UniqueConstraint("team_id", "measure_id", "period"),
        Index("ix_measure_reports_team_id_period", "team_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    team: Mapped[Team] = relationship()
    measure: Mapped[Measure] = relationship()


class MeasureRevision(Base):
    """An audit row: who changed a report, when, from what to what."""

    __tablename__ = "measure_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("measure_reports.id", ondelete="CASCADE"), index=True)
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    old_numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    old_denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    old_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_value: Mapped[float | None] = mapped_column(Float, nullable=True)


class TeamReport(Base):
    """The narrative and self-assessment that go with a team's monthly measures."""

    __tablename__ = "team_reports"
    __table_args__ = (UniqueConstraint("team_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    wins: Mapped[str | None] = mapped_column(Text, nullable=True)
    barriers: Mapped[str | None] = mapped_column(Text, nullable=True)
    help_needed: Mapped[str | None] = mapped_column(Text, nullable=True)
    self_assessment: Mapped[float | None] = mapped_column(Float, nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class NarrativeRevision(Base):
    """An audit row: who changed one narrative field (or the self-assessment), when, old and new."""

    __tablename__ = "narrative_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_report_id: Mapped[int] = mapped_column(ForeignKey("team_reports.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)


class ChangeIdea(Base):
    """A change a team tests; its title is unique per team whatever the case."""

    __tablename__ = "change_ideas"
    __table_args__ = (
        Index("uq_change_ideas_team_id_lower_title", "team_id", text("lower(title)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PdsaCycle(Base):
    """One Plan-Do-Study-Act cycle; cycles on one change idea form a ramp (1, 2, 3 ...)."""

    __tablename__ = "pdsa_cycles"
    __table_args__ = (UniqueConstraint("change_idea_id", "cycle_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    change_idea_id: Mapped[int] = mapped_column(ForeignKey("change_ideas.id", ondelete="CASCADE"))
    cycle_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[CycleStatus] = mapped_column(EnumString(CycleStatus, 16), default=CycleStatus.OPEN)
    objective: Mapped[str] = mapped_column(Text)
    prediction: Mapped[str] = mapped_column(Text)
    plan_who: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_what: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_when: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_where: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    do_observations: Mapped[str | None] = mapped_column(Text, nullable=True)
    do_surprises: Mapped[str | None] = mapped_column(Text, nullable=True)
    study_results: Mapped[str | None] = mapped_column(Text, nullable=True)
    study_learning: Mapped[str | None] = mapped_column(Text, nullable=True)
    act_decision: Mapped[Decision | None] = mapped_column(EnumString(Decision, 16), nullable=True)
    next_step: Mapped[str | None] = mapped_column(Text, nullable=True)
    start_date: Mapped[date] = mapped_column(Date)
    planned_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(32), nullable=True)

    change_idea: Mapped[ChangeIdea] = relationship()
    team: Mapped[Team] = relationship()


class PdsaRevision(Base):
    """An audit row: who changed one of a cycle's notes (or its decision or end date), when, old, new."""

    __tablename__ = "pdsa_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("pdsa_cycles.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)


class PdsaMeasure(Base):
    """The measures a PDSA cycle is meant to move."""

    __tablename__ = "pdsa_measures"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("pdsa_cycles.id", ondelete="CASCADE"), primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True)


class CalendarEvent(Base):
    """A learning session or interim call occurrence; ``key`` is stable across reloads."""

    __tablename__ = "calendar_events"
    __table_args__ = (
        UniqueConstraint("collaborative_id", "key"),
        Index("ix_calendar_events_collaborative_id_starts_at", "collaborative_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CallKind] = mapped_column(EnumString(CallKind, 24))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    join_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("event_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("calendar_events.id", ondelete="CASCADE"))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    response: Mapped[RsvpAnswer] = mapped_column(EnumString(RsvpAnswer, 16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FeedbackResponse(Base):
    """One person's feedback on one call or session.

    ``responder`` is a keyed hash (HMAC-SHA256 with the server's feedback secret) of the event and
    the person, so each person has one answer per event without the table saying who: the Slack
    user ID is stored only when they ticked "add my name". ``team_id`` is the team they answered
    from (none for faculty). ``purged_at`` is set when ``collab-bot purge`` removed the free text.
    """

    __tablename__ = "feedback_responses"
    __table_args__ = (UniqueConstraint("event_id", "responder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("calendar_events.id", ondelete="CASCADE"))
    responder: Mapped[str] = mapped_column(String(64))
    slack_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), nullable=True, index=True
    )
    usefulness: Mapped[int] = mapped_column(Integer)
    most_useful: Mapped[str | None] = mapped_column(Text, nullable=True)
    to_improve: Mapped[str | None] = mapped_column(Text, nullable=True)
    will_apply: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_topics: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class FacultyScore(Base):
    """Faculty's IHI assessment score (1.0-5.0 in half points) of a team for a month, with a reason.

    One per team and month: scoring again replaces it (``scored_by``/``scored_at`` say who, when)."""

    __tablename__ = "faculty_scores"
    __table_args__ = (UniqueConstraint("team_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    scored_by: Mapped[str] = mapped_column(String(32))
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


#: Ledger rows a sender may still act on (``storage.ledger.pending``); a partial index keeps them
#: findable without scanning the sent history.
UNSENT = text("status IN ('pending', 'sending')")


class Delivery(Base):
    """The delivery ledger: one row per intended message, keyed so it is sent once.

    ``claim_token`` names the current claim (a sender only records the outcome of its own claim);
    ``claimed_at`` is when it was taken; ``verify_since`` is set when an earlier attempt may have
    reached Slack unseen (its claim expired, or the answer was lost), so the next sender first looks
    for the message in the channel from that moment on.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index(
            "ix_deliveries_unsent_job",
            "job",
            "collaborative_id",
            postgresql_where=UNSENT,
            sqlite_where=UNSENT,
        ),
        # ``LIKE 'prefix%'`` (every reminder of one call) uses an index whatever the collation.
        Index("ix_deliveries_key_pattern", "key", postgresql_ops={"key": "varchar_pattern_ops"}).ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    job: Mapped[str] = mapped_column(String(64))
    collaborative_id: Mapped[int | None] = mapped_column(
        ForeignKey("collaboratives.id", ondelete="CASCADE"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    thread_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON: text, blocks (so a retry can resend)
    status: Mapped[DeliveryStatus] = mapped_column(
        EnumString(DeliveryStatus, 16), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    verify_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PeerActivity(Base):
    """Peer-channel engagement: one person's posts and thread replies for a team in an ISO week.

    ``person`` is a one-way hash of the user ID (salted with the collaborative and week), so people
    can be counted but not named; no message text is ever stored.
    """

    __tablename__ = "peer_activity"
    __table_args__ = (
        UniqueConstraint("team_id", "week", "person"),
        Index("ix_peer_activity_collaborative_id_week", "collaborative_id", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))  # ISO week, e.g. 2026-W16
    person: Mapped[str] = mapped_column(String(32))
    posts: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)


class BuddyPair(Base):
    """A month's buddy pair: a team with an improvement signal on a measure and a team flat on it.

    Each team is in at most one pair a month (``bot.buddies.rules``); the same two teams are not
    paired again within three months.
    """

    __tablename__ = "buddy_pairs"
    __table_args__ = (
        UniqueConstraint("collaborative_id", "month", "improving_team_id"),
        UniqueConstraint("collaborative_id", "month", "flat_team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM the pair was made in
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    improving_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    flat_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WorkspaceStatus(Base):
    """Whether the app is installed in a workspace (``T…``) or, for an org-wide install, an organisation
    (``E…``). ``app_uninstalled`` / ``tokens_revoked`` set ``installed`` to false: nothing is sent there
    until the app is installed again. A workspace with no row has never been uninstalled."""

    __tablename__ = "workspace_status"

    slack_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    installed: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ViewSubmission(Base):
    """A modal submission handled once per (view id, view hash), and the answer it got.

    ``response`` is the JSON of the ack (``{}`` for a plain close, or ``response_action`` with its
    view or errors); it is None while the first submission is still being handled. A duplicate of
    the same submission is answered with it and changes nothing.
    """

    __tablename__ = "view_submissions"
    __table_args__ = (UniqueConstraint("view_id", "view_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    view_id: Mapped[str] = mapped_column(String(64))
    view_hash: Mapped[str] = mapped_column(String(128))
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class ProcessedEvent(Base):
    """Slack ``event_id``s already handled, so retries are processed once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
