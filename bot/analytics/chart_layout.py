"""Where a run chart's parts go: margins measured from the chart's own texts, without a layout engine.

matplotlib's constrained layout draws the whole figure once just to measure it, which nearly
doubles the cost of a chart. A run chart's texts are few and known in advance (title, finding,
y tick labels, the goal label, the strip's row labels), so :func:`plan` measures those few with
the Agg renderer's font metrics and places everything in inches: the title and the finding on top,
then a band for learning-session names, the plot, the x tick labels, the strip rows (collaborative
charts), and the legend at the bottom. The plot keeps the same height whatever is around it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

DPI = 110
WIDTH = 8.0  # inches: a Slack preview
AXES_HEIGHT = 3.0
PAD = 0.1
POINT = 1 / 72  # inches

TITLE_SIZE = 15
FINDING_SIZE = 11
BETTER_SIZE = 12
Y_TICK_SIZE = 12
X_TICK_SIZE = 11
UNIT_SIZE = 12
GOAL_SIZE = 11
SESSION_SIZE = 9
STRIP_SIZE = 8
STRIP_LABEL_SIZE = 8.5
LEGEND_SIZE = 9
LINE_SPACING = 1.2

TICK_LENGTH = 3.5 * POINT
TICK_PAD = 3.5 * POINT
UNIT_PAD = 4.0 * POINT  # y label to tick labels
GOAL_OFFSET = 6.0 * POINT  # goal label to the plot's right edge
TITLE_PAD = 6.0 * POINT  # finding to the plot (or to the session band)
SESSION_OFFSET = 3.0 * POINT
STRIP_ROW = 0.2
LEGEND_ROW = 0.24
LEGEND_HANDLE = 0.5  # a legend entry's marker, its gap and the space between columns
LEGEND_CHAR = 0.072  # inches per character at 9 pt, a little generous
MAX_LEGEND_COLUMNS = 3


def line_height(size: float, lines: int = 1) -> float:
    return lines * size * LINE_SPACING * POINT


class Measurer:
    """Text extents in inches, from the Agg renderer's font metrics (one renderer per chart)."""

    def __init__(self) -> None:
        self._renderer = RendererAgg(1, 1, DPI)
        self._fonts: dict[tuple[float, bool], FontProperties] = {}

    def width(self, text: str, size: float, bold: bool = False) -> float:
        key = (size, bold)
        if key not in self._fonts:
            self._fonts[key] = FontProperties(size=size, weight="bold" if bold else "normal")
        widths = [
            self._renderer.get_text_width_height_descent(line, self._fonts[key], ismath=False)[0]
            for line in text.split("\n")
            if line
        ]
        return max(widths, default=0.0) / DPI

    def wrap(self, text: str, size: float, room: float, bold: bool = False) -> list[str]:
        """``text`` in as few lines as fit ``room`` inches (words kept whole)."""
        if not text:
            return []
        full = self.width(text, size, bold)
        if full <= room:
            return [text]
        chars = max(12, math.floor(len(text) * room / full * 0.95))
        return textwrap.wrap(text, chars)


@dataclass(frozen=True)
class Layout:
    """The chart's geometry in inches; :meth:`axes_rect` gives the plot's box as figure fractions."""

    height: float
    left: float
    right: float
    top: float
    bottom: float
    title_lines: list[str]
    finding_lines: list[str]
    band: float  # above the plot, for learning-session names
    x_labels: float  # below the plot, for the x tick labels
    legend_columns: int

    @property
    def axes_width(self) -> float:
        return WIDTH - self.left - self.right

    def axes_rect(self) -> tuple[float, float, float, float]:
        return (
            self.left / WIDTH,
            self.bottom / self.height,
            self.axes_width / WIDTH,
            AXES_HEIGHT / self.height,
        )

    def strip_row_y(self, row: int) -> float:
        """The centre of strip row ``row`` (0 = first under the x labels), in axes fractions."""
        return -(self.x_labels + (row + 0.5) * STRIP_ROW) / AXES_HEIGHT

    def inches_x(self, inches: float) -> float:
        """A horizontal distance as a fraction of the plot's width."""
        return inches / self.axes_width


def legend_columns(labels: Sequence[str]) -> int:
    """As many columns (up to 3) as fit the figure's width."""
    widest = max((len(label) for label in labels), default=0) * LEGEND_CHAR + LEGEND_HANDLE
    fit = max(1, math.floor((WIDTH - 2 * PAD) / widest)) if widest else 1
    return max(1, min(MAX_LEGEND_COLUMNS, fit, len(labels)))


def plan(
    measure: Measurer,
    *,
    title: str,
    finding: str,
    better: str,
    y_labels: Sequence[str],
    goal_label: str | None,
    strip_labels: Sequence[str],
    sessions: bool,
    legend: Sequence[str],
) -> Layout:
    """Margins from the texts that sit around the plot; the plot itself is always AXES_HEIGHT tall."""
    ticks = max((measure.width(label, Y_TICK_SIZE) for label in y_labels), default=0.0)
    left = PAD + line_height(UNIT_SIZE) + UNIT_PAD + ticks + TICK_LENGTH + TICK_PAD
    if strip_labels:
        left = max(left, PAD + max(measure.width(label, STRIP_LABEL_SIZE) for label in strip_labels) + 0.12)
    right = PAD + (GOAL_OFFSET + measure.width(goal_label, GOAL_SIZE, bold=True) if goal_label else 0.15)
    plot_width = WIDTH - left - right
    title_lines = measure.wrap(title, TITLE_SIZE, WIDTH - 2 * PAD, bold=True)
    room = plot_width - measure.width(better, BETTER_SIZE, bold=True) - 0.25
    finding_lines = measure.wrap(finding, FINDING_SIZE, room)
    band = line_height(SESSION_SIZE) + SESSION_OFFSET if sessions else 0.0
    top = (
        PAD
        + line_height(TITLE_SIZE, len(title_lines))
        + 0.08
        + line_height(FINDING_SIZE, max(len(finding_lines), 1))
        + TITLE_PAD
        + band
    )
    x_labels = TICK_LENGTH + TICK_PAD + line_height(X_TICK_SIZE, 2) + 0.05
    columns = legend_columns(legend)
    legend_rows = math.ceil(len(legend) / columns) if legend else 0
    bottom = x_labels + len(strip_labels) * STRIP_ROW + legend_rows * LEGEND_ROW + PAD + 0.05
    height = math.ceil((top + AXES_HEIGHT + bottom) * DPI) / DPI  # a whole number of pixels
    return Layout(
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=height - top - AXES_HEIGHT,
        title_lines=title_lines,
        finding_lines=finding_lines,
        band=band,
        x_labels=x_labels,
        legend_columns=columns,
    )
