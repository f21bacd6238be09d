"""Benchmark: how often the run-chart rules cry wolf, and how often they find a real change.

    python -m bench.signals [--series N] [--seed S]

Simulated monthly series of 12, 18, 24 and 36 months (seeded numpy):

- *stable*: independent binomial proportions (a true rate between 10 % and 90 %, each month's
  denominator drawn from 20 to 300) and Poisson counts (a mean between 2 and 60);
- *shifted*: the same, with a sustained shift of 1.5 standard deviations in the measure's better
  direction from the middle month on.

For each length it prints the false-alarm rate (stable series whose latest verdict is a signal,
either direction: what would put a team in the spotlight or on the support list) and the
detection rate (shifted series whose latest verdict is an improvement), for the digest's rules
(Anhøj, baseline frozen on the first 12 points, never fewer than 10) next to plain Anhøj on all
points (centre = median of every point) and the IHI rules (shift, trend) on the same baseline;
then the false alarms of the rules the digest used before (Anhøj OR shift OR trend, any signal,
against the median of the first 6 points). Targets: at most 10 % false alarms at every length,
at least 75 % detection at 24 months.

The collaborative p′-chart (astronomical months) is measured on pooled stable proportions from
8 teams: the share of series with any month beyond its limits.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.analytics.pchart import p_chart
from bot.analytics.runchart import RunChartResult, analyse

LENGTHS = (12, 18, 24, 36)
SHIFT_SD = 1.5
FALSE_ALARM_TARGET = 0.10
DETECTION_TARGET = 0.75  # at 24 months
KINDS = ("proportion", "count")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Series:
    values: FloatArray
    direction: str
    numerators: FloatArray | None = None
    denominators: FloatArray | None = None


def simulate(rng: np.random.Generator, kind: str, n: int, shift_sd: float = 0.0) -> Series:
    """One monthly series; ``shift_sd`` SDs toward the better direction from month ``n // 2``."""
    direction = "up" if rng.random() < 0.5 else "down"
    sign = 1.0 if direction == "up" else -1.0
    after = np.arange(n) >= n // 2
    if kind == "proportion":
        p = rng.uniform(0.1, 0.9)
        sizes = rng.integers(20, 301, size=n).astype(np.float64)
        sd = np.sqrt(p * (1 - p) / sizes)
        rate = np.clip(p + sign * shift_sd * sd * after, 0.0, 1.0)
        numerators = rng.binomial(sizes.astype(np.int64), rate).astype(np.float64)
        return Series(numerators / sizes, direction, numerators, sizes)
    mean = rng.uniform(2.0, 60.0)
    lam = np.maximum(mean + sign * shift_sd * np.sqrt(mean) * after, 0.0)
    return Series(rng.poisson(lam).astype(np.float64), direction)


Method = Callable[[Series], RunChartResult]
METHODS: dict[str, Method] = {
    "digest (Anhøj, baseline 12)": lambda s: analyse(s.values, s.direction, 12),
    "plain Anhøj, all points": lambda s: analyse(s.values, s.direction, len(s.values)),
    "IHI shift+trend, baseline 12": lambda s: analyse(s.values, s.direction, 12, rules="ihi"),
}


def rates(method: Method, n: int, count: int, seed: int) -> tuple[float, float]:
    """(false-alarm rate, detection rate) over ``count`` series of each kind of length ``n``."""
    rng = np.random.default_rng(seed)
    alarms = found = total = 0
    for kind in KINDS:
        for _ in range(count):
            alarms += method(simulate(rng, kind, n)).signal_direction is not None
            found += method(simulate(rng, kind, n, SHIFT_SD)).signal_direction == "improvement"
            total += 1
    return alarms / total, found / total


def old_rules_flag(series: Series) -> bool:
    """The rules the digest used before: Anhøj OR shift OR trend against the median of the first 6
    points, any signal flagging (reproduced with that median given as the centre line)."""
    reported = series.values[~np.isnan(series.values)]
    centre = float(np.median(reported[:6]))
    anhoej = analyse(series.values, series.direction, center=centre, describe=False)
    ihi = analyse(series.values, series.direction, center=centre, rules="ihi", describe=False)
    return anhoej.has_signal or ihi.has_signal


def old_false_alarms(n: int, count: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    flagged = sum(old_rules_flag(simulate(rng, kind, n)) for kind in KINDS for _ in range(count))
    return flagged / (count * len(KINDS))


def pchart_false_alarms(n: int, count: int, seed: int, teams: int = 8) -> float:
    """Share of pooled stable proportion series with an astronomical month on the p′-chart."""
    rng = np.random.default_rng(seed)
    flagged = 0
    for _ in range(count):
        parts = [simulate(rng, "proportion", n) for _ in range(teams)]
        numerators = np.sum([p.numerators for p in parts if p.numerators is not None], axis=0)
        denominators = np.sum([p.denominators for p in parts if p.denominators is not None], axis=0)
        chart = p_chart(numerators, denominators, 12)
        values = numerators / denominators
        flagged += bool(np.any((values > chart.upper) | (values < chart.lower)))
    return flagged / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=1000, help="series per kind and length (default 1000)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    print(
        f"{args.series} stable and {args.series} shifted series per kind (binomial proportions, "
        f"Poisson counts) and length; shift {SHIFT_SD} SD in the better direction from mid-series."
    )
    print(f"{'months':>6}  {'method':<30} {'false alarms':>12} {'detected':>9}")
    ok = True
    for n in LENGTHS:
        for i, (name, method) in enumerate(METHODS.items()):
            alarms, found = rates(method, n, args.series, args.seed + n)
            print(f"{n:>6}  {name:<30} {alarms:>12.1%} {found:>9.1%}")
            if i == 0:
                ok &= alarms <= FALSE_ALARM_TARGET and (n != 24 or found >= DETECTION_TARGET)
    print("the rules used before (Anhøj OR shift OR trend, median of 6 points), stable series flagged:")
    for n in LENGTHS:
        print(f"{n:>6}  {old_false_alarms(n, args.series, args.seed + n):.1%}")
    print("collaborative p′-chart (8 teams pooled), stable series with an astronomical month:")
    for n in LENGTHS:
        print(f"{n:>6}  {pchart_false_alarms(n, max(args.series // 4, 50), args.seed + n):.1%}")
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
