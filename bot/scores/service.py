"""Faculty scoring of teams: the scoring screen (team, month, the team's self-score, the hint),
storing a score, what teams see on their Home tab, and the digest's list of disagreements.

Only faculty and admins score (``bot.access``, ``Action.SCORE``); refusals are logged there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.access import Action, Target, check, collaboratives_where, refused
from bot.context import BotContext
from bot.digest.delivery import compute_digest
from bot.format import clean
from bot.months import first_day, following, last_complete, local_date, months_back, period_of, previous
from bot.results import Invalid, Refusal
from bot.scores import rules
from bot.scores.rules import Hint
from storage import scores as store
from storage.collaboratives import collaborative_by_id
from storage.db import Database
from storage.models import Collaborative
from storage.people import Person, TeamSeat, team_seat_in, teams_of_collaboratives

NOT_ALLOWED = (
    "Only faculty and admins can score teams on the IHI assessment scale. Your team's own "
    "self-assessment goes in its monthly report (`/measures`)."
)
NO_TEAM = "That team is no longer part of an active collaborative, so it can't be scored."
NO_MONTH = "Choose a month of the collaborative that is over."
#: Months offered in the form, newest first.
MONTHS_OFFERED = 12


@dataclass(frozen=True)
class ScoreScreen:
    teams: tuple[TeamSeat, ...]
    team: TeamSeat
    months: tuple[str, ...]  # newest first
    period: str
    self_score: float | None
    current: store.StoredScore | None
    hint: Hint | None


@dataclass(frozen=True)
class ScoreSaved:
    team_name: str
    period: str
    score: float
    replaced: bool


def _collaborative(db: Database, collaborative_id: int) -> Collaborative:
    with db.reader() as session:
        collab = collaborative_by_id(session, collaborative_id)
    assert collab is not None
    return collab


def _months(collab: Collaborative, now: datetime) -> tuple[str, ...]:
    last = last_complete(local_date(now, collab.timezone))
    months = months_back(last, period_of(collab.start)) or [last]  # before the start: last month only
    return tuple(months[:MONTHS_OFFERED])


def _find_team(teams: list[TeamSeat], wanted: str) -> TeamSeat | None:
    wanted = wanted.strip().lower()
    if not wanted:
        return None
    return next(
        (t for t in teams if wanted in (t.team_key.lower(), t.team_name.lower())),
        next((t for t in teams if wanted in t.team_name.lower()), None),
    )


def _hint(db: Database, collab: Collaborative, seat: TeamSeat, period: str) -> Hint | None:
    """The data's suggestion for the team's month, by the digest's rules as of the month after."""
    with db.reader() as session:
        figures = store.measure_figures(session, seat.team_id, seat.collaborative_id, period)
    tz = ZoneInfo(collab.timezone)
    as_of = datetime.combine(first_day(following(period)), time(12), tzinfo=tz)
    digest = compute_digest(db, seat.collaborative_id, as_of)
    row = next((r for r in digest.teams if r.team == seat.team_key), None)
    improving = set(row.improvements) if row is not None else set()
    last_pdsa: date | None = row.last_pdsa if row is not None else None
    # one baseline everywhere: the team's chart centre line (its frozen baseline median), else the file's
    centers = (
        dict(zip([m.name for m in digest.measures], row.centers, strict=False)) if row is not None else {}
    )
    measures = [
        rules.progress(
            f.name, f.value, _first(centers.get(f.name), f.baseline), f.goal, f.direction, f.name in improving
        )
        for f in figures
    ]
    recently = last_pdsa is not None and last_pdsa >= first_day(previous(period))
    return rules.suggest(measures, recently)


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def score_screen(
    ctx: BotContext, person: Person, wanted_team: str | int | None = None, period: str | None = None
) -> ScoreScreen | Refusal:
    """The scoring form for a team (by id, key or name; default the first) and month (default the
    last complete one), with its self-score, any score already given and the hint."""
    allowed = collaboratives_where(person, Action.SCORE)
    if not allowed:
        refused(person, Action.SCORE)
        return Refusal(NOT_ALLOWED)
    with ctx.db.reader() as session:
        teams = teams_of_collaboratives(session, allowed)
    if not teams:
        return Refusal(NO_TEAM)
    if isinstance(wanted_team, int):
        team = next((t for t in teams if t.team_id == wanted_team), None)
    else:
        team = _find_team(teams, wanted_team or "")
    team = team or teams[0]
    collab = _collaborative(ctx.db, team.collaborative_id)
    months = _months(collab, ctx.now())
    chosen = period if period in months else months[0]
    with ctx.db.reader() as session:
        own = store.self_score(session, team.team_id, chosen)
        current = store.faculty_score(session, team.team_id, chosen)
    hint = _hint(ctx.db, collab, team, chosen)
    return ScoreScreen(tuple(teams), team, months, chosen, own, current, hint)


def submit_score(
    ctx: BotContext,
    person: Person,
    team_id: int | None,
    period: str | None,
    raw_score: str | None,
    reason: str | None,
) -> ScoreSaved | Invalid | Refusal:
    """Store faculty's score (replacing an earlier one for that team and month), or say why not."""
    with ctx.db.reader() as session:
        seat = team_seat_in(session, person.workspace, team_id) if team_id is not None else None
    if seat is None:
        refused(person, Action.SCORE, Target("team", team_id or 0, 0, team_id))
        return Refusal(NO_TEAM if collaboratives_where(person, Action.SCORE) else NOT_ALLOWED)
    if not check(person, Action.SCORE, Target.team(seat)):
        return Refusal(NOT_ALLOWED)
    collab = _collaborative(ctx.db, seat.collaborative_id)
    if period not in _months(collab, ctx.now()):
        return Invalid({"month": NO_MONTH})
    score = rules.parse_score(raw_score)
    reason = clean(reason)
    errors = rules.check_score(score, reason, local_date(ctx.now(), collab.timezone))
    if errors:
        return Invalid(errors)
    assert score is not None
    with ctx.db.transaction() as session:
        replaced = store.save_score(
            session,
            team_id=seat.team_id,
            period=period,
            score=score,
            reason=reason,
            user_id=person.user_id,
            now=ctx.now(),
        )
    return ScoreSaved(seat.team_name, period, score, replaced)


# -- what teams and the digest see ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamScore:
    team_name: str
    period: str
    score: float
    reason: str | None  # typed by faculty: escape before mrkdwn


def latest_team_scores(db: Database, person: Person) -> tuple[TeamScore, ...]:
    """The latest faculty score (and reason) of each of the person's own teams."""
    names = {s.team_id: s.team_name for s in person.seats}
    with db.reader() as session:
        latest = store.latest_scores(session, list(names))
    return tuple(
        TeamScore(names[team_id], s.period, s.score, s.reason) for team_id, s in sorted(latest.items())
    )


@dataclass(frozen=True)
class Disagreement:
    team_name: str
    faculty: float
    self_score: float


def disagreements(db: Database, collaborative_id: int, period: str) -> list[Disagreement]:
    """Teams whose faculty score and self-score for ``period`` are 1.5 points or more apart."""
    with db.reader() as session:
        pairs = store.scores_for_month(session, collaborative_id, period)
    return [
        Disagreement(p.team_name, p.faculty, p.self_score)
        for p in pairs
        if p.faculty is not None and p.self_score is not None and rules.disagree(p.faculty, p.self_score)
    ]
