"""Run charts that explain themselves, drawn with matplotlib's object API on the Agg canvas.

A chart names its unit on the y axis (``% of patients``, ``per 1,000 visits``, ``per team``),
puts its y ticks at round values (whole percents in steps of 1, 2, 5 or 10), says which way is
better (``↑ better``), marks signal points by the rule that flagged them with a legend saying
which, draws learning sessions as labelled vertical lines, marks PDSA cycle starts (team charts)
or counts them per month (collaborative charts, with the number of teams reporting each month),
and keeps its labels off the data: the goal is named in the right margin, session names sit
above the plot, the legend below it.

:func:`run_chart_figure` returns the matplotlib :class:`~matplotlib.figure.Figure` (tests inspect
it), :func:`run_chart_png` the PNG bytes, :func:`run_chart_alt` the alt text, written with the
digest's formatter (:mod:`bot.format`) so the numbers read the same everywhere.

No pyplot, no global rcParams changes and no layout engine (:mod:`bot.analytics.chart_layout`
places the parts from a few measured texts), so rendering is thread safe and draws the figure
once. The chart is sized for a Slack preview (8 in wide at 110 dpi) with large fonts; the plot
is the same size on every chart.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.analytics.chart_layout import (
    AXES_HEIGHT,
    BETTER_SIZE,
    DPI,
    FINDING_SIZE,
    GOAL_OFFSET,
    GOAL_SIZE,
    LEGEND_SIZE,
    PAD,
    POINT,
    SESSION_OFFSET,
    SESSION_SIZE,
    STRIP_LABEL_SIZE,
    STRIP_ROW,
    STRIP_SIZE,
    TITLE_PAD,
    TITLE_SIZE,
    UNIT_PAD,
    UNIT_SIZE,
    WIDTH,
    X_TICK_SIZE,
    Y_TICK_SIZE,
    Layout,
    Measurer,
    plan,
)
from bot.analytics.chart_spec import PeriodLike, RunChart, Session
from bot.analytics.runchart import RunChartResult, normalise_direction
from bot.analytics.signal_points import RULE_LABELS, Rule, points_by_rule
from bot.format import bare_value, plural
from bot.months import month_label
from storage.enums import MeasureType

MAX_TICKS = 12
Y_BINS = (6, 8, 10)  # tried in turn until there are MIN_TICKS ticks
MIN_TICKS = 4
NICE_STEPS = [1, 2, 5, 10]  # no 2.5: a 2.5 % step rounds to labels like 63 %, 65 %, 68 %
Y_MARGIN = 0.12  # of the value range, above and below
MIN_PERCENT_SPAN = 0.02  # a percent axis spans at least 2 points
SESSION_GAP = 0.1  # inches between two session names
PNG_COMPRESSION = 1  # fast zlib level: a little bigger file, far less time

DATA_COLOUR = "#1f4e79"
MEDIAN_COLOUR = "#555555"
GOAL_COLOUR = "#1a9850"
PDSA_COLOUR = "#5e3c99"
SESSION_COLOUR = "#8c6d1f"
LIMITS_COLOUR = "#7a7a7a"


class RuleStyle(NamedTuple):
    marker: str
    size: float
    colour: str
    edge: str


RULE_STYLES: dict[Rule, RuleStyle] = {
    "run": RuleStyle("o", 120, "#e66100", "white"),
    "trend": RuleStyle("D", 80, "#fdb863", "#7f3b08"),
    "shift": RuleStyle("o", 120, "#e66100", "black"),
    # hollow and drawn on top, so a run marker under the same point still shows
    "astronomical": RuleStyle("s", 230, "none", "#b2182b"),
}
CROSSINGS_COLOUR = "#e66100"
STRIP_COLOUR = "#999999"
DIGIT_WIDTH = 0.075  # inches per digit at the strip's 8 pt, a little generous
TEAMS_ROW = "Teams reporting"
PDSA_ROW = "PDSA cycles started"


@dataclass(frozen=True)
class _Prepared:
    months: list[pd.Period]
    y: npt.NDArray[np.float64]
    x: npt.NDArray[np.int64]
    span: int
    rules: dict[Rule, list[int]]
    crossings: bool
    sessions: list[tuple[float, str, Session]]  # x position, label, session
    pdsa_x: list[int]


def _month(value: PeriodLike) -> pd.Period:
    return value.asfreq("M") if isinstance(value, pd.Period) else pd.Period(value, freq="M")


def _tick_positions(n: int) -> list[int]:
    step = max(1, math.ceil(n / MAX_TICKS))
    return list(range(0, n, step))


def session_label(title: str) -> str:
    """The part of a session's title before any colon: "Learning Session 2"."""
    return title.split(":", 1)[0].strip()[:24]


