"""Run charts that explain themselves, checked on the matplotlib figure objects (no golden images).

Axis label and tick values, "↑ better", signal markers per rule with their legend labels, session
lines and their names, the goal label clear of the data, the collaborative strip (teams reporting,
PDSA cycles started), every text inside the figure and off the others, and the alt text written
with the digest's formatter.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from bot.analytics.chart_spec import RunChart, Session
from bot.analytics.charts import (
    artists_with_gid,
    count_changes,
    legend_labels,
    nice_ticks,
    render_run_chart,
    run_chart_figure,
    run_chart_png,
)
from bot.analytics.runchart import analyse
from bot.analytics.signal_points import RULE_LABELS, Rule, points_by_rule
from bot.digest.wording import format_value

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONTHS_24 = list(pd.period_range("2025-01", periods=24, freq="M"))
SESSIONS = (
    Session(date(2025, 3, 18), "Learning Session 1: Accurate BP measurement"),
    Session(date(2025, 12, 7), "Learning Session 2: Self-measured BP"),
    Session(date(2027, 3, 1), "Learning Session 3: after the charts end"),
)


def proportion_chart(values: list[float], rules: str = "anhoej", **changes: object) -> RunChart:
    months = list(pd.period_range("2025-01", periods=len(values), freq="M"))
    result = analyse(values, "up", 12, percent=True, rules=rules)
    chart = RunChart(
        title="BP control: Riverside",
        periods=months,
        values=values,
        result=result,
        measure_type="proportion",
        unit="% of patients",
        direction="up",
        goal=0.70,
    )
    return dataclasses.replace(chart, **changes)  # type: ignore[arg-type]


def improving() -> list[float]:
    """Six flat months, a slow climb (a trend) and a sustained shift above the median."""
    return [0.57, 0.58, 0.56, 0.57, 0.58, 0.56, 0.57, 0.59, 0.61, 0.63, 0.64, 0.66] + [
        0.65,
        0.66,
        0.64,
        0.67,
    ] * 3


def main_axes(fig: Figure) -> object:
    return fig.axes[0]


def window(fig: Figure, artist: object) -> Bbox:
    """The artist's box in display pixels, as drawn (the figure is drawn once to place every label)."""
    if not getattr(fig, "_drawn_for_test", False):
        fig.draw_without_rendering()
        fig._drawn_for_test = True  # type: ignore[attr-defined]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return artist.get_window_extent(renderer)  # type: ignore[attr-defined, no-any-return]


def data_boxes(fig: Figure) -> list[Bbox]:
    """Every plotted data point's marker box, in display pixels."""
    ax = fig.axes[0]
    [line] = artists_with_gid(fig, "data")
    assert isinstance(line, Line2D)
    radius = line.get_markersize() / 72 * fig.dpi / 2
    points = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))
    return [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in points]


def test_render_run_chart_png_and_alt_text() -> None:
    values = [0.57, 0.59, 0.56, 0.60, 0.58, 0.55, 0.58, 0.61, math.nan, 0.62, 0.64, 0.63, 0.66]
    chart = proportion_chart(values, pdsa_months=["2025-07", pd.Period("2025-09", "M"), "2030-01"])
    png, alt = render_run_chart(chart)
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 10_000
    assert chart.result.finding in alt
    assert "BP control: Riverside" in alt
    assert "Goal 70%" in alt
    assert "2 months with a PDSA cycle start" in alt
    assert "Y axis: % of patients; higher is better." in alt
    fig = run_chart_figure(chart)
    assert len(artists_with_gid(fig, "pdsa")) == 2 and "PDSA cycle started" in legend_labels(fig)


def test_render_count_chart_without_goal_or_data() -> None:
    months = ["2024-01", "2024-02", "2024-03"]
    result = analyse([math.nan] * 3)
    chart = RunChart("Missed appointments", months, [math.nan] * 3, result, "count", "per month", goal=None)
    png, alt = render_run_chart(chart)
    assert png.startswith(PNG_SIGNATURE)
    assert "No data reported yet." in alt
    assert main_axes(run_chart_figure(chart)).get_ylabel() == "per month"  # type: ignore[attr-defined]


def test_render_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        run_chart_figure(RunChart("x", ["2024-01"], [1.0, 2.0], analyse([1.0, 2.0]), "count", "per month"))
    with pytest.raises(ValueError):
        run_chart_figure(
            RunChart("x", ["2024-01"], [1.0], analyse([1.0]), "count", "per team", n_teams=[3, 4])
        )


