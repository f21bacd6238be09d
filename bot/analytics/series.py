"""Measure series from a long frame of monthly reports (pandas, no I/O).

``reports`` columns: team, measure, period (pandas Period 'M' or 'YYYY-MM' string),
numerator, denominator, value. ``measures`` columns: key, type (proportion | count | rate),
direction, goal and optionally multiplier (default 1; 1000 for a rate without one).

Values: proportion = numerator / denominator (a fraction, 0.58 for 58 %); rate =
numerator / denominator * multiplier; count = ``value`` (``numerator`` when value is
missing). A zero or missing denominator gives NaN. If a team reported the same measure twice
for a month, the last row wins.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from bot.analytics.runchart import RunChartResult, analyse

RATIO_TYPES = ("proportion", "rate")
DEFAULT_RATE_MULTIPLIER = 1000.0

PeriodLike = pd.Period | date | str


def to_periods(values: Iterable[PeriodLike] | pd.Series) -> pd.PeriodIndex:
    """Monthly PeriodIndex from Periods, dates or 'YYYY-MM' strings.

    Each distinct value is parsed once (a report table repeats a few dozen months thousands
    of times), so this costs one hash pass over the input, not a parse per row.
    """
    if isinstance(values, pd.Series | pd.Index) and isinstance(values.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(values).asfreq("M")
    items = values if isinstance(values, pd.Series | pd.Index) else list(values)
    if len(items) == 0:
        return pd.PeriodIndex([], freq="M")
    codes, uniques = pd.factorize(pd.Index(items, dtype=object))
    months = pd.PeriodIndex([pd.Period(v, freq="M") for v in uniques], freq="M")
    return months.take(codes)


def month_range(periods: Iterable[PeriodLike] | pd.Series) -> pd.PeriodIndex:
    """Every month from the earliest to the latest of ``periods``."""
    index = to_periods(periods)
    if index.empty:
        return index
    return pd.period_range(index.min(), index.max(), freq="M")


def _measure_table(measures: pd.DataFrame) -> pd.DataFrame:
    table = measures.copy()
    if "multiplier" not in table.columns:
        table["multiplier"] = np.nan
    default = np.where(table["type"] == "rate", DEFAULT_RATE_MULTIPLIER, 1.0)
    table["multiplier"] = table["multiplier"].astype(float).fillna(pd.Series(default, index=table.index))
    return table.rename(columns={"key": "measure"})[["measure", "type", "direction", "goal", "multiplier"]]


def _clean_reports(reports: pd.DataFrame) -> pd.DataFrame:
    frame = reports.copy()
    for column in ("numerator", "denominator", "value"):
        if column not in frame.columns:
            frame[column] = np.nan
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["period"] = to_periods(frame["period"])
    month = pd.Series(frame["period"].array.asi8, index=frame.index)  # plain integers hash fast
    repeated = pd.DataFrame({"team": frame["team"], "measure": frame["measure"], "month": month}).duplicated(
        keep="last"
    )
    return frame[~repeated]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return numerator / denominator.where(denominator > 0)


def _values(frame: pd.DataFrame) -> pd.Series:
    """Per-row value by measure type (frame already merged with the measure table)."""
    ratio = _ratio(frame["numerator"], frame["denominator"]) * frame["multiplier"]
    count = frame["value"].fillna(frame["numerator"])
    return ratio.where(frame["type"].isin(RATIO_TYPES), count)


def team_series(reports: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Values indexed by (team, measure, period); columns value, numerator, denominator.

    Reports for measures missing from ``measures`` are dropped.
    """
    frame = _clean_reports(reports).merge(_measure_table(measures), on="measure", how="inner")
    frame["value"] = _values(frame)
    columns = ["team", "measure", "period", "value", "numerator", "denominator"]
    return frame[columns].set_index(["team", "measure", "period"]).sort_index()