def _session_positions(
    months: list[pd.Period], sessions: Sequence[Session]
) -> list[tuple[float, str, Session]]:
    """Sessions inside the charted months at their day (a month spans x - 0.5 .. x + 0.5)."""
    index = {month: i for i, month in enumerate(months)}
    placed = []
    for session in sorted(sessions, key=lambda s: s.day):
        month = pd.Period(session.day, freq="M")
        if month in index:
            x = index[month] - 0.5 + (session.day.day - 0.5) / month.days_in_month
            placed.append((x, session_label(session.title), session))
    return placed


def _alignment(share: float) -> str:
    """Names near the plot's ends are aligned inward, so they stay inside the figure."""
    return "right" if share > 0.88 else "left" if share < 0.12 else "center"


def _session_names(p: _Prepared, layout: Layout, measure: Measurer) -> list[tuple[str, str]]:
    """(name, alignment) per session: their titles, or LS1, LS2 … when titles would collide."""
    n = max(len(p.months), 1)
    shares = [(x + 0.5) / n for x, _, _ in p.sessions]
    for names in ([label for _, label, _ in p.sessions], [f"LS{i}" for i in range(1, len(p.sessions) + 1)]):
        spans = []
        for share, name in zip(shares, names, strict=True):
            width = measure.width(name, SESSION_SIZE) / layout.axes_width
            start = {"right": share - width, "left": share, "center": share - width / 2}[_alignment(share)]
            spans.append((start, start + width))
        if all(
            spans[i][1] + SESSION_GAP / layout.axes_width <= spans[i + 1][0] for i in range(len(spans) - 1)
        ):
            break
    return [(name, _alignment(share)) for name, share in zip(names, shares, strict=True)]


def _prepare(chart: RunChart) -> _Prepared:
    months = [_month(p) for p in chart.periods]
    y = np.asarray(chart.values, dtype=np.float64).ravel()
    if y.size != len(months):
        raise ValueError(f"{len(months)} periods but {y.size} values")
    for name in ("pdsa_counts", "n_teams"):
        extra = getattr(chart, name)
        if extra is not None and len(extra) != len(months):
            raise ValueError(f"{len(months)} periods but {len(extra)} {name}")
    position = {month: i for i, month in enumerate(months)}
    return _Prepared(
        months=months,
        y=y,
        x=np.arange(y.size, dtype=np.int64),
        span=(chart.result.phase_start or y.size) if chart.baseline_n is None else chart.baseline_n,
        rules=points_by_rule(y, chart.result),
        crossings=chart.result.fired("crossings"),
        sessions=_session_positions(months, chart.sessions),
        pdsa_x=sorted({position[m] for m in map(_month, chart.pdsa_months) if m in position}),
    )


def _draw_values(ax: Axes, p: _Prepared) -> None:
    shown = ~np.isnan(p.y)
    ax.plot(
        p.x[shown],
        p.y[shown],
        "-o",
        color=DATA_COLOUR,
        lw=2,
        ms=6,
        label="Monthly value",
        zorder=3,
        gid="data",
    )
    for rule, style in RULE_STYLES.items():
        points = [i for i in p.rules.get(rule, []) if 0 <= i < p.y.size and shown[i]]
        if points:
            ax.scatter(
                p.x[points],
                p.y[points],
                marker=style.marker,
                s=style.size,
                facecolors=style.colour,
                edgecolors=style.edge,
                linewidths=2.0 if style.colour == "none" else 1.0,
                zorder=5 if style.colour == "none" else 4,
                label=RULE_LABELS[rule],
                gid=f"signal:{rule}",
            )


