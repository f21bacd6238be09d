"""The weekly faculty digest, as data: who is improving, who is stuck, what is coming up.

:func:`build_digest` turns a :class:`storage.digest_queries.DigestData` into a :class:`Digest`
(no Slack, no database). Everything is computed with pandas/numpy over whole frames; the run
chart rules for every team and measure come from :func:`bot.analytics.panel.analyse_panel`.

Definitions (faculty-facing):

- Reporting period: the last complete month before the digest's local date.
- A team "reported" a month when it has any measure value or a narrative report for it.
- A report is *missed* once its due date (``due_day`` of the next month) has passed. "Missed two
  in a row" looks at the two latest months already due, from the collaborative's start.
- Baseline (frozen median): the median of the first ``baseline_months`` reported months (the
  file's, default 12, never fewer than 10); a measure's ``baseline`` in the file is the centre of
  the collaborative chart instead. Rules: the file's ``rules`` (Anhøj by default; see
  :mod:`bot.analytics.runchart`). The collaborative proportion also gets p′-chart limits
  (:mod:`bot.analytics.pchart`): a month beyond them is an astronomical point.
- Signals: only current ones (reaching the latest month) flag a team; a trend never does alone.
- A *new* improvement signal: an improvement signal now that was not there a month earlier.
- No PDSA activity: no cycle started, finished or updated in the last 6 weeks (checked once the
  collaborative has run for 6 weeks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from bot.analytics.chart_spec import RunChart, Session
from bot.analytics.panel import analyse_panel
from bot.analytics.pchart import p_chart
from bot.analytics.runchart import DEFAULT_BASELINE_POINTS, RunChartResult, analyse
from bot.analytics.series import collaborative_series, progress_to_goal, team_series, to_periods
from bot.format import unit_label
from bot.months import day_in_following_month, iso_week, last_complete, local_time, month_label
from storage.digest_queries import DigestData
from storage.enums import CallKind, CycleStatus, Decision, Direction, MeasureKind, MeasureType

NO_PDSA_DAYS = 42
WEEK_DAYS = 7
NOT_TRACKED = "not tracked yet"
DECISIONS = tuple(Decision)


@dataclass(frozen=True)
class MeasureLine:
    key: str
    name: str
    type: MeasureType
    kind: MeasureKind
    direction: Direction
    goal: float | None
    value: float | None  # collaborative value for the reporting period
    previous: float | None  # the month before
    change: float | None
    n_teams: int  # teams whose value is in ``value``
    signal: str | None  # improvement | deterioration | None
    has_signal: bool
    finding: str
    progress: float | None  # fraction of the way from baseline to goal
    multiplier: float | None = None  # rates: "per N"
    center: float | None = None  # the chart's centre line: the baseline everything is measured from
    center_source: str = "none"  # file | baseline | all (not yet frozen) | none
    rule: str | None = None  # the rule of the current signal
    since: str | None = None  # first month (YYYY-MM) of the current signal
    ended: str | None = None  # direction of an earlier signal that ended, when none is current
    teams_joined: tuple[str, ...] = ()  # reporting this month, not last month
    teams_left: tuple[str, ...] = ()  # reporting last month, not this month

    @property
    def percent(self) -> bool:
        return self.type == MeasureType.PROPORTION

    @property
    def goal_met_at_baseline(self) -> bool:
        """The baseline already meets the goal (higher- or lower-is-better)."""
        if self.goal is None or self.center is None or math.isnan(self.center):
            return False
        return self.center >= self.goal if self.direction == "up" else self.center <= self.goal


@dataclass(frozen=True)
class TeamFlag:
    """A team worth a look: spotlight candidates and teams needing support."""

    team: str
    name: str
    reasons: list[str]


@dataclass(frozen=True)
class SupportFlag:
    """A team that may need support, as App Home's faculty grid and the call-prep draft show it."""

    team_name: str
    reasons: tuple[str, ...]


def support_flags(flags: list[TeamFlag]) -> tuple[SupportFlag, ...]:
    return tuple(SupportFlag(f.name, tuple(f.reasons)) for f in flags)