def collaborative_series(reports: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Collaborative-wide values indexed by (measure, period).

    Proportions and rates pool the teams: Σ numerators ÷ Σ denominators (× multiplier), never
    a mean of percentages; only rows with both parts count. Counts are the sum over the
    teams that reported, so compare them with ``n_teams`` (teams reporting that month).
    """
    frame = _clean_reports(reports).merge(_measure_table(measures), on="measure", how="inner")
    frame["count"] = frame["value"].fillna(frame["numerator"])
    is_ratio = frame["type"].isin(RATIO_TYPES)
    complete = frame["numerator"].notna() & (frame["denominator"] > 0)
    frame["reported"] = (is_ratio & complete) | (~is_ratio & frame["count"].notna())
    frame = frame[frame["reported"]]
    grouped = frame.groupby(["measure", "period"])
    pooled = grouped.agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        count=("count", "sum"),
        n_teams=("team", "nunique"),
        type=("type", "first"),
        multiplier=("multiplier", "first"),
    )
    ratio = _ratio(pooled["numerator"], pooled["denominator"]) * pooled["multiplier"]
    is_ratio = pooled["type"].isin(RATIO_TYPES)
    pooled["value"] = ratio.where(is_ratio, pooled["count"])
    pooled[["numerator", "denominator"]] = pooled[["numerator", "denominator"]].where(is_ratio)
    return pooled[["value", "numerator", "denominator", "n_teams"]].sort_index()


def completeness(reports: pd.DataFrame, teams: Sequence[str], periods: Iterable[PeriodLike]) -> pd.DataFrame:
    """Per period: n_reported, n_expected and the sorted list of ``missing`` team keys.

    A team has reported for a month when it has at least one report row for it.
    """
    index = to_periods(periods)
    expected = sorted(set(teams))
    frame = reports[reports["team"].isin(expected)]
    done = pd.DataFrame({"team": frame["team"].to_numpy(), "period": to_periods(frame["period"])})
    by_period = done.groupby("period")["team"].agg(set)
    rows = []
    for period in index:
        reported: set[str] = by_period.get(period, set())
        missing = [team for team in expected if team not in reported]
        rows.append((period, len(expected) - len(missing), len(expected), missing))
    result = pd.DataFrame(rows, columns=["period", "n_reported", "n_expected", "missing"])
    return result.set_index("period")


def progress_to_goal(baseline_value: float, current: float, goal: float) -> float | None:
    """Fraction of the way from baseline to goal: 0 at baseline, 1 at goal.

    Not clipped (negative when worse than baseline, above 1 past the goal); works for
    either direction. None when undefined (goal equals baseline, or a value is missing).
    """
    parts = (baseline_value, current, goal)
    if any(p is None or math.isnan(p) for p in parts) or goal == baseline_value:
        return None
    return (current - baseline_value) / (goal - baseline_value)


def aligned_values(series: pd.Series, months: pd.PeriodIndex) -> np.ndarray:
    """Values of a period-indexed series on ``months``, NaN where not reported."""
    return series.reindex(months).to_numpy(dtype=float)


def signals_by_team(
    reports: pd.DataFrame, measures: pd.DataFrame, baseline_n: int | None = None
) -> pd.DataFrame:
    """Run-chart results per (team, measure), one column per RunChartResult field.

    Each series is laid on the collaborative's full month range (from the first to the last
    reported month overall), so ``baseline_n`` counts calendar months for every team.
    Extra columns: direction, goal, has_signal, improvement, signal_direction, rule, since, frozen.
    """
    values = team_series(reports, measures)["value"]
    table = _measure_table(measures).set_index("measure")
    months = month_range(values.index.get_level_values("period"))
    records: list[dict[str, Any]] = []
    for key, group in values.groupby(level=["team", "measure"], sort=True):
        team, measure = cast(tuple[str, str], key)
        series = group.droplevel(["team", "measure"])
        direction = str(table.at[measure, "direction"])
        percent = table.at[measure, "type"] == "proportion"
        result = analyse(aligned_values(series, months), direction, baseline_n, percent=bool(percent))
        records.append(_record(team, measure, result, direction, table.at[measure, "goal"]))
    fields = [f.name for f in dataclasses.fields(RunChartResult)]
    columns = ["team", "measure", *fields, "direction", "goal", *_RESULT_PROPERTIES]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.set_index(["team", "measure"])


#: The result's derived verdicts, each also a column of :func:`signals_by_team`.
_RESULT_PROPERTIES = ("has_signal", "improvement", "signal_direction", "rule", "since", "frozen")


def _record(team: str, measure: str, result: RunChartResult, direction: str, goal: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"team": team, "measure": measure, **dataclasses.asdict(result)}
    record.update(direction=direction, goal=goal)
    record.update({name: getattr(result, name) for name in _RESULT_PROPERTIES})
    return record
