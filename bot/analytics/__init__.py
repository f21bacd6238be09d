"""Pure analytics for measure series and run charts (no Slack, no database).

- :mod:`bot.analytics.runchart`: the Anhøj rules (default) or IHI's against a frozen
  baseline median, every signal with its rule, months, direction and whether it is current.
- :mod:`bot.analytics.panel`: the same verdicts for many series at once.
- :mod:`bot.analytics.pchart`: p (Laney p′) chart limits for a collaborative proportion.
- :mod:`bot.analytics.series`: team and collaborative series, completeness, signals per team.
- :mod:`bot.analytics.chart_spec`: what a run chart shows (:class:`RunChart`, :class:`Session`).
- :mod:`bot.analytics.charts`: run charts that explain themselves (Figure, PNG, alt text), laid
  out by :mod:`bot.analytics.chart_layout`, signal points per rule from
  :mod:`bot.analytics.signal_points`.
"""

from bot.analytics.chart_spec import RunChart, Session
from bot.analytics.charts import render_run_chart, run_chart_alt, run_chart_figure, run_chart_png
from bot.analytics.runchart import RunChartResult, Signal, analyse, anhoej_limits
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
    "Signal",
    "Session",
    "aligned_values",
    "analyse",
    "anhoej_limits",
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
