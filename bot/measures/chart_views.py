"""Words that go with a team's run chart in its channel."""

from __future__ import annotations

import pandas as pd

from bot.analytics.runchart import RunChartResult
from bot.format import escape
from bot.months import month_label


def team_chart_comment(measure_name: str, period: pd.Period, result: RunChartResult, new_signal: bool) -> str:
    """One line, plus the new signal (if any) in one sentence."""
    month = month_label(str(period))
    text = f"Thanks for reporting {month}. Here is your run chart for *{escape(measure_name)}*."
    if new_signal and result.signal_direction == "improvement":
        return f"{text}\n:tada: New signal: {escape(result.finding)}"
    if new_signal and result.signal_direction == "deterioration":
        return f"{text}\n:mag: New signal, in the wrong direction: {escape(result.finding)}"
    return text


def team_chart_filename(team: str, period: pd.Period) -> str:
    return f"{team}-run-chart-{period}.png"