@dataclass(frozen=True)
class PdsaActivity:
    started_week: int
    completed_week: int
    decisions_week: dict[str, int]
    started_total: int
    completed_total: int
    decisions_total: dict[str, int]
    open_now: int
    teams_active_6_weeks: int


@dataclass(frozen=True)
class UpcomingCall:
    title: str
    kind: CallKind
    starts_at: datetime  # local time
    join_url: str | None
    going: int
    not_going: int


@dataclass(frozen=True)
class TeamRow:
    team: str
    name: str
    reported: bool  # for the reporting period
    key_value: float | None  # first measure, reporting period
    improvements: list[str]
    deteriorations: list[str]
    last_pdsa: date | None
    values: tuple[float | None, ...] = ()  # every measure (the digest's order), reporting period
    centers: tuple[float | None, ...] = ()  # each measure's chart centre line for the team (its baseline)


@dataclass(frozen=True)
class SignalRow:
    """One run-chart verdict as of the reporting period: a team's measure, or the collaborative's
    (``team`` None). What the digest decided, for the signals export."""

    team: str | None
    measure: str
    points: int  # months reported up to the period
    baseline_months: int | None  # reported months in the frozen baseline (None: not frozen, or the file's)
    center: float | None
    signal: str  # improvement | deterioration | none
    rule: str | None
    since: str | None  # YYYY-MM: first month of the current signal


@dataclass(frozen=True)
class ChartSeries:
    """One measure's collaborative run chart: what it shows (:class:`RunChart`) and its measure key."""

    measure: str
    chart: RunChart

    @property
    def title(self) -> str:
        return self.chart.title

    @property
    def result(self) -> RunChartResult:
        return self.chart.result


@dataclass(frozen=True)
class Digest:
    collaborative_id: int
    collaborative_key: str
    collaborative_name: str
    as_of: datetime  # local
    week: str  # ISO year-week, e.g. 2027-W07
    period: pd.Period
    due_date: date
    due_passed: bool
    n_teams: int
    n_reported: int
    missing: list[str]  # team names
    measures: list[MeasureLine]
    spotlight: list[TeamFlag]
    support: list[TeamFlag]
    pdsa: PdsaActivity
    calls: list[UpcomingCall]
    teams: list[TeamRow]
    charts: list[ChartSeries]
    improvement_share: float | None  # share of reporting teams with an improvement signal on any measure
    key_measure: str | None
    peer_engagement: str = NOT_TRACKED
    feedback: str = NOT_TRACKED
    improving_teams: int = 0  # reporting teams with an improvement signal on at least one measure
    signals: tuple[SignalRow, ...] = ()  # every verdict the digest used: collaborative rows, then teams
    notes: list[str] = field(default_factory=list)
    #: Teams whose faculty score and self-score for the period are 1.5 points or more apart:
    #: (team name, faculty score, self-score).
    score_gaps: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        return month_label(str(self.period))


def due_date(period: pd.Period, due_day: int) -> date:
    """Month M is due on ``due_day`` of month M+1."""
    return day_in_following_month(str(period), due_day)


def reporting_period(local_day: date) -> pd.Period:
    """The last complete month before ``local_day``."""
    return pd.Period(last_complete(local_day), freq="M")


def _optional(value: object) -> float | None:
    """A number from a data-frame cell, or None for a missing one (None or NaN)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def baseline_months(data: DigestData, months: pd.PeriodIndex | None = None) -> int:
    """Reported months in the frozen baseline: the file's ``baseline_months`` (default 12)."""
    return int(data.collaborative.baseline_months or DEFAULT_BASELINE_POINTS)


def run_chart_rules(data: DigestData) -> str:
    """The collaborative's run-chart rules: ``anhoej`` (default) or ``ihi``."""
    return data.collaborative.rules or "anhoej"


def _reports_until(data: DigestData, period: pd.Period) -> pd.DataFrame:
    reports = data.reports.copy()
    reports["period"] = to_periods(reports["period"])
    return reports[reports["period"] <= period]


