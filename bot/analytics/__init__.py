"""Pure analytics for measure series and run charts (no Slack, no database).

- :mod:`bot.analytics.runchart`: Anhøj, shift and trend rules against a frozen baseline median.
- :mod:`bot.analytics.series`: team and collaborative series, completeness, signals per team.
- :mod:`bot.analytics.charts`: run-chart PNGs with alt text.
"""

from bot.analytics.charts import render_run_chart
from bot.analytics.runchart import RunChartResult, analyse, anhoej_limits, baseline_length
from bot.analytics.series import (
    aligned_values,
    collaborative_series,
    completeness,
    month_range,
    progress_to_goal,
    signals_by_team,
    team_series,
    to_periods,
)

__all__ = [
    "RunChartResult",
    "aligned_values",
    "analyse",
    "anhoej_limits",
    "baseline_length",
    "collaborative_series",
    "completeness",
    "month_range",
    "progress_to_goal",
    "render_run_chart",
    "signals_by_team",
    "team_series",
    "to_periods",
]
