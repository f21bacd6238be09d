"""The monthly report service: which form a person sees, checking and saving what they submit,
and telling the team and the submitter.

Handlers call :func:`open_form` (the modal's content, or a refusal), :func:`submit_report`
(field errors, a "Submit anyway?" step, or a saved report) and :func:`announce_report`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.access import actionable_teams, not_on_a_team_text, other_team_text
from bot.context import BotContext
from bot.measures import rules
from bot.measures.chart import post_team_chart
from bot.measures.rules import (
    MeasureInfo,
    ReportForm,
    ReportLine,
    Saved,
    SubmittedForm,
    TeamChoice,
    UnusualValue,
)
from bot.measures.views import channel_note, submitter_note
from bot.slack.delivery import Outgoing, deliver, run_once
from storage.collaboratives import active_measures
from storage.db import Database
from storage.models import Collaborative, Team
from storage.people import find_person
from storage.reports import (
    Narrative,
    ReportedValue,
    SaveResult,
    Submission,
    latest_values_before,
    save_submission,
    stored_team_report,
    stored_values,
    team_and_collaborative,
)

log = logging.getLogger(__name__)

JOB = "measures"


@dataclass(frozen=True)
class Refusal:
    text: str


@dataclass(frozen=True)
class Invalid:
    errors: dict[str, str]


@dataclass(frozen=True)
class NeedsConfirmation:
    form: ReportForm


def _team_choices(db: Database, user_id: str) -> list[TeamChoice]:
    with db.reader() as session:
        person = find_person(session, user_id)
        return [TeamChoice(s.team_id, s.team_name) for s in actionable_teams(session, person)]


def _refusal_for(
    db: Database, user_id: str, team_id: int | None, choices: list[TeamChoice]
) -> Refusal | None:
    with db.reader() as session:
        if not choices:
            return Refusal(not_on_a_team_text(session))
        if team_id is None or any(c.team_id == team_id for c in choices):
            return None
        found = team_and_collaborative(session, team_id)
    if found is None:
        return Refusal(
            "That team is no longer part of an active collaborative, so there's nothing to report."
        )
    return Refusal(other_team_text(found[0].name))


def _load(db: Database, team_id: int) -> tuple[Team, Collaborative, list[MeasureInfo]]:
    with db.reader() as session:
        found = team_and_collaborative(session, team_id)
        if found is None:
            raise LookupError(team_id)
        team, collab = found
        return team, collab, [MeasureInfo.of(m) for m in active_measures(session, collab.id)]


def open_form(
    db: Database, user_id: str, now: datetime, *, team_id: int | None = None, period: str | None = None
) -> ReportForm | Refusal:
    """The form for this person (their first team unless ``team_id``), or why they can't report."""
    choices = _team_choices(db, user_id)
    refusal = _refusal_for(db, user_id, team_id, choices)
    if refusal is not None:
        return refusal
    chosen = team_id if team_id is not None else choices[0].team_id
    team, collab, measures = _load(db, chosen)
    months = rules.reportable_months(collab, now)
    if not months:
        first = rules.first_reporting_day(collab)
        return Refusal(
            f"{collab.name} starts in {rules.month_label(rules.period_of(collab.start))}. "
            f"Its first month can be reported from {rules.due_label(first)}, {first.year}."
        )
    notice = None
    if period is None:
        period = months[0]
    else:
        problem = rules.month_problem(collab, period, now)
        if problem is not None:
            notice = f"{problem} Showing {rules.month_label(months[0])} instead."
            period = months[0]
    return _form(db, choices, team, collab, measures, months, period, now, notice)


def _form(
    db: Database,
    choices: list[TeamChoice],
    team: Team,
    collab: Collaborative,
    measures: list[MeasureInfo],
    months: list[str],
    period: str,
    now: datetime,
    notice: str | None,
) -> ReportForm:
    with db.reader() as session:
        stored = stored_values(session, team.id, period)
        history = latest_values_before(session, team.id, period)
        report = stored_team_report(session, team.id, period)
    reported = None
    if report is not None or stored:
        if report is not None:
            when = rules.due_label(rules.local_today(collab, report.submitted_at))
            reported = f"Already reported by <@{report.submitted_by}> on {when}."
        else:
            reported = "Already reported."
        reported += " Change any value to correct it; the earlier values are kept in the history."
    return ReportForm(
        teams=choices,
        team_id=team.id,
        team_name=team.name,
        months=months,
        period=period,
        measures=measures,
        values=rules.field_texts(measures, stored),
        previous=rules.field_texts(measures, {mid: value for mid, (_, value) in history.items()}),
        narrative=report.narrative if report is not None else Narrative(),
        due=rules.due_date(collab, period),
        late=rules.is_late(collab, period, now),
        notice=notice,
        reported=reported,
    )


