"""The monthly report service: which form a person sees, and checking and saving what they submit.

Handlers call :func:`open_form` (the modal's content, or a refusal) and :func:`submit_report`
(field errors, a "Submit anyway?" step, a saved report, or a refusal); the handler renders each
and ``bot.measures.announce`` tells the team. Each request reads everything it needs in one
database session into a :class:`ReportScope`; a submission then saves in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.access import Action, acting_for, actionable_teams, faculty_to_ask, not_on_a_team_text, refused
from bot.format import escape
from bot.measures import rules
from bot.measures.rules import (
    MeasureInfo,
    ReportForm,
    ReportLine,
    Saved,
    SubmittedForm,
    TeamChoice,
    UnusualValue,
)
from bot.months import day_label, month_label, period_of
from bot.results import Invalid, Refusal
from storage.collaboratives import active_measures
from storage.db import Database
from storage.models import Collaborative, Team
from storage.people import Person
from storage.reports import (
    Narrative,
    ReportedValue,
    SaveResult,
    StoredTeamReport,
    Submission,
    latest_values_before,
    save_submission,
    stored_team_report,
    stored_values,
    team_and_collaborative,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NeedsConfirmation:
    form: ReportForm


@dataclass(frozen=True)
class ReportSeat:
    """The teams the person asking may report for, and the one this request is about."""

    choices: tuple[TeamChoice, ...]
    team: Team
    collab: Collaborative


@dataclass(frozen=True)
class ReportScope:
    """Everything one request read (in one session) about a team's report for one month."""

    seat: ReportSeat
    now: datetime
    measures: tuple[MeasureInfo, ...]
    months: tuple[str, ...]  # reportable, newest first
    period: str
    stored: Mapping[int, ReportedValue]  # the month's current values, by measure id
    history: Mapping[int, tuple[str, ReportedValue]]  # each measure's latest earlier value
    report: StoredTeamReport | None  # the month's narrative, who submitted it and when

    @property
    def team(self) -> Team:
        return self.seat.team

    @property
    def collab(self) -> Collaborative:
        return self.seat.collab


def _seat(session: Session, person: Person, team_id: int | None) -> ReportSeat | Refusal:
    """This person's seat on ``team_id`` (their first team when None), or why they have none."""
    choices = tuple(TeamChoice(s.team_id, s.team_name) for s in actionable_teams(session, person))
    if not choices:
        refused(person, Action.REPORT)
        return Refusal(not_on_a_team_text(faculty_to_ask(session, person)))
    seat = acting_for(session, person, Action.REPORT, team_id if team_id is not None else choices[0].team_id)
    if isinstance(seat, Refusal):
        return seat
    found = team_and_collaborative(session, seat.team_id)
    if found is None:
        raise LookupError(seat.team_id)
    team, collab = found
    return ReportSeat(choices, team, collab)


def _scope(session: Session, seat: ReportSeat, period: str, now: datetime) -> ReportScope:
    """Read what the month's form and checks need, in the request's session."""
    team_id = seat.team.id
    return ReportScope(
        seat=seat,
        now=now,
        measures=tuple(MeasureInfo.of(m) for m in active_measures(session, seat.collab.id)),
        months=tuple(rules.reportable_months(seat.collab, now)),
        period=period,
        stored=stored_values(session, team_id, period),
        history=latest_values_before(session, team_id, period),
        report=stored_team_report(session, team_id, period),
    )


def _month_to_show(
    collab: Collaborative, months: list[str], asked: str | None, now: datetime
) -> tuple[str, str | None]:
    """The month the form opens on, and a notice when it isn't the one asked for."""
    if asked is None:
        return months[0], None
    problem = rules.month_problem(collab, asked, now)
    if problem is None:
        return asked, None
    return months[0], f"{problem} Showing {month_label(months[0])} instead."


def open_form(
    db: Database, person: Person, now: datetime, *, team_id: int | None = None, period: str | None = None
) -> ReportForm | Refusal:
    """The form for this person (their first team unless ``team_id``), or why they can't report."""
    with db.reader() as session:
        seat = _seat(session, person, team_id)
        if isinstance(seat, Refusal):
            return seat
        months = rules.reportable_months(seat.collab, now)
        if not months:
            first = rules.first_reporting_day(seat.collab)
            return Refusal(
                f"{escape(seat.collab.name)} starts in {month_label(period_of(seat.collab.start))}. "
                f"Its first month can be reported from {day_label(first)}, {first.year}."
            )
        shown, notice = _month_to_show(seat.collab, months, period, now)
        scope = _scope(session, seat, shown, now)
    return _form(scope, notice)