@pytest.mark.parametrize(
    ("low", "high"),
    [(0.6123, 0.6912), (0.55, 0.72), (0.131, 0.422), (0.0, 1.0), (0.6201, 0.6499), (0.02, 0.05)],
)
def test_percent_ticks_are_whole_percents_in_round_steps(low: float, high: float) -> None:
    ticks = nice_ticks(low, high, percent=True)
    percents = ticks * 100
    assert ticks.size >= 2
    assert np.allclose(percents, np.round(percents))  # no 62.5 % shown as "63%"
    steps = set(np.round(np.diff(percents), 6))
    assert len(steps) == 1 and steps.pop() in {1, 2, 5, 10, 20, 50}
    assert low - 1e-9 <= ticks.min() and ticks.max() <= high + 1e-9


def test_a_flat_percent_series_still_gets_whole_percent_ticks() -> None:
    fig = run_chart_figure(proportion_chart([0.631, 0.634, 0.632, 0.638, 0.633, 0.636, 0.635], goal=None))
    ticks = np.asarray(fig.axes[0].get_yticks()) * 100
    assert ticks.size >= 2 and np.allclose(ticks, np.round(ticks))


def test_axis_names_the_unit_with_round_ticks_and_the_better_direction() -> None:
    values = [0.62, 0.66, 0.63, 0.68, 0.64, 0.65, 0.67, 0.63, 0.66, 0.69]
    fig = run_chart_figure(proportion_chart(values, goal=None))
    ax = fig.axes[0]
    assert ax.get_ylabel() == "% of patients"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ticks = np.asarray(ax.get_yticks())
    assert labels == [f"{round(t * 100)}%" for t in ticks]
    assert (
        np.allclose(ticks * 100, np.round(ticks * 100)) and len(set(np.round(np.diff(ticks * 100), 6))) == 1
    )
    assert ax.get_title(loc="right") == "↑ better"

    rate = analyse([3.1, 2.9, 3.4, 2.7, 3.0, 3.3, 2.8, 2.6, 2.5, 2.4], "down")
    fig = run_chart_figure(
        RunChart(
            "Symptomatic hypotension: all teams",
            MONTHS_24[:10],
            [3.1, 2.9, 3.4, 2.7, 3.0, 3.3, 2.8, 2.6, 2.5, 2.4],
            rate,
            "rate",
            "per 1,000 visits",
            direction="down",
            goal=2.0,
            multiplier=1000,
            per_team=True,
        )
    )
    ax = fig.axes[0]
    assert ax.get_ylabel() == "per 1,000 visits"
    assert ax.get_title(loc="right") == "↓ better"
    step = float(np.diff(ax.get_yticks())[0])
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in {1.0, 2.0, 5.0}
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"{t:.1f}" for t in ax.get_yticks()]


@pytest.mark.parametrize(("rule_set", "marked"), [("anhoej", ("run",)), ("ihi", ("shift", "trend"))])
def test_signal_points_are_marked_by_rule_with_a_legend_saying_which(
    rule_set: str, marked: tuple[Rule, ...]
) -> None:
    values = improving()
    chart = proportion_chart(values, rules=rule_set)
    rules = points_by_rule(values, chart.result)
    assert rules == {rule: points for rule, points in chart.result.points_by_rule().items()}  # the real flags
    assert all(rules[rule] for rule in marked)  # this series has them
    fig = run_chart_figure(chart)
    for rule in marked:
        [markers] = artists_with_gid(fig, f"signal:{rule}")
        assert isinstance(markers, PathCollection)
        offsets = np.asarray(markers.get_offsets(), dtype=np.float64)
        assert sorted(int(x) for x in offsets[:, 0]) == rules[rule]  # type: ignore[index]
        assert markers.get_label() == RULE_LABELS[rule] and RULE_LABELS[rule] in legend_labels(fig)
    assert artists_with_gid(fig, "signal:astronomical") == []
    crossings = any("crossings" in label for label in legend_labels(fig))
    assert crossings == chart.result.fired("crossings")


def test_too_few_crossings_marks_the_median_line() -> None:
    blocks = [1.0, 1.1, 0.9, 1.05, 0.95, 0.0, 0.1, -0.1, 0.05, -0.05] * 2  # four runs of five
    result = analyse(blocks, "up", baseline_n=20)
    assert result.crossings < result.crossings_min and result.longest_run < 6
    chart = RunChart("Crossings", MONTHS_24[:20], blocks, result, "count", "per month", baseline_n=20)
    fig = run_chart_figure(chart)
    [median] = artists_with_gid(fig, "signal:crossings")
    assert isinstance(median, Line2D)
    assert "too few crossings" in str(median.get_label())
    assert any("too few crossings" in label for label in legend_labels(fig))
    assert artists_with_gid(fig, "signal:run") == []
    assert "too few crossings of the median: 3 (fewer than" in render_run_chart(chart)[1]