def _months(reports: pd.DataFrame, period: pd.Period) -> pd.PeriodIndex:
    first = reports["period"].min() if not reports.empty else period
    return pd.period_range(min(first, period), period, freq="M")


def _reported_matrix(data: DigestData, reports: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """Teams x months: True where the team reported anything for the month."""
    teams = pd.Index(data.teams["team"])
    matrix = np.zeros((len(teams), len(months)), dtype=bool)
    narrative_periods = to_periods(data.team_reports["period"])
    for team_keys, periods in (
        (reports["team"], reports["period"]),
        (data.team_reports["team"], narrative_periods),
    ):
        rows = teams.get_indexer(pd.Index(team_keys))
        cols = months.get_indexer(pd.PeriodIndex(periods, freq="M"))
        found = (rows >= 0) & (cols >= 0)
        matrix[rows[found], cols[found]] = True
    return pd.DataFrame(matrix, index=teams, columns=months)


def learning_sessions(data: DigestData) -> list[Session]:
    """The collaborative's learning sessions, on their local days, for the charts' session lines."""
    tz = ZoneInfo(data.collaborative.timezone)
    return [
        Session(pd.Timestamp(start).tz_convert(tz).date(), str(title))
        for title, start in zip(data.sessions["title"], data.sessions["starts_at"], strict=True)
    ]


def pdsa_starts_per_month(pdsa: pd.DataFrame, months: pd.PeriodIndex) -> list[int]:
    """How many PDSA cycles started in each of ``months``."""
    if pdsa.empty:
        return [0] * len(months)
    started = pd.PeriodIndex(pd.to_datetime(pdsa["start_date"]), freq="M")
    counts = pd.Series(1, index=started).groupby(level=0).sum()
    return [int(n) for n in counts.reindex(months, fill_value=0)]


def chart_unit(measure: Mapping[Any, Any], per_team: bool) -> str:
    """The y-axis label of a measure's chart (``% of patients``, ``per 1,000 visits``, ``per team``)."""
    return unit_label(
        measure["type"],
        _optional(measure.get("multiplier")),
        measure.get("denominator_definition"),
        per_team=per_team,
    )


def _collaborative_lines(
    data: DigestData, reports: pd.DataFrame, months: pd.PeriodIndex, span: int
) -> tuple[list[MeasureLine], list[ChartSeries]]:
    pooled = collaborative_series(reports, data.measures) if not reports.empty else None
    lines: list[MeasureLine] = []
    charts: list[ChartSeries] = []
    period = months[-1]
    sessions = learning_sessions(data)
    pdsa_counts = pdsa_starts_per_month(data.pdsa, months)
    reporting = _reporting_teams(reports, period)
    for measure in data.measures.to_dict("records"):
        if pooled is not None and measure["key"] in pooled.index.get_level_values("measure"):
            series = pooled.xs(measure["key"], level="measure")
        else:
            series = pd.DataFrame(
                {"value": [], "numerator": [], "denominator": [], "n_teams": []},
                index=pd.PeriodIndex([], freq="M"),
            )
        values = series["value"].reindex(months).to_numpy(dtype=np.float64)
        if measure["type"] == MeasureType.COUNT:  # a team-level goal: compare the mean per reporting team
            values = values / series["n_teams"].reindex(months).to_numpy(dtype=np.float64)
        percent = bool(measure["type"] == MeasureType.PROPORTION)
        given = _optional(measure["baseline"])
        limits = None
        limits_label = "Control limits"
        if percent:
            chart_limits = p_chart(
                series["numerator"].reindex(months).to_numpy(dtype=np.float64),
                series["denominator"].reindex(months).to_numpy(dtype=np.float64),
                span,
                given,
            )
            limits = chart_limits.limits
            limits_label = f"Control limits ({'Laney p′' if chart_limits.laney else 'p'} chart)"
        result = analyse(
            values,
            measure["direction"],
            span,
            percent=percent,
            rules=run_chart_rules(data),
            center=given,
            limits=limits,
            months=list(months),
        )
        value = _optional(values[-1])
        previous = _optional(values[-2]) if values.size > 1 else None
        goal = _optional(measure["goal"])
        start = _optional(result.center)
        joined, left = _reporting_change(data, reporting, measure["key"], period)
        lead = result.lead
        lines.append(
            MeasureLine(
                key=measure["key"],
                name=measure["name"],
                type=measure["type"],
                kind=measure["kind"],
                direction=measure["direction"],
                goal=goal,
                value=value,
                previous=previous,
                change=None if value is None or previous is None else value - previous,
                n_teams=int(series["n_teams"].get(period, 0)),
                signal=result.signal_direction,
                has_signal=bool(result.current_signals),
                finding=result.finding,
                progress=None
                if value is None or goal is None or start is None
                else progress_to_goal(start, value, goal),
                multiplier=_optional(measure.get("multiplier")),
                center=start,
                center_source=result.center_source,
                rule=result.rule,
                since=str(months[result.since]) if result.since is not None else None,
                ended=lead.direction if lead is not None and not lead.current else None,
                teams_joined=joined,
                teams_left=left,
            )
        )
        n_teams = series["n_teams"].reindex(months, fill_value=0).fillna(0)
        chart = RunChart(
            title=f"{measure['name']}: all teams",
            periods=list(months),
            values=values,
            result=result,
            measure_type=measure["type"],
            unit=chart_unit(measure, per_team=True),
            direction=measure["direction"],
            goal=goal,
            multiplier=_optional(measure.get("multiplier")),
            per_team=True,
            pdsa_counts=pdsa_counts,
            n_teams=[int(n) for n in n_teams],
            sessions=sessions,
            limits=limits,
            limits_label=limits_label,
        )
        charts.append(ChartSeries(measure=measure["key"], chart=chart))
    return lines, charts


def _reporting_teams(reports: pd.DataFrame, period: pd.Period) -> dict[tuple[str, pd.Period], set[str]]:
    """(measure, month) -> teams with a value, for ``period`` and the month before."""
    rows = reports[reports["period"].isin([period, period - 1])]
    rows = rows[rows[["numerator", "value"]].notna().any(axis=1)]
    return {
        (str(measure), pd.Period(str(month), freq="M")): set(group)
        for (measure, month), group in rows.groupby(["measure", "period"])["team"]
    }


def _reporting_change(
    data: DigestData, teams: dict[tuple[str, pd.Period], set[str]], measure: str, period: pd.Period
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names of the teams that reported ``measure`` this month but not last month, and the reverse."""
    now = teams.get((measure, period), set())
    before = teams.get((measure, period - 1), set())
    if not before:  # nothing last month: no change to speak of
        return (), ()
    names = _names(data)
    order = {team: i for i, team in enumerate(data.teams["team"])}

    def named(found: set[str]) -> tuple[str, ...]:
        return tuple(names.get(t, t) for t in sorted(found, key=lambda t: order.get(t, 0)))

    return named(now - before), named(before - now)


def team_panel(data: DigestData, reports: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """(team, measure) x months of values, NaN where not reported."""
    if reports.empty:
        index = pd.MultiIndex.from_tuples([], names=["team", "measure"])
        return pd.DataFrame(index=index, columns=months, dtype=float)
    values = team_series(reports, data.measures)["value"]
    return values.unstack("period").reindex(columns=months)


Limits = dict[tuple[str, str], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]


def team_limits(data: DigestData, reports: pd.DataFrame, months: pd.PeriodIndex, span: int) -> Limits:
    """p-chart limits per (team, proportion measure) when the collaborative uses the IHI rules (their
    astronomical point); none under the Anhøj rules, which judge team charts by runs alone."""
    if run_chart_rules(data) != "ihi" or reports.empty:
        return {}
    series = team_series(reports, data.measures)
    proportions = set(data.measures.loc[data.measures["type"] == MeasureType.PROPORTION, "key"])
    limits: Limits = {}
    for key, group in series.groupby(level=["team", "measure"]):
        team, measure = str(key[0]), str(key[1])  # type: ignore[index]
        if measure in proportions:
            parts = group.droplevel(["team", "measure"]).reindex(months)
            chart = p_chart(
                parts["numerator"].to_numpy(np.float64), parts["denominator"].to_numpy(np.float64), span
            )
            limits[(team, measure)] = chart.limits
    return limits


def team_signals(
    data: DigestData, panel: pd.DataFrame, span: int, limits: Limits | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run-chart verdicts per (team, measure): as of the period, and as of a month earlier for the
    series that show an improvement now (the only ones whose past verdict the digest asks for)."""
    directions = data.measures.set_index("key")["direction"]
    row_directions = pd.Series(
        directions.reindex(panel.index.get_level_values("measure")).to_numpy(), index=panel.index
    )
    rules = run_chart_rules(data)
    now = analyse_panel(panel, row_directions, span, rules, limits)
    improving = now["signal_direction"].eq("improvement").to_numpy()
    before = analyse_panel(panel.iloc[improving, :-1], row_directions[improving], span, rules, limits)
    return now, before


def _names(data: DigestData) -> dict[str, str]:
    return dict(zip(data.teams["team"], data.teams["name"], strict=True))


def _measure_names(data: DigestData) -> dict[str, str]:
    return dict(zip(data.measures["key"], data.measures["name"], strict=True))


def _by_team(frame: pd.DataFrame, measure_names: dict[str, str]) -> dict[str, list[str]]:
    """team -> measure names, for the (team, measure) rows of ``frame``."""
    if frame.empty:
        return {}
    keys = frame.index.to_frame(index=False)
    keys["name"] = keys["measure"].map(measure_names)
    return {str(k): list(v) for k, v in keys.groupby("team", sort=False)["name"]}


def _last_pdsa_activity(pdsa: pd.DataFrame, tz: ZoneInfo) -> pd.Series:
    """team -> last local date a cycle started, finished or was updated."""
    if pdsa.empty:
        return pd.Series(dtype="datetime64[ns]")
    updated = pdsa["updated_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    latest = pd.concat([pdsa["start_date"], pdsa["end_date"], updated], axis=1).max(axis=1)
    return latest.groupby(pdsa["team"]).max()


def _tally(decisions: pd.Series) -> dict[str, int]:
    counts = decisions.value_counts()
    return {d: int(counts.get(d, 0)) for d in DECISIONS}


def _pdsa_activity(
    pdsa: pd.DataFrame, today: pd.Timestamp, tz: ZoneInfo, team_keys: pd.Series
) -> PdsaActivity:
    week_start = today - pd.Timedelta(days=WEEK_DAYS)
    started = pdsa["start_date"]
    completed = pdsa["status"] == CycleStatus.COMPLETED
    finished_on = pdsa["end_date"].fillna(
        pdsa["updated_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    )
    in_week = (finished_on > week_start) & (finished_on <= today)
    last = _last_pdsa_activity(pdsa, tz)
    active = last[last > today - pd.Timedelta(days=NO_PDSA_DAYS)].index
    return PdsaActivity(
        started_week=int(((started > week_start) & (started <= today)).sum()),
        completed_week=int((completed & in_week).sum()),
        decisions_week=_tally(pdsa.loc[completed & in_week, "act_decision"]),
        started_total=int((started <= today).sum()),
        completed_total=int(completed.sum()),
        decisions_total=_tally(pdsa.loc[completed, "act_decision"]),
        open_now=int((~completed).sum()),
        teams_active_6_weeks=int(team_keys.isin(active).sum()),
    )


def _support(
    data: DigestData,
    reported: pd.DataFrame,
    deteriorations: dict[str, list[str]],
    last_pdsa: pd.Series,
    local_day: date,
    period: pd.Period,
    due_passed: bool,
) -> list[TeamFlag]:
    collab = data.collaborative
    teams = data.teams["team"]
    latest_due = period if due_passed else period - 1
    due_pair = [latest_due - 1, latest_due]
    start_month = pd.Period(collab.start, "M")
    missed_two = pd.Series(False, index=teams.to_numpy())
    if due_pair[0] >= start_month and all(p in reported.columns for p in due_pair):
        missed_two = ~reported[due_pair].any(axis=1)
    today = pd.Timestamp(local_day)
    quiet = pd.Series(False, index=teams.to_numpy())
    if (local_day - collab.start).days >= NO_PDSA_DAYS:
        last = last_pdsa.reindex(teams.to_numpy())
        quiet = last.isna() | (last <= today - pd.Timedelta(days=NO_PDSA_DAYS))
    flags: list[TeamFlag] = []
    months = f"{month_label(str(due_pair[0]))} and {month_label(str(due_pair[1]))}"
    for team, name in zip(teams, data.teams["name"], strict=True):
        reasons: list[str] = []
        if bool(missed_two.get(team, False)):
            reasons.append(f"missed the {months} reports")
        if bool(quiet.get(team, False)):
            last_day = last_pdsa.get(team)
            since = f" (last {pd.Timestamp(last_day).strftime('%d %b')})" if last_day is not None else ""
            reasons.append(f"no PDSA activity in 6 weeks{since}")
        if team in deteriorations:
            reasons.append("deterioration on " + ", ".join(deteriorations[team]))
        if reasons:
            flags.append(TeamFlag(team, name, reasons))
    return flags


def _spotlight(
    data: DigestData,
    panel: pd.DataFrame,
    new: pd.DataFrame,
    span: int,
    measure_names: dict[str, str],
    limits: Limits | None = None,
) -> list[TeamFlag]:
    """Teams with a new improvement signal, each with the finding in words."""
    types = data.measures.set_index("key")
    names = _names(data)
    reasons: dict[str, list[str]] = {}
    for team, measure in new.index:
        row = types.loc[measure]
        result = analyse(
            panel.loc[(team, measure)].to_numpy(dtype=np.float64),
            str(row["direction"]),
            span,
            percent=row["type"] == MeasureType.PROPORTION,
            rules=run_chart_rules(data),
            months=list(panel.columns),
            limits=(limits or {}).get((team, measure)),
        )
        reasons.setdefault(team, []).append(f"{measure_names[measure]}: {result.finding}")
    order = {team: i for i, team in enumerate(data.teams["team"])}
    return [
        TeamFlag(t, names[t], r) for t, r in sorted(reasons.items(), key=lambda item: order.get(item[0], 0))
    ]


def _calls(data: DigestData, tz: ZoneInfo) -> list[UpcomingCall]:
    return [
        UpcomingCall(
            title=str(call["title"]),
            kind=CallKind(call["kind"]),
            starts_at=pd.Timestamp(call["starts_at"]).to_pydatetime().astimezone(tz),
            join_url=call["join_url"] if isinstance(call["join_url"], str) else None,
            going=int(call["going"]),
            not_going=int(call["not_going"]),
        )
        for call in data.calls.to_dict("records")
    ]


def build_digest(data: DigestData, as_of: datetime) -> Digest:
    """The digest as of ``as_of`` (aware; read in the collaborative's timezone)."""
    collab = data.collaborative
    tz = ZoneInfo(collab.timezone)
    local = local_time(as_of, collab.timezone)
    local_day = local.date()
    period = reporting_period(local_day)
    due = due_date(period, collab.due_day)
    reports = _reports_until(data, period)
    months = _months(reports, period)
    span = baseline_months(data, months)

    reported = _reported_matrix(data, reports, months)
    reported_now = reported[period]
    measure_names = _measure_names(data)
    lines, charts = _collaborative_lines(data, reports, months, span)

    panel = team_panel(data, reports, months)
    limits = team_limits(data, reports, months, span)
    now, before = team_signals(data, panel, span, limits)
    improving = now[now["signal_direction"] == "improvement"]
    new = improving[before.loc[improving.index, "signal_direction"] != "improvement"]
    deteriorating = now[now["signal_direction"] == "deterioration"]
    deteriorations = _by_team(deteriorating, measure_names)
    improvements = _by_team(improving, measure_names)

    last_pdsa = _last_pdsa_activity(data.pdsa, tz)
    key_measure = str(data.measures["key"].iloc[0]) if not data.measures.empty else None
    latest = (panel[period] if not panel.empty else pd.Series(dtype=float)).to_dict()  # a dict: fast .get
    centers = now["center"].to_dict() if not now.empty else {}  # the team charts' centre lines
    measure_keys = list(data.measures["key"])
    names = _names(data)
    n_teams = len(data.teams)
    reporting = {str(t) for t in reported_now.index[reported_now.to_numpy()]}
    improving_teams = len(reporting & set(improvements))
    return Digest(
        collaborative_id=collab.id,
        collaborative_key=collab.key,
        collaborative_name=collab.name,
        as_of=local,
        week=iso_week(local_day),
        period=period,
        due_date=due,
        due_passed=local_day > due,
        n_teams=n_teams,
        n_reported=int(reported_now.sum()),
        missing=[names[t] for t in reported_now.index[~reported_now.to_numpy()]],
        measures=lines,
        spotlight=_spotlight(data, panel, new, span, measure_names, limits),
        support=_support(data, reported, deteriorations, last_pdsa, local_day, period, local_day > due),
        pdsa=_pdsa_activity(data.pdsa, pd.Timestamp(local_day), tz, data.teams["team"]),
        calls=_calls(data, tz),
        teams=[
            TeamRow(
                team=team,
                name=name,
                reported=bool(reported_now.get(team, False)),
                key_value=_optional(latest.get((team, key_measure))) if key_measure else None,
                improvements=improvements.get(team, []),
                deteriorations=deteriorations.get(team, []),
                last_pdsa=_to_date(last_pdsa.get(team)),
                values=tuple(_optional(latest.get((team, key))) for key in measure_keys),
                centers=tuple(_optional(centers.get((team, key))) for key in measure_keys),
            )
            for team, name in zip(data.teams["team"], data.teams["name"], strict=True)
        ],
        charts=charts,
        improvement_share=improving_teams / len(reporting) if reporting else None,
        key_measure=key_measure,
        improving_teams=improving_teams,
        signals=_signal_rows(data, charts, now, months),
    )


def _signal_rows(
    data: DigestData, charts: list[ChartSeries], now: pd.DataFrame, months: pd.PeriodIndex
) -> tuple[SignalRow, ...]:
    """The collaborative's verdict per measure, then every team's (every active team and measure,
    in the file's order; no data is 0 points and no signal), as the digest judged them."""
    rows = [
        SignalRow(
            team=None,
            measure=chart.measure,
            points=chart.result.n_points,
            baseline_months=chart.result.baseline_n if chart.result.center_source == "baseline" else None,
            center=_optional(chart.result.center),
            signal=chart.result.signal,
            rule=chart.result.rule,
            since=str(months[chart.result.since]) if chart.result.since is not None else None,
        )
        for chart in charts
    ]
    columns = ["n_points", "baseline_n", "frozen", "center", "signal_direction", "rule", "since"]
    verdicts = dict(zip(now.index, now[columns].itertuples(index=False, name=None), strict=True))
    for team in data.teams["team"]:
        for measure in data.measures["key"]:
            verdict = verdicts.get((team, measure))
            if verdict is None:
                rows.append(SignalRow(str(team), str(measure), 0, None, None, "none", None, None))
                continue
            points, baseline_n, frozen, center, direction, rule, since = verdict
            rows.append(
                SignalRow(
                    team=str(team),
                    measure=str(measure),
                    points=int(points),
                    baseline_months=int(baseline_n) if frozen else None,
                    center=_optional(center),
                    signal=direction or "none",
                    rule=rule,
                    since=str(months[int(since)]) if since is not None and not pd.isna(since) else None,
                )
            )
    return tuple(rows)


def _to_date(value: object) -> date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def week_key(digest: Digest) -> str:
    """The ledger key of the week's main digest message."""
    return f"weekly-digest:{digest.collaborative_key}:{digest.week}"