def _resubmitted_form(
    db: Database,
    choices: list[TeamChoice],
    loaded: tuple[Team, Collaborative, list[MeasureInfo]],
    sub: SubmittedForm,
    now: datetime,
    unusual: list[UnusualValue],
    narrative: Narrative,
) -> ReportForm:
    """The same form, with what was typed, the warning, and these figures marked as confirmed."""
    team, collab, measures = loaded
    form = _form(
        db, choices, team, collab, measures, rules.reportable_months(collab, now), sub.period, now, None
    )
    form.values = {key: (text or "").strip() for key, text in sub.fields.items() if text}
    form.narrative = narrative
    form.warning = rules.unusual_warning(unusual, sub.period)
    form.confirmed = {u.key: u.new for u in unusual}
    return form


def submit_report(
    db: Database, user_id: str, sub: SubmittedForm, now: datetime
) -> Invalid | NeedsConfirmation | Saved | Refusal:
    """Check everything; store only when all of it is right (and unusual figures are confirmed)."""
    choices = _team_choices(db, user_id)
    refusal = _refusal_for(db, user_id, sub.team_id, choices)
    if refusal is not None:
        return refusal
    team, collab, measures = _load(db, sub.team_id)
    errors: dict[str, str] = {}
    if sub.selected_period is not None and sub.selected_period != sub.period:
        errors[rules.MONTH] = (
            "The form is still loading this month's values. Wait a moment, then submit again."
        )
    else:
        problem = rules.month_problem(collab, sub.period, now)
        if problem is not None:
            errors[rules.MONTH] = problem
    parsed = rules.parse_values(measures, sub.fields)
    errors.update(parsed.errors)
    errors.update(rules.narrative_errors(sub.narrative))
    score, score_error = rules.parse_self_assessment(sub.self_assessment)
    if score_error is not None:
        errors[rules.SELF_ASSESSMENT] = score_error
    if errors:
        return Invalid(errors)
    narrative = rules.narrative_of(sub.narrative, score)
    with db.reader() as session:
        history = latest_values_before(session, team.id, sub.period)
    unusual = rules.unusual_values(measures, parsed.values, history)
    if rules.unconfirmed(unusual, sub.confirmed):
        loaded = (team, collab, measures)
        return NeedsConfirmation(_resubmitted_form(db, choices, loaded, sub, now, unusual, narrative))
    late = rules.is_late(collab, sub.period, now)
    values = [parsed.values[m.id] for m in measures if m.id in parsed.values]
    result = save_submission(db, Submission(team.id, sub.period, user_id, now, values, narrative, late))
    log.info("team %s reported %s (%s values changed)", team.key, sub.period, len(result.changed))
    return _saved(team, collab, measures, sub.period, user_id, now, late, result, values, history)


def _saved(
    team: Team,
    collab: Collaborative,
    measures: list[MeasureInfo],
    period: str,
    user_id: str,
    now: datetime,
    late: bool,
    result: SaveResult,
    values: list[ReportedValue],
    history: Mapping[int, tuple[str, ReportedValue]],
) -> Saved:
    by_id = {v.measure_id: v for v in values}
    changed = {c.new.measure_id for c in result.changed}
    lines = [
        ReportLine(m, by_id[m.id], history.get(m.id), m.id in changed) for m in measures if m.id in by_id
    ]
    stamp = int(now.timestamp() * 1_000_000)
    return Saved(
        key=f"measures:{team.id}:{period}:{user_id}:{stamp}",
        collaborative_id=collab.id,
        team_id=team.id,
        team_name=team.name,
        channel_id=team.channel_id,
        period=period,
        user_id=user_id,
        late=late,
        due=rules.due_date(collab, period),
        correction=result.is_correction,
        lines=lines,
    )


def announce_report(ctx: BotContext, saved: Saved) -> None:
    """A short note in the team channel, a private confirmation and the team's run chart, each once."""
    outgoing = [
        Outgoing(f"{saved.key}:confirm", JOB, saved.user_id, submitter_note(saved), saved.collaborative_id)
    ]
    if saved.channel_id:
        outgoing.insert(
            0,
            Outgoing(
                f"{saved.key}:channel", JOB, saved.channel_id, channel_note(saved), saved.collaborative_id
            ),
        )
    for out in outgoing:
        deliver(ctx, out)
    if saved.channel_id:
        run_once(
            ctx,
            key=f"{saved.key}:chart",
            job=JOB,
            channel=saved.channel_id,
            action=lambda _thread_ts: post_team_chart(ctx, saved.team_id, saved.period),
            collaborative_id=saved.collaborative_id,
        )