def test_learning_sessions_are_labelled_vertical_lines_above_the_data() -> None:
    fig = run_chart_figure(proportion_chart(improving(), sessions=SESSIONS))
    ax = fig.axes[0]
    lines = artists_with_gid(fig, "session")
    assert len(lines) == 2  # the third session is after the chart's last month
    xs = sorted(float(line.get_xdata()[0]) for line in lines)  # type: ignore[attr-defined]
    assert xs == pytest.approx([2 - 0.5 + 17.5 / 31, 11 - 0.5 + 6.5 / 31])  # 18 March, 7 December
    names = artists_with_gid(fig, "session-label")
    assert [t.get_text() for t in names] == ["Learning Session 1", "Learning Session 2"]  # type: ignore[attr-defined]
    plot = window(fig, ax.patch)
    for name in names:
        assert window(fig, name).y0 >= plot.y1  # in the band above the plot

    close = (
        Session(date(2025, 4, 2), "Learning Session 1: a"),
        Session(date(2025, 5, 20), "Learning Session 2: b"),
    )
    fig = run_chart_figure(proportion_chart(improving(), sessions=close))
    names = artists_with_gid(fig, "session-label")
    assert [t.get_text() for t in names] == ["LS1", "LS2"]  # type: ignore[attr-defined]
    assert not window(fig, names[0]).overlaps(window(fig, names[1]))
    assert (
        "Learning sessions marked: Learning Session 1 (April 2025), Learning Session 2 (May 2025)."
        in (render_run_chart(proportion_chart(improving(), sessions=close))[1])
    )


@pytest.mark.parametrize("goal", [0.70, 0.62, 0.575, 0.50])
def test_goal_label_sits_clear_of_every_data_point(goal: float) -> None:
    fig = run_chart_figure(proportion_chart(improving(), goal=goal))
    [label] = artists_with_gid(fig, "goal-label")
    assert label.get_text() == f"Goal\n{round(goal * 100)}%"  # type: ignore[attr-defined]
    box = window(fig, label)
    assert not any(box.overlaps(point) for point in data_boxes(fig))
    assert box.x1 <= fig.bbox.x1 and box.x0 >= window(fig, fig.axes[0].patch).x1


def collaborative_chart() -> RunChart:
    return proportion_chart(
        improving(),
        title="Controlling high blood pressure: all teams",
        per_team=True,
        n_teams=[8] * 20 + [7, 7, 6, 8],
        pdsa_counts=[0, 0, 0, 0, 0, 6, 16, 12, 17, 14, 13, 15, 16, 14, 13, 14, 12, 11, 0, 3, 4, 5, 6, 7],
        sessions=SESSIONS,
    )


def test_collaborative_chart_shows_teams_reporting_and_pdsa_cycles_per_month() -> None:
    chart = collaborative_chart()
    fig = run_chart_figure(chart)
    teams = artists_with_gid(fig, "teams-reporting")
    written = [(int(t.get_position()[0]), t.get_text()) for t in teams]  # type: ignore[attr-defined]
    assert written == [(i, str(n)) for i, n in enumerate(chart.n_teams or [])]  # every month
    boxes = [window(fig, t) for t in teams]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    [bars] = artists_with_gid(fig, "pdsa-count")
    assert isinstance(bars, LineCollection)
    segments = bars.get_segments()
    months = [int(s[0][0]) for s in segments]
    assert months == [i for i, n in enumerate(chart.pdsa_counts or []) if n]
    heights = [s[1][1] - s[0][1] for s in segments]
    assert heights[months.index(8)] == pytest.approx(max(heights))  # 17 cycles, the busiest month
    assert heights[months.index(19)] == pytest.approx(max(heights) * 3 / 17)
    [peak] = artists_with_gid(fig, "pdsa-peak")
    assert peak.get_text() == "17"  # type: ignore[attr-defined]
    labels = [t.get_text() for t in artists_with_gid(fig, "strip-label")]  # type: ignore[attr-defined]
    assert labels == ["Teams reporting", "PDSA cycles started"]
    alt = render_run_chart(chart)[1]
    total = sum(chart.pdsa_counts or [])
    assert (
        f"{total} PDSA cycles started in these months." in alt and "8 teams reported the latest month." in alt
    )


def test_teams_reporting_is_written_where_it_changed_when_every_month_would_not_fit() -> None:
    months = 60
    n_teams = [200] * 30 + [171] * 29 + [180]
    values = [0.6 + 0.01 * (i % 3) for i in range(months)]
    chart = proportion_chart(
        values, per_team=True, n_teams=n_teams, pdsa_counts=[i % 7 for i in range(months)]
    )
    assert count_changes(n_teams) == [0, 30, 59]
    fig = run_chart_figure(chart)
    written = [(int(t.get_position()[0]), t.get_text()) for t in artists_with_gid(fig, "teams-reporting")]  # type: ignore[attr-defined]
    assert written == [(0, "200"), (30, "171"), (59, "180")]
    assert artists_with_gid(fig, "teams-reporting-line")
    boxes = [window(fig, t) for t in artists_with_gid(fig, "teams-reporting")]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def texts_of(fig: Figure) -> list[Text]:
    found = fig.findobj(lambda a: isinstance(a, Text) and a.get_visible() and bool(a.get_text().strip()))
    return [t for t in found if isinstance(t, Text)]