def _draw_median(ax: Axes, chart: RunChart, p: _Prepared) -> None:
    center, n = chart.result.center, p.y.size
    if math.isnan(center) or n == 0:
        return
    end = min(max(p.span, 1), n) - 1
    label = f"{centre_name(chart.result)} ({bare_value(center, chart.measure_type)})"
    colour, gid = MEDIAN_COLOUR, "median"
    if p.crossings:
        label, colour, gid = f"{label}: too few crossings", CROSSINGS_COLOUR, "signal:crossings"
    ax.plot([0, max(end, 0.4)], [center, center], color=colour, lw=2, label=label, zorder=2, gid=gid)
    if end < n - 1:
        ax.plot([end, n - 1], [center, center], color=colour, lw=2, ls="--", zorder=2, gid=f"{gid}-extended")


def _draw_limits(ax: Axes, chart: RunChart, p: _Prepared) -> None:
    """The control limits as thin dotted steps (one legend entry); gaps where a month has none."""
    if chart.limits is None:
        return
    lower, upper = (np.asarray(bound, dtype=np.float64).ravel() for bound in chart.limits)
    if lower.size != p.y.size or upper.size != p.y.size or np.isnan(upper).all():
        return
    style = {
        "where": "mid",
        "color": LIMITS_COLOUR,
        "lw": 1.2,
        "ls": ":",
        "zorder": 1,
        "gid": "control-limits",
    }
    ax.step(p.x, upper, label=chart.limits_label, **style)  # type: ignore[arg-type]
    ax.step(p.x, lower, **style)  # type: ignore[arg-type]


def centre_name(result: RunChartResult) -> str:
    """What the centre line is: a frozen baseline median, a given baseline, or a median not yet frozen."""
    if result.center_source == "file":
        return "Baseline (from the file)"
    if result.center_source == "baseline":
        return "Baseline median"
    return "Median (baseline not yet frozen)"


def _goal_label(chart: RunChart) -> str | None:
    goal = chart.goal
    return None if goal is None or math.isnan(goal) else f"Goal\n{bare_value(goal, chart.measure_type)}"


def _draw_goal(ax: Axes, chart: RunChart) -> None:
    """The goal line, named in the right margin where no data point can be."""
    label = _goal_label(chart)
    if label is None or chart.goal is None:
        return
    ax.axhline(chart.goal, color=GOAL_COLOUR, lw=2, ls=":", zorder=1, gid="goal")
    ax.annotate(
        label,
        xy=(1.0, chart.goal),
        xycoords=ax.get_yaxis_transform(),
        xytext=(GOAL_OFFSET / POINT, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        color=GOAL_COLOUR,
        fontsize=GOAL_SIZE,
        fontweight="bold",
        annotation_clip=False,
        gid="goal-label",
    )


def _draw_pdsa_markers(ax: Axes, p: _Prepared) -> None:
    """Team charts: a faint line and a triangle on the x axis in each month a PDSA cycle started."""
    for i, xpos in enumerate(p.pdsa_x):
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
            gid="pdsa",
        )


def _draw_session_lines(ax: Axes, p: _Prepared) -> None:
    for x, _label, _session in p.sessions:
        ax.axvline(x, color=SESSION_COLOUR, lw=1.5, ls="-.", alpha=0.8, zorder=1, gid="session")


def _draw_session_names(ax: Axes, p: _Prepared, layout: Layout, measure: Measurer) -> None:
    """Learning sessions are named in the band above the plot, where no data point can be."""
    for (x, _label, _session), (name, align) in zip(
        p.sessions, _session_names(p, layout, measure), strict=True
    ):
        ax.annotate(
            name,
            xy=(x, 1.0),
            xycoords=ax.get_xaxis_transform(),
            xytext=(0, SESSION_OFFSET / POINT),
            textcoords="offset points",
            ha=align,
            va="bottom",
            fontsize=SESSION_SIZE,
            color=SESSION_COLOUR,
            annotation_clip=False,
            gid="session-label",
        )


