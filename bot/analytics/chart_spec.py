"""What a run chart shows, as plain data (no matplotlib): :class:`RunChart` and its :class:`Session` lines.

The digest and the team chart build these; :mod:`bot.analytics.charts` draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from bot.analytics.runchart import RunChartResult, normalise_direction
from bot.format import measure_value
from storage.enums import MeasureType

PeriodLike = pd.Period | date | str


@dataclass(frozen=True)
class Session:
    """A learning session: drawn as a vertical line at its day, labelled with its short title."""

    day: date
    title: str


@dataclass(frozen=True)
class RunChart:
    """Everything one run chart shows. ``periods`` and ``values`` align (NaN = not reported).

    ``unit`` labels the y axis (see :func:`bot.format.unit_label`). Proportions are fractions,
    shown on a percent axis. A team chart gives ``pdsa_months``; a collaborative chart gives
    ``pdsa_counts`` and ``n_teams`` (one per period) and ``per_team`` (counts are the mean per
    reporting team). ``baseline_n`` is the number of leading months under the solid centre
    line (default: up to the last month of a frozen baseline, else every month); it is dashed
    where extended. ``limits``, when given, are drawn with ``limits_label`` in the legend.
    """

    title: str
    periods: Sequence[PeriodLike]
    values: Sequence[float] | npt.NDArray[np.float64]
    result: RunChartResult
    measure_type: str
    unit: str
    direction: str = "up"
    goal: float | None = None
    multiplier: float | None = None
    per_team: bool = False
    baseline_n: int | None = None
    pdsa_months: Sequence[PeriodLike] = ()
    pdsa_counts: Sequence[int] | None = None
    n_teams: Sequence[int] | None = None
    sessions: Sequence[Session] = ()
    #: Control limits (lower, upper), one per period, drawn as thin steps; a point beyond them is
    #: an astronomical point (a collaborative proportion's p or Laney p′ chart).
    limits: (
        tuple[Sequence[float] | npt.NDArray[np.float64], Sequence[float] | npt.NDArray[np.float64]] | None
    ) = None
    limits_label: str = "Control limits"

    @property
    def percent(self) -> bool:
        return self.measure_type == MeasureType.PROPORTION

    @property
    def better(self) -> str:
        return "↑ better" if normalise_direction(self.direction) == "up" else "↓ better"

    def value_text(self, value: float) -> str:
        """A value as the digest writes it (``62%``, ``2.5 per 1,000``, ``41 per team``)."""
        return measure_value(value, self.measure_type, self.multiplier, per_team=self.per_team)
