"""The rows of every exported table, read as pandas DataFrames (one query per table).

``bot.export`` turns these raw frames into the documented tables (types, local times, derived
tables); a new table adds its query here and its definition in ``bot/export/tables.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import and_, func, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ScalarSelect, Selectable

from storage.db import Database
from storage.enums import CycleStatus
from storage.models import (
    BuddyPair,
    CalendarEvent,
    ChangeIdea,
    Collaborative,
    FacultyScore,
    FeedbackResponse,
    Measure,
    MeasureReport,
    MeasureRevision,
    Membership,
    NarrativeRevision,
    PdsaCycle,
    PdsaMeasure,
    PdsaRevision,
    PeerActivity,
    Rsvp,
    Team,
    TeamReport,
)

#: The key columns most tables start with (a labelled column serves in any number of queries).
COLLABORATIVE_KEY = Collaborative.key.label("collaborative")
TEAM_KEY = Team.key.label("team")


def _collaboratives() -> Selectable:
    c = Collaborative
    return select(
        c.key,
        c.name,
        c.timezone,
        c.start,
        c.end,
        c.due_day,
        c.digest_channel,
        c.digest_day,
        c.digest_time,
        c.peer_channel_id,
        c.active,
        c.workspace,
        c.enterprise,
    ).order_by(c.id)


def _teams() -> Selectable:
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            Team.name,
            Team.channel_id,
            Team.active,
        )
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(Team.id)
    )


def _memberships() -> Selectable:
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            Membership.slack_user_id,
            Membership.role,
            Membership.active,
        )
        .join(Collaborative, Membership.collaborative_id == Collaborative.id)
        .outerjoin(Team, Membership.team_id == Team.id)
        .order_by(Membership.id)
    )


def _measure_definitions() -> Selectable:
    m = Measure
    return (
        select(
            COLLABORATIVE_KEY,
            m.key.label("measure"),
            m.name,
            m.type,
            m.kind,
            m.numerator_definition,
            m.denominator_definition,
            m.definition,
            m.goal,
            m.direction,
            m.multiplier,
            m.active,
            m.baseline,
            m.nqf,
        )
        .join(Collaborative, m.collaborative_id == Collaborative.id)
        .order_by(m.collaborative_id, m.position)
    )


def _measures() -> Selectable:
    r = MeasureReport
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            Measure.key.label("measure"),
            r.period,
            r.numerator,
            r.denominator,
            r.value,
            r.submitted_by,
            r.submitted_at,
            r.version,
        )
        .join(Team, r.team_id == Team.id)
        .join(Measure, r.measure_id == Measure.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(Collaborative.key, Team.key, Measure.position, r.period)
    )


def _measure_revisions() -> Selectable:
    """The audit trail: every change to a reported value (who, when, old, new)."""
    v, r = MeasureRevision, MeasureReport
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            Measure.key.label("measure"),
            r.period,
            v.changed_by,
            v.changed_at,
            v.old_numerator,
            v.old_denominator,
            v.old_value,
            v.new_numerator,
            v.new_denominator,
            v.new_value,
        )
        .join(r, v.report_id == r.id)
        .join(Team, r.team_id == Team.id)
        .join(Measure, r.measure_id == Measure.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(v.id)
    )


def _team_reports() -> Selectable:
    t = TeamReport
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            t.period,
            t.wins,
            t.barriers,
            t.help_needed,
            t.self_assessment,
            t.late,
            t.submitted_by,
            t.submitted_at,
        )
        .join(Team, t.team_id == Team.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(Team.key, t.period)
    )


def _linked_measure_keys() -> ScalarSelect[str]:
    """The keys of the measures a cycle should move, as one ``"a;b"`` string."""
    linked = (
        select(Measure.key)
        .join(PdsaMeasure, PdsaMeasure.measure_id == Measure.id)
        .where(PdsaMeasure.cycle_id == PdsaCycle.id)
        .order_by(Measure.position, Measure.id)
        .correlate(PdsaCycle)
        .subquery()
    )
    return select(func.aggregate_strings(linked.c.key, ";")).scalar_subquery()


def _pdsa() -> Selectable:
    p = PdsaCycle
    idea = aliased(ChangeIdea)
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            idea.title.label("change_idea"),
            p.cycle_number,
            p.status,
            p.objective,
            p.prediction,
            p.plan_who,
            p.plan_what,
            p.plan_when,
            p.plan_where,
            p.plan_data,
            p.do_observations,
            p.do_surprises,
            p.study_results,
            p.study_learning,
            p.act_decision,
            p.next_step,
            p.start_date,
            p.planned_end_date,
            p.end_date,
            p.shared,
            _linked_measure_keys().label("measures"),
            p.created_by,
            p.created_at,
            p.updated_at,
            p.updated_by,
        )
        .join(Team, p.team_id == Team.id)
        .join(idea, p.change_idea_id == idea.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(Team.key, idea.title, p.cycle_number)
    )


def _change_ideas() -> Selectable:
    idea = ChangeIdea
    cycles = select(func.count(PdsaCycle.id)).where(PdsaCycle.change_idea_id == idea.id)
    latest = (
        select(PdsaCycle.act_decision)
        .where(PdsaCycle.change_idea_id == idea.id)
        .order_by(PdsaCycle.cycle_number.desc())
        .limit(1)
    )
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            idea.title.label("change_idea"),
            cycles.scalar_subquery().label("cycles"),
            cycles.where(PdsaCycle.status == CycleStatus.OPEN).scalar_subquery().label("open_cycles"),
            latest.scalar_subquery().label("last_decision"),
            idea.created_by,
            idea.created_at,
        )
        .join(Team, idea.team_id == Team.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(Collaborative.key, Team.key, idea.title)
    )


def _calendar() -> Selectable:
    e = CalendarEvent
    return (
        select(
            COLLABORATIVE_KEY,
            e.key,
            e.title,
            e.kind,
            e.starts_at,
            e.duration_minutes,
            e.join_url,
            e.active,
        )
        .join(Collaborative, e.collaborative_id == Collaborative.id)
        .order_by(e.starts_at)
    )


def _rsvps() -> Selectable:
    return (
        select(
            CalendarEvent.key.label("event"),
            Rsvp.slack_user_id,
            Rsvp.response,
            Rsvp.updated_at,
            COLLABORATIVE_KEY,
        )
        .join(CalendarEvent, Rsvp.event_id == CalendarEvent.id)
        .join(Collaborative, CalendarEvent.collaborative_id == Collaborative.id)
        .order_by(Rsvp.id)
    )


def _feedback() -> Selectable:
    """Feedback answers, oldest event first: never the responder hash; the user ID only when the
    person added their name."""
    f = FeedbackResponse
    return (
        select(
            COLLABORATIVE_KEY,
            CalendarEvent.key.label("event"),
            TEAM_KEY,
            f.usefulness,
            f.most_useful,
            f.to_improve,
            f.will_apply,
            f.next_topics,
            f.slack_user_id,
            f.submitted_at,
            f.purged_at,
        )
        .join(CalendarEvent, f.event_id == CalendarEvent.id)
        .join(Collaborative, CalendarEvent.collaborative_id == Collaborative.id)
        .outerjoin(Team, f.team_id == Team.id)
        .order_by(CalendarEvent.starts_at, CalendarEvent.id, f.submitted_at, f.id)
    )


def _scores() -> Selectable:
    """Every team and month with a faculty score or a self-score, the two side by side."""
    s, r = FacultyScore, TeamReport
    keys = union(
        select(s.team_id, s.period),
        select(r.team_id, r.period).where(r.self_assessment.is_not(None)),
    ).subquery()
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            keys.c.period,
            s.score.label("faculty_score"),
            s.reason.label("faculty_reason"),
            s.scored_by,
            s.scored_at,
            r.self_assessment.label("self_score"),
        )
        .select_from(keys)
        .join(Team, Team.id == keys.c.team_id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .outerjoin(s, and_(s.team_id == keys.c.team_id, s.period == keys.c.period))
        .outerjoin(r, and_(r.team_id == keys.c.team_id, r.period == keys.c.period))
        .order_by(Collaborative.id, Team.id, keys.c.period)
    )


def _buddies() -> Selectable:
    improving, flat = aliased(Team), aliased(Team)
    b = BuddyPair
    return (
        select(
            COLLABORATIVE_KEY,
            b.month,
            Measure.key.label("measure"),
            improving.key.label("improving_team"),
            flat.key.label("flat_team"),
            b.created_at,
        )
        .join(Collaborative, b.collaborative_id == Collaborative.id)
        .join(Measure, b.measure_id == Measure.id)
        .join(improving, b.improving_team_id == improving.id)
        .join(flat, b.flat_team_id == flat.id)
        .order_by(b.month, b.id)
    )


def _team_usefulness() -> Selectable:
    """Evaluation input (not a table of its own): each feedback answer's usefulness, by team."""
    f = FeedbackResponse
    return (
        select(COLLABORATIVE_KEY, TEAM_KEY, f.usefulness, f.submitted_at)
        .join(Team, f.team_id == Team.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(f.id)
    )


def _team_faculty_scores() -> Selectable:
    """Evaluation input (not a table of its own): every faculty score, by team and month."""
    s = FacultyScore
    return (
        select(COLLABORATIVE_KEY, TEAM_KEY, s.period, s.score, s.scored_at)
        .join(Team, s.team_id == Team.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(Team.id, s.period, s.scored_at)
    )


def _narrative_revisions() -> Selectable:
    """The audit trail of the narratives: every change to a field (who, when, old, new)."""
    v, t = NarrativeRevision, TeamReport
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            t.period,
            v.field,
            v.changed_by,
            v.changed_at,
            v.old_value,
            v.new_value,
        )
        .join(t, v.team_report_id == t.id)
        .join(Team, t.team_id == Team.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(v.id)
    )


def _pdsa_revisions() -> Selectable:
    """The audit trail of PDSA updates: every change to a note, decision or end date."""
    v, p = PdsaRevision, PdsaCycle
    idea = aliased(ChangeIdea)
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            idea.title.label("change_idea"),
            p.cycle_number,
            v.field,
            v.changed_by,
            v.changed_at,
            v.old_value,
            v.new_value,
        )
        .join(p, v.cycle_id == p.id)
        .join(Team, p.team_id == Team.id)
        .join(idea, p.change_idea_id == idea.id)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .order_by(v.id)
    )


