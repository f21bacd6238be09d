"""Pure analytics for measure series and run charts (no Slack, no database).

- :mod:`bot.analytics.runchart`: Anhøj, shift and trend rules against a frozen baseline median.
- :mod:`bot.analytics.series`: team and collaborative series, completeness, signals per team.
- :mod:`bot.analytics.chart_spec`: what a run chart shows (:class:`RunChart`, :class:`Session`).
- :mod:`bot.analytics.charts`: run charts that explain themselves (Figure, PNG, alt text), laid
  out by :mod:`bot.analytics.chart_layout`, signal points per rule from
  :mod:`bot.analytics.signal_points`.
"""

from bot.analytics.chart_spec import RunChart, Session
from bot.analytics.charts import render_run_chart, run_chart_alt, run_chart_figure, run_chart_png
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
    "RunChart",
    "RunChartResult",
    "Session",
    "aligned_values",
    "analyse",
    "anhoej_limits",
    "baseline_length",
    "collaborative_series",
    "completeness",
    "month_range",
    "progress_to_goal",
    "render_run_chart",
    "run_chart_alt",
    "run_chart_figure",
    "run_chart_png",
    "signals_by_team",
    "team_series",
    "to_periods",
]
