"""Back to the team: after a team reports, its run chart for the key measure goes to its channel.

The key measure is the collaborative's first measure. The chart marks the months the team
started PDSA cycles and the learning sessions; the comment names any *new* signal (one that was
not there a month earlier) in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from slack_sdk import WebClient

from bot.analytics.chart_spec import RunChart
from bot.analytics.charts import render_run_chart
from bot.analytics.runchart import RunChartResult, analyse
from bot.context import BotContext
from bot.digest.rules import (
    baseline_months,
    chart_unit,
    learning_sessions,
    run_chart_rules,
    team_limits,
    team_panel,
)
from bot.measures.chart_views import team_chart_comment, team_chart_filename
from storage.digest_queries import DigestData, load_team_data
from storage.enums import MeasureType


@dataclass(frozen=True)
class TeamChart:
    team: str
    team_name: str
    channel_id: str | None
    measure_name: str
    period: pd.Period
    new_signal: bool
    chart: RunChart

    @property
    def result(self) -> RunChartResult:
        return self.chart.result


def build_team_chart(data: DigestData, period: pd.Period) -> TeamChart | None:
    """The team's key-measure run chart up to ``period``; None without measures or data."""
    if data.teams.empty or data.measures.empty:
        return None
    team = data.teams.iloc[0]
    measure = data.measures.iloc[0].to_dict()
    reports = data.reports.assign(period=pd.PeriodIndex(data.reports["period"], freq="M"))
    reports = reports[reports["period"] <= period]
    if reports.empty:
        return None
    months = pd.period_range(reports["period"].min(), period, freq="M")
    span = baseline_months(data, months)
    panel = team_panel(data, reports, months)
    key = (team["team"], measure["key"])
    values = panel.loc[key].to_numpy(dtype=np.float64) if key in panel.index else np.full(len(months), np.nan)
    percent = bool(measure["type"] == MeasureType.PROPORTION)
    rules = run_chart_rules(data)
    bounds = team_limits(data, reports, months, span).get(key)
    direction = str(measure["direction"])
    result = analyse(
        values, direction, span, percent=percent, rules=rules, limits=bounds, months=list(months)
    )
    earlier = (bounds[0][:-1], bounds[1][:-1]) if bounds is not None else None
    before = analyse(values[:-1], direction, span, percent=percent, rules=rules, limits=earlier)
    starts: list[pd.Period] = (
        list(pd.PeriodIndex(pd.to_datetime(data.pdsa["start_date"]), freq="M")) if not data.pdsa.empty else []
    )
    goal = None if pd.isna(measure["goal"]) else float(measure["goal"])
    title = f"{measure['name']}: {team['name']}"
    chart = RunChart(
        title=title,
        periods=list(months),
        values=values,
        result=result,
        measure_type=str(measure["type"]),
        unit=chart_unit(measure, per_team=False),
        direction=direction,
        goal=goal,
        multiplier=None if pd.isna(measure.get("multiplier")) else float(measure["multiplier"]),
        pdsa_months=sorted({p for p in starts if p <= period}),
        sessions=learning_sessions(data),
    )
    return TeamChart(
        team=str(team["team"]),
        team_name=str(team["name"]),
        channel_id=team["channel_id"] if isinstance(team["channel_id"], str) else None,
        measure_name=str(measure["name"]),
        period=period,
        new_signal=result.signal_direction is not None and result.signal_direction != before.signal_direction,
        chart=chart,
    )


def post_team_chart(ctx: BotContext, client: WebClient, team_id: int, period: str | pd.Period) -> str | None:
    """Upload the team's key-measure run chart to its channel with ``client`` (its workspace's);
    returns the file id (None if nothing was sent)."""
    month = pd.Period(period, freq="M")
    with ctx.db.reader() as session:
        data = load_team_data(session, team_id)
    chart = build_team_chart(data, month) if data is not None else None
    if chart is None or chart.channel_id is None:
        return None
    png, alt = render_run_chart(chart.chart)
    response = client.files_upload_v2(
        file=png,
        filename=team_chart_filename(chart.team, chart.period),
        title=chart.chart.title,
        channel=chart.channel_id,
        initial_comment=team_chart_comment(chart.measure_name, chart.period, chart.result, chart.new_signal),
        alt_txt=alt[:1000],
    )
    file = response.get("file") or {}
    return str(file["id"]) if file.get("id") else None
