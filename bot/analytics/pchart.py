"""p-chart limits for a proportion with varying denominators, Laney p′ when over-dispersed.

For the collaborative-level proportion (Σ numerators ÷ Σ denominators of the teams that reported),
whose monthly denominators differ a lot: the centre p̄ is pooled over the baseline months (the
same points the run chart freezes its median on, else all), each month's limits are
``p̄ ± 3 σᵢ`` with ``σᵢ = √(p̄(1 − p̄)/nᵢ)``. Large pooled denominators are usually over-dispersed
(the teams differ more than binomial sampling says), which makes a plain p-chart flag almost
every month; Laney's p′ (Laney 2002) widens the limits by ``σz``, the moving-range estimate of
the spread of every month's z-scores ``(pᵢ − p̄)/σᵢ`` (mean moving range ÷ 1.128), when it is above 1.
A month beyond its limits is an *astronomical point* for :func:`bot.analytics.runchart.analyse`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.analytics.runchart import freeze_points

FloatArray = npt.NDArray[np.float64]
D2 = 1.128  # bias constant of a moving range of two


@dataclass(frozen=True)
class PChart:
    """Centre and per-month limits (NaN where a month has no denominator)."""

    center: float
    lower: FloatArray
    upper: FloatArray
    sigma_z: float
    laney: bool  # True when the limits were widened by sigma_z (over-dispersion)

    @property
    def limits(self) -> tuple[FloatArray, FloatArray]:
        return self.lower, self.upper


def p_chart(
    numerators: Sequence[float] | FloatArray,
    denominators: Sequence[float] | FloatArray,
    baseline_n: int | None = None,
    center: float | None = None,
) -> PChart:
    """p (or Laney p′) chart limits for monthly ``numerators``/``denominators`` (NaN = not reported).

    ``center``: a given baseline proportion (the file's) used as p̄, as the run chart uses it."""
    x = np.asarray(numerators, dtype=np.float64).ravel()
    n = np.asarray(denominators, dtype=np.float64).ravel()
    ok = ~np.isnan(x) & ~np.isnan(n) & (n > 0)
    where = np.flatnonzero(ok)
    nan = np.full(x.size, math.nan)
    if where.size == 0:
        return PChart(math.nan, nan, nan, math.nan, False)
    needed = freeze_points(baseline_n)
    base = where[:needed] if where.size >= needed else where
    if center is None or math.isnan(center):
        center = float(x[base].sum() / n[base].sum())
    if center <= 0.0 or center >= 1.0:
        return PChart(center, np.where(ok, center, math.nan), np.where(ok, center, math.nan), math.nan, False)
    sigma = np.full(x.size, math.nan)
    sigma[where] = np.sqrt(center * (1 - center) / n[where])
    z = (x[where] / n[where] - center) / sigma[where]
    sigma_z = float(np.mean(np.abs(np.diff(z))) / D2) if z.size > 1 else 1.0
    laney = sigma_z > 1.0
    width = 3.0 * sigma * (sigma_z if laney else 1.0)
    return PChart(
        center=center,
        lower=np.clip(center - width, 0.0, 1.0),
        upper=np.clip(center + width, 0.0, 1.0),
        sigma_z=sigma_z,
        laney=laney,
    )