def nice_ticks(low: float, high: float, percent: bool, integer: bool = False) -> npt.NDArray[np.float64]:
    """Round tick values inside [low, high]: steps of 1, 2, 5 or 10 times a power of ten.

    On a percent axis (fractions) the steps are whole percents, so every label is exact. The
    coarsest such step that still gives at least :data:`MIN_TICKS` ticks is used.
    """
    scale = 100.0 if percent else 1.0
    lo, hi = low * scale, high * scale
    ticks = np.zeros(0)
    for bins in Y_BINS:
        locator = MaxNLocator(nbins=bins, steps=NICE_STEPS, integer=percent or integer)
        ticks = np.asarray(locator.tick_values(lo, hi), dtype=np.float64)
        ticks = ticks[(ticks >= lo - 1e-9) & (ticks <= hi + 1e-9)]
        if percent:  # the locator relaxes "integer" on a tiny range; whole percents only
            ticks = ticks[np.isclose(ticks, np.round(ticks))]
        if ticks.size >= MIN_TICKS:
            break
    return np.round(ticks, 9) / scale


def y_limits(chart: RunChart, values: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The data, centre line and goal, with a 12 % margin above and below."""
    shown = [*values[~np.isnan(values)], chart.result.center, chart.goal]
    numbers = [float(v) for v in shown if v is not None and not math.isnan(v)]
    if not numbers:
        return (0.0, 1.0) if chart.percent else (0.0, 10.0)
    low, high = min(numbers), max(numbers)
    if chart.percent and high - low < MIN_PERCENT_SPAN:  # room for two whole-percent ticks
        middle = (low + high) / 2
        low, high = middle - MIN_PERCENT_SPAN / 2, middle + MIN_PERCENT_SPAN / 2
    span = high - low or max(abs(high) * 0.2, 1.0)
    return low - Y_MARGIN * span, high + Y_MARGIN * span


def tick_labels(ticks: npt.NDArray[np.float64], percent: bool) -> list[str]:
    """Labels of y ticks: whole percents, else as many decimals as the step needs."""
    if percent:
        return [f"{round(t * 100):d}%" for t in ticks]
    step = float(np.min(np.diff(ticks))) if ticks.size > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    return [f"{t:,.{decimals}f}" for t in ticks]


def _style_axes(
    ax: Axes, chart: RunChart, p: _Prepared, ticks: npt.NDArray[np.float64], labels: list[str]
) -> None:
    x_ticks = _tick_positions(len(p.months))
    ax.set_xticks(x_ticks, [p.months[i].strftime("%b\n%Y") for i in x_ticks], fontsize=X_TICK_SIZE)
    ax.set_xlim(-0.5, max(len(p.months) - 0.5, 0.5))
    ax.set_yticks(ticks.tolist(), labels, fontsize=Y_TICK_SIZE)
    ax.set_ylabel(chart.unit, fontsize=UNIT_SIZE, labelpad=UNIT_PAD / POINT)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def count_changes(values: Sequence[int]) -> list[int]:
    """Positions to write a count at: the first and last month and every month it changed."""
    last = len(values) - 1
    return [i for i, v in enumerate(values) if i in (0, last) or v != values[i - 1]]


def _strip_rows(chart: RunChart) -> list[tuple[str, Sequence[int]]]:
    """The strip's rows (label, counts per month): teams reporting, PDSA cycles started."""
    rows: list[tuple[str, Sequence[int]]] = []
    if chart.n_teams is not None:
        rows.append((TEAMS_ROW, chart.n_teams))
    if chart.pdsa_counts is not None:
        rows.append((PDSA_ROW, chart.pdsa_counts))
    return rows


def _draw_teams_row(ax: Axes, counts: Sequence[int], y: float, layout: Layout) -> None:
    """The number of teams reporting under every month.

    When the numbers would not fit side by side (many months, many teams), they are written only
    where the count changed, on a dotted line that means "the same".
    """
    transform = ax.get_xaxis_transform()
    digits = len(str(int(max(counts, default=0))))
    every_month = digits * DIGIT_WIDTH <= 0.85 * layout.axes_width / max(len(counts), 1)
    if not every_month:
        ax.plot(
            [0, len(counts) - 1],
            [y, y],
            transform=transform,
            ls=":",
            lw=1,
            color=STRIP_COLOUR,
            clip_on=False,
            gid="teams-reporting-line",
        )
    for i in range(len(counts)) if every_month else count_changes(counts):
        ax.text(
            i,
            y,
            str(int(counts[i])),
            transform=transform,
            ha="center",
            va="center",
            fontsize=STRIP_SIZE,
            color="#333333",
            clip_on=False,
            gid="teams-reporting",
            bbox=None if every_month else {"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        )


def _draw_pdsa_row(ax: Axes, counts: Sequence[int], y: float, layout: Layout) -> None:
    """PDSA cycles started per month as small bars (one collection), scaled to the busiest month."""
    peak = max(counts, default=0)
    if not peak:
        return
    half = STRIP_ROW * 0.4 / AXES_HEIGHT
    bottom = y - half
    segments = [
        [(i, bottom), (i, bottom + 2 * half * count / peak)] for i, count in enumerate(counts) if count
    ]
    width = min(6.0, 0.5 * layout.axes_width / POINT / max(len(counts), 1))
    bars = LineCollection(
        segments,
        transform=ax.get_xaxis_transform(),
        linewidths=width,
        colors=PDSA_COLOUR,
        clip_on=False,
        gid="pdsa-count",
    )
    ax.add_collection(bars, autolim=False)
    busiest = int(np.argmax(counts))
    ax.annotate(
        str(int(peak)),
        xy=(busiest, y),
        xycoords=ax.get_xaxis_transform(),
        xytext=(width / 2 + 1.5, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=STRIP_SIZE - 1,
        color=PDSA_COLOUR,
        annotation_clip=False,
        gid="pdsa-peak",
    )


def _draw_strip(ax: Axes, chart: RunChart, layout: Layout) -> None:
    """Collaborative charts: teams reporting and PDSA cycles started per month, under the x labels."""
    for row, (label, counts) in enumerate(_strip_rows(chart)):
        y = layout.strip_row_y(row)
        if label == TEAMS_ROW:
            _draw_teams_row(ax, counts, y, layout)
        else:
            _draw_pdsa_row(ax, counts, y, layout)
        ax.text(
            -layout.inches_x(0.12),
            y,
            label,
            transform=ax.transAxes,
            ha="right",
            va="center",
            fontsize=STRIP_LABEL_SIZE,
            clip_on=False,
            gid="strip-label",
        )


def run_chart_figure(chart: RunChart) -> Figure:
    """The chart as a matplotlib Figure (on an Agg canvas), ready to save or to inspect."""
    p = _prepare(chart)
    fig = Figure(figsize=(WIDTH, 5.0), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    _draw_values(ax, p)
    _draw_median(ax, chart, p)
    _draw_limits(ax, chart, p)
    _draw_goal(ax, chart)
    _draw_pdsa_markers(ax, p)
    _draw_session_lines(ax, p)
    if np.isnan(p.y).all():
        ax.text(
            0.5, 0.5, "No data reported yet", ha="center", va="center", fontsize=14, transform=ax.transAxes
        )
    low, high = y_limits(chart, p.y)
    integer = chart.measure_type == MeasureType.COUNT and not chart.per_team
    ticks = nice_ticks(low, high, chart.percent, integer)
    labels = tick_labels(ticks, chart.percent)
    _style_axes(ax, chart, p, ticks, labels)
    ax.set_ylim(low, high)
    handles, legend = ax.get_legend_handles_labels()
    measure = Measurer()
    layout = plan(
        measure,
        title=chart.title,
        finding=chart.result.finding,
        better=chart.better,
        y_labels=labels,
        goal_label=_goal_label(chart),
        strip_labels=[label for label, _ in _strip_rows(chart)],
        sessions=bool(p.sessions),
        legend=legend,
    )
    fig.set_size_inches(WIDTH, layout.height)
    ax.set_position(layout.axes_rect())
    _draw_strip(ax, chart, layout)
    _draw_session_names(ax, p, layout, measure)
    fig.suptitle(
        "\n".join(layout.title_lines),
        y=1 - PAD / layout.height,
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
    )
    pad = (TITLE_PAD + layout.band) / POINT
    ax.set_title("\n".join(layout.finding_lines), fontsize=FINDING_SIZE, loc="left", pad=pad)
    ax.set_title(
        chart.better, fontsize=BETTER_SIZE, loc="right", pad=pad, color=DATA_COLOUR, fontweight="bold"
    )
    if handles:
        fig.legend(
            handles,
            legend,
            loc="lower center",
            bbox_to_anchor=(0.5, PAD / layout.height),
            ncols=layout.legend_columns,
            fontsize=LEGEND_SIZE,
            frameon=False,
            borderaxespad=0,
        )
    return fig


def run_chart_png(chart: RunChart) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    run_chart_figure(chart).savefig(
        buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESSION}
    )
    return buffer.getvalue()


def render_run_chart(chart: RunChart) -> tuple[bytes, str]:
    """(PNG bytes, alt text stating the finding)."""
    return run_chart_png(chart), run_chart_alt(chart)


def run_chart_alt(chart: RunChart) -> str:
    """Alt text: what the chart shows, with the numbers written as the digest writes them."""
    p = _prepare(chart)
    result = chart.result
    reported = np.flatnonzero(~np.isnan(p.y))
    better = "higher" if normalise_direction(chart.direction) == "up" else "lower"
    parts = [f"Run chart: {chart.title}.", f"Y axis: {chart.unit}; {better} is better.", result.finding]
    if reported.size:
        first, last = p.months[reported[0]], p.months[reported[-1]]
        parts.append(
            f"{reported.size} monthly values from {month_label(str(first))} to {month_label(str(last))}; "
            f"latest {chart.value_text(float(p.y[reported[-1]]))}."
        )
    for rule, points in p.rules.items():
        if points:
            parts.append(f"{RULE_LABELS[rule]}: {plural(len(points), 'point')} marked.")
    if p.crossings:
        parts.append(
            f"{RULE_LABELS['crossings']}: {result.crossings} (fewer than {result.crossings_min} expected)."
        )
    if not math.isnan(result.center):
        if result.center_source == "baseline":
            parts.append(
                f"Baseline median {chart.value_text(result.center)} "
                f"from the first {result.baseline_n} reported months."
            )
        elif result.center_source == "file":
            parts.append(f"Baseline {chart.value_text(result.center)}, given in the collaborative file.")
        else:
            parts.append(
                f"Median {chart.value_text(result.center)} of every month so far (baseline not yet frozen)."
            )
    if chart.goal is not None and not math.isnan(chart.goal):
        parts.append(f"Goal {chart.value_text(chart.goal)}.")
    if p.sessions:
        names = ", ".join(
            f"{label} ({month_label(str(pd.Period(s.day, freq='M')))})" for _, label, s in p.sessions
        )
        parts.append(f"Learning sessions marked: {names}.")
    if p.pdsa_x:
        parts.append(f"{plural(len(p.pdsa_x), 'month')} with a PDSA cycle start marked.")
    if chart.pdsa_counts is not None:
        parts.append(f"{plural(int(sum(chart.pdsa_counts)), 'PDSA cycle')} started in these months.")
    if chart.n_teams is not None and reported.size:
        parts.append(f"{plural(int(chart.n_teams[reported[-1]]), 'team')} reported the latest month.")
    return " ".join(parts)


def legend_labels(fig: Figure) -> list[str]:
    """The texts of the figure's legend."""
    return [text.get_text() for legend in fig.legends for text in legend.get_texts()]


def artists_with_gid(fig: Figure, gid: str) -> list[Artist]:
    """Every artist in the figure whose gid is ``gid`` (the chart tags what it draws)."""
    return list(fig.findobj(lambda artist: artist.get_gid() == gid))
