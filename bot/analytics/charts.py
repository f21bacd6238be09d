"""Run-chart PNGs for Slack, drawn with matplotlib's object API on the Agg canvas.

No pyplot and no global rcParams changes, so rendering is thread safe. The chart is sized
for a Slack preview (8 x 4.5 in at 110 dpi) with large fonts.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter

from bot.analytics.runchart import RunChartResult
from bot.format import figure
from bot.months import month_label

FIGSIZE = (8.0, 4.5)
DPI = 110
MAX_TICKS = 12

DATA_COLOUR = "#1f4e79"
SIGNAL_COLOUR = "#e66100"
MEDIAN_COLOUR = "#555555"
GOAL_COLOUR = "#1a9850"
PDSA_COLOUR = "#5e3c99"

PeriodLike = pd.Period | date | str


def _month(value: PeriodLike) -> pd.Period:
    return value.asfreq("M") if isinstance(value, pd.Period) else pd.Period(value, freq="M")


def _tick_positions(n: int) -> list[int]:
    step = max(1, math.ceil(n / MAX_TICKS))
    return list(range(0, n, step))


def _draw_values(
    ax: Axes, x: npt.NDArray[np.int64], y: npt.NDArray[np.float64], result: RunChartResult
) -> None:
    shown = ~np.isnan(y)
    ax.plot(x[shown], y[shown], "-o", color=DATA_COLOUR, lw=2, ms=6, label="Monthly value", zorder=3)
    points = [i for i in result.signal_points if 0 <= i < y.size and shown[i]]
    if points:
        ax.scatter(
            x[points], y[points], s=120, color=SIGNAL_COLOUR, edgecolor="white", zorder=4, label="Signal"
        )


def _draw_median(ax: Axes, n: int, center: float, baseline_n: int, percent: bool) -> None:
    if math.isnan(center) or n == 0:
        return
    end = min(max(baseline_n, 1), n) - 1
    label = f"Baseline median ({figure(center, percent)})"
    ax.plot([0, max(end, 0.4)], [center, center], color=MEDIAN_COLOUR, lw=2, label=label, zorder=2)
    if end < n - 1:
        ax.plot([end, n - 1], [center, center], color=MEDIAN_COLOUR, lw=2, ls="--", zorder=2)


def _draw_goal(ax: Axes, goal: float | None, n: int, percent: bool) -> None:
    if goal is None or math.isnan(goal):
        return
    ax.axhline(goal, color=GOAL_COLOUR, lw=2, ls=":", zorder=1)
    ax.annotate(
        f"Goal {figure(goal, percent)}",
        xy=(max(n - 1, 0), goal),
        xytext=(0, 4),
        textcoords="offset points",
        ha="right",
        va="bottom",
        color=GOAL_COLOUR,
        fontsize=12,
        fontweight="bold",
    )


def _draw_pdsa(ax: Axes, months: list[pd.Period], pdsa_months: Sequence[PeriodLike]) -> int:
    """Mark PDSA starts with a faint line and a triangle on the x axis; return how many."""
    position = {month: i for i, month in enumerate(months)}
    xs = sorted({position[m] for m in map(_month, pdsa_months) if m in position})
    for i, xpos in enumerate(xs):
        ax.axvline(xpos, color=PDSA_COLOUR, alpha=0.3, lw=1.2, zorder=0)
        ax.plot(
            xpos,
            0,
            marker="^",
            ms=12,
            color=PDSA_COLOUR,
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            ls="none",
            zorder=5,
            label="PDSA cycle started" if i == 0 else None,
        )
    return len(xs)


def _style(ax: Axes, months: list[pd.Period], percent: bool) -> None:
    ticks = _tick_positions(len(months))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([months[i].strftime("%b\n%Y") for i in ticks], fontsize=11)
    ax.tick_params(axis="y", labelsize=12)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlim(-0.5, max(len(months) - 0.5, 0.5))
    ax.margins(y=0.12)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=10, loc="best", framealpha=0.9)


def render_run_chart(
    periods: Sequence[PeriodLike],
    values: Sequence[float] | npt.NDArray[np.float64],
    result: RunChartResult,
    *,
    title: str,
    goal: float | None,
    percent: bool,
    pdsa_months: Sequence[PeriodLike] = (),
    baseline_n: int | None = None,
) -> tuple[bytes, str]:
    """Draw a run chart; return (PNG bytes, alt text stating the finding).

    ``periods`` and ``values`` align one-to-one (NaN = not reported). ``baseline_n`` is the
    number of leading months under the solid median (default ``result.baseline_n``); the
    median is dashed where extended. Proportions are fractions, shown on a percent axis.
    """
    months = [_month(p) for p in periods]
    y = np.asarray(values, dtype=np.float64).ravel()
    if y.size != len(months):
        raise ValueError(f"{len(months)} periods but {y.size} values")
    span = result.baseline_n if baseline_n is None else baseline_n
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.arange(y.size, dtype=np.int64)
    _draw_values(ax, x, y, result)
    _draw_median(ax, y.size, result.center, span, percent)
    _draw_goal(ax, goal, y.size, percent)
    n_pdsa = _draw_pdsa(ax, months, pdsa_months)
    if np.isnan(y).all():
        ax.text(
            0.5, 0.5, "No data reported yet", ha="center", va="center", fontsize=14, transform=ax.transAxes
        )
    _style(ax, months, percent)
    fig.suptitle(title, fontsize=15, fontweight="bold")
    ax.set_title("\n".join(textwrap.wrap(result.finding, 90)), fontsize=11, loc="left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue(), _alt_text(months, y, result, title, goal, percent, span, n_pdsa)


def _alt_text(
    months: list[pd.Period],
    y: npt.NDArray[np.float64],
    result: RunChartResult,
    title: str,
    goal: float | None,
    percent: bool,
    baseline_n: int,
    n_pdsa: int,
) -> str:
    reported = np.flatnonzero(~np.isnan(y))
    parts = [f"Run chart: {title}.", result.finding]
    if reported.size:
        first, last = months[reported[0]], months[reported[-1]]
        parts.append(
            f"{reported.size} monthly values from {month_label(str(first))} to {month_label(str(last))}; "
            f"latest {figure(float(y[reported[-1]]), percent)}."
        )
    if not math.isnan(result.center):
        parts.append(f"Baseline median {figure(result.center, percent)} from the first {baseline_n} months.")
    if goal is not None and not math.isnan(goal):
        parts.append(f"Goal {figure(goal, percent)}.")
    if n_pdsa:
        parts.append(f"{n_pdsa} month{'s' if n_pdsa != 1 else ''} with a PDSA cycle start marked.")
    return " ".join(parts)