@pytest.mark.parametrize(
    "chart",
    [
        collaborative_chart(),
        proportion_chart(improving(), sessions=SESSIONS, pdsa_months=["2025-05", "2025-08"]),
        dataclasses.replace(
            collaborative_chart(),
            title="Controlling high blood pressure: North County Neighborhood Health Center of the Valley",
            goal=None,
        ),
    ],
    ids=["collaborative", "team", "long-title"],
)
def test_every_text_is_inside_the_figure_and_the_labels_do_not_collide(chart: RunChart) -> None:
    fig = run_chart_figure(chart)
    canvas = fig.bbox
    for text in texts_of(fig):
        box = window(fig, text)
        assert canvas.x0 - 1 <= box.x0 and box.x1 <= canvas.x1 + 1, text.get_text()
        assert canvas.y0 - 1 <= box.y0 and box.y1 <= canvas.y1 + 1, text.get_text()
    ax = fig.axes[0]
    labels = [fig._suptitle, ax.title, ax._left_title, ax._right_title]  # type: ignore[attr-defined]
    labels += artists_with_gid(fig, "session-label") + artists_with_gid(fig, "goal-label") + fig.legends
    boxes = [
        window(fig, label)
        for label in labels
        if label is not None and (not isinstance(label, Text) or label.get_text())
    ]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second)
    legend = window(fig, fig.legends[0])
    assert not any(legend.overlaps(point) for point in data_boxes(fig))


def test_alt_text_numbers_match_the_digest_formatter() -> None:
    values = [41.0, 44.5, 39.0, 47.25, 40.0, 42.0]
    result = analyse(values, "down", 6)
    chart = RunChart(
        "Missed appointments: all teams", MONTHS_24[:6], values, result, "count", "per team",
        direction="down", goal=40.0, per_team=True,
    )  # fmt: skip
    alt = render_run_chart(chart)[1]
    assert f"latest {format_value(42.0, 'count')}." in alt and "latest 42 per team." in alt
    assert (
        f"Median {format_value(result.center, 'count')} of every month so far (baseline not yet frozen)."
        in alt
    )
    assert f"Goal {format_value(40.0, 'count')}." in alt and "lower is better" in alt

    rate_values = [3.14, 2.96, 2.51]
    rate = analyse(rate_values, "down")
    alt = render_run_chart(
        RunChart(
            "Hypotension", MONTHS_24[:3], rate_values, rate, "rate", "per 1,000 visits", multiplier=1000.0
        )
    )[1]
    assert f"latest {format_value(2.51, 'rate', 1000.0)}." in alt and "latest 2.5 per 1,000." in alt


def test_png_bytes_come_from_the_same_figure() -> None:
    chart = collaborative_chart()
    png = run_chart_png(chart)
    fig = run_chart_figure(chart)
    width, height = (fig.get_size_inches() * fig.dpi).round(6).astype(int)
    assert png.startswith(PNG_SIGNATURE)
    assert int.from_bytes(png[16:20], "big") == width and int.from_bytes(png[20:24], "big") == height


def test_control_limits_and_the_centre_line_say_what_they_are() -> None:
    values = [0.5, 0.52, 0.48, 0.51, 0.49, 0.5, 0.52, 0.48, 0.51, 0.49, 0.5, 0.51, 0.9]
    lower, upper = [0.4] * len(values), [0.6] * len(values)
    result = analyse(values, "up", 12, percent=True, limits=(lower, upper))
    chart = proportion_chart(
        values, result=result, limits=(lower, upper), limits_label="Control limits (p chart)"
    )
    fig = run_chart_figure(chart)
    limit_lines = artists_with_gid(fig, "control-limits")
    assert len(limit_lines) == 2 and "Control limits (p chart)" in legend_labels(fig)
    [square] = artists_with_gid(fig, "signal:astronomical")
    assert isinstance(square, PathCollection)
    assert np.asarray(square.get_offsets(), dtype=np.float64)[:, 0].tolist() == [12.0]
    assert "Baseline median (50%)" in legend_labels(fig)

    early = proportion_chart(values[:8])
    assert "Median (baseline not yet frozen) (50%)" in legend_labels(run_chart_figure(early))
    assert "baseline not yet frozen" in render_run_chart(early)[1]
    given = dataclasses.replace(chart, result=analyse(values, "up", 12, percent=True, center=0.45))
    assert any(
        label.startswith("Baseline (from the file) (45%)") for label in legend_labels(run_chart_figure(given))
    )