def _form(scope: ReportScope, notice: str | None) -> ReportForm:
    collab, team, report, measures = scope.collab, scope.team, scope.report, list(scope.measures)
    reported = None
    if report is not None or scope.stored:
        if report is not None:
            when = day_label(rules.local_today(collab, report.submitted_at))
            reported = f"Already reported by <@{report.submitted_by}> on {when}."
        else:
            reported = "Already reported."
        reported += " Change any value to correct it; the earlier values are kept in the history."
    return ReportForm(
        teams=list(scope.seat.choices),
        team_id=team.id,
        team_name=team.name,
        months=list(scope.months),
        period=scope.period,
        measures=measures,
        values=rules.field_texts(measures, scope.stored),
        previous=rules.field_texts(measures, {mid: value for mid, (_, value) in scope.history.items()}),
        narrative=report.narrative if report is not None else Narrative(),
        due=rules.due_date(collab, scope.period),
        late=rules.is_late(collab, scope.period, scope.now),
        notice=notice,
        reported=reported,
    )


def _resubmitted_form(
    scope: ReportScope, sub: SubmittedForm, unusual: list[UnusualValue], narrative: Narrative
) -> ReportForm:
    """The same form, with what was typed, the warning, and these figures marked as confirmed."""
    return replace(
        _form(scope, None),
        values={key: (text or "").strip() for key, text in sub.fields.items() if text},
        narrative=narrative,
        warning=rules.unusual_warning(unusual, sub.period),
        confirmed={u.key: u.new for u in unusual},
    )


def _errors(scope: ReportScope, sub: SubmittedForm) -> dict[str, str]:
    """Everything wrong with the submission that isn't about one figure's number."""
    errors: dict[str, str] = {}
    if sub.selected_period is not None and sub.selected_period != sub.period:
        errors[rules.MONTH] = (
            "The form is still loading this month's values. Wait a moment, then submit again."
        )
    else:
        problem = rules.month_problem(scope.collab, sub.period, scope.now)
        if problem is not None:
            errors[rules.MONTH] = problem
    return errors


def submit_report(
    db: Database, person: Person, sub: SubmittedForm, now: datetime
) -> Invalid | NeedsConfirmation | Saved | Refusal:
    """Check everything; store only when all of it is right (and unusual figures are confirmed)."""
    user_id = person.user_id
    with db.reader() as session:
        seat = _seat(session, person, sub.team_id)
        if isinstance(seat, Refusal):
            return seat
        scope = _scope(session, seat, sub.period, now)
    measures = list(scope.measures)
    errors = _errors(scope, sub)
    parsed = rules.parse_values(measures, sub.fields)
    errors.update(parsed.errors)
    errors.update(rules.narrative_errors(sub.narrative, rules.local_today(scope.collab, scope.now)))
    score, score_error = rules.parse_self_assessment(sub.self_assessment)
    if score_error is not None:
        errors[rules.SELF_ASSESSMENT] = score_error
    if errors:
        return Invalid(errors)
    narrative = rules.narrative_of(sub.narrative, score)
    unusual = rules.unusual_values(measures, parsed.values, scope.history)
    if rules.unconfirmed(unusual, sub.confirmed):
        return NeedsConfirmation(_resubmitted_form(scope, sub, unusual, narrative))
    late = rules.is_late(scope.collab, sub.period, now)
    values = [parsed.values[m.id] for m in measures if m.id in parsed.values]
    submission = Submission(scope.team.id, sub.period, user_id, now, values, narrative, late)
    result = save_submission(db, submission)
    log.info("team %s reported %s (%s values changed)", scope.team.key, sub.period, len(result.changed))
    return _saved(scope, submission, result)


def _saved(scope: ReportScope, submission: Submission, result: SaveResult) -> Saved:
    team, period = scope.team, submission.period
    by_id = {v.measure_id: v for v in submission.values}
    changed = {c.new.measure_id for c in result.changed}
    lines = [
        ReportLine(m, by_id[m.id], scope.history.get(m.id), m.id in changed)
        for m in scope.measures
        if m.id in by_id
    ]
    stamp = int(submission.at.timestamp() * 1_000_000)
    return Saved(
        key=f"measures:{team.id}:{period}:{submission.submitted_by}:{stamp}",
        collaborative_id=scope.collab.id,
        team_id=team.id,
        team_name=team.name,
        channel_id=team.channel_id,
        period=period,
        user_id=submission.submitted_by,
        late=submission.late,
        due=rules.due_date(scope.collab, period),
        correction=result.is_correction,
        lines=lines,
    )