def _engagement() -> Selectable:
    a = PeerActivity
    return (
        select(
            COLLABORATIVE_KEY,
            TEAM_KEY,
            a.week,
            func.sum(a.posts).label("posts"),
            func.sum(a.replies).label("replies"),
            func.count(a.person).label("people"),
        )
        .join(Team, a.team_id == Team.id)
        .join(Collaborative, a.collaborative_id == Collaborative.id)
        .group_by(Collaborative.key, Team.key, a.week)
        .order_by(Collaborative.key, a.week, Team.key)
    )


#: Frames ``bot.export`` reads to compute the ``evaluation`` table; they are not written themselves.
EVALUATION_INPUTS: dict[str, Callable[[], Selectable]] = {
    "evaluation_usefulness": _team_usefulness,
    "evaluation_faculty_scores": _team_faculty_scores,
}

TABLES: dict[str, Callable[[], Selectable]] = {
    "collaboratives": _collaboratives,
    "teams": _teams,
    "memberships": _memberships,
    "measure_definitions": _measure_definitions,
    "measures": _measures,
    "measure_revisions": _measure_revisions,
    "team_reports": _team_reports,
    "pdsa": _pdsa,
    "change_ideas": _change_ideas,
    "calendar": _calendar,
    "rsvps": _rsvps,
    "narrative_revisions": _narrative_revisions,
    "pdsa_revisions": _pdsa_revisions,
    "feedback": _feedback,
    "scores": _scores,
    "buddies": _buddies,
    "engagement": _engagement,
}


def export_frames(db: Database) -> dict[str, pd.DataFrame]:
    frames: dict[str, pd.DataFrame] = {}
    with db.engine.connect() as conn:
        for name, query in (TABLES | EVALUATION_INPUTS).items():
            frames[name] = pd.read_sql(query(), conn)
    return frames
