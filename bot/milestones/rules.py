"""Which milestones a team has just reached, and how long its improvement signals have held (pure).

Milestones, each celebrated once per team (never compared with other teams):

* ``first-cycle``: the team's first completed PDSA cycle;
* ``first-adopted-change``: the first cycle the team completed with the decision *adopt*;
* ``first-sustained-signal``: the first time one of the team's run charts has shown an improvement
  signal (in the measure's better direction, by the digest's run-chart rules) in each of the last
  :data:`SUSTAINED_MONTHS` monthly analyses: the months up to the latest report, then one and two
  months earlier. A single month's signal can still be noise; three in a row is a change that held.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import pandas as pd

from bot.analytics.panel import analyse_panel
from bot.digest.rules import baseline_months, run_chart_rules, team_panel
from storage.digest_queries import DigestData
from storage.enums import Decision
from storage.pdsa import CycleRecord

SUSTAINED_MONTHS = 3


class Milestone(StrEnum):
    FIRST_CYCLE = "first-cycle"
    FIRST_ADOPTED = "first-adopted-change"
    FIRST_SUSTAINED = "first-sustained-signal"


def cycle_milestones(cycle: CycleRecord, team_cycles: Sequence[CycleRecord]) -> list[Milestone]:
    """The milestones ``cycle`` (just completed) reaches: no other cycle of the team was completed (or
    adopted) before it. Cycles completed before milestones existed count, so they are not "firsts"."""
    if cycle.is_open:
        return []
    others = [c for c in team_cycles if c.id != cycle.id and not c.is_open]
    reached: list[Milestone] = []
    if not others:
        reached.append(Milestone.FIRST_CYCLE)
    if cycle.act_decision == Decision.ADOPT and not any(c.act_decision == Decision.ADOPT for c in others):
        reached.append(Milestone.FIRST_ADOPTED)
    return reached


def signal_streaks(data: DigestData, period: pd.Period, depth: int = SUSTAINED_MONTHS) -> pd.DataFrame:
    """Per (team, measure): ``improving`` (an improvement signal now), ``streak`` (how many of the last
    ``depth`` monthly analyses, counting back from ``period``, show one without a gap), ``signal``
    (the signal direction now, or None) and ``n_useful`` (points off the median now)."""
    reports = data.reports.assign(period=pd.PeriodIndex(data.reports["period"], freq="M"))
    reports = reports[reports["period"] <= period]
    columns = ["improving", "streak", "signal", "n_useful"]
    if reports.empty or data.measures.empty:
        return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_tuples([], names=["team", "measure"]))
    months = pd.period_range(reports["period"].min(), period, freq="M")
    span = baseline_months(data, months)
    panel = team_panel(data, reports, months)
    directions = data.measures.set_index("key")["direction"]
    rows = pd.Series(
        directions.reindex(panel.index.get_level_values("measure")).to_numpy(), index=panel.index
    )
    rules = run_chart_rules(data)
    now = analyse_panel(panel, rows, span, rules)
    streak = pd.Series(0, index=panel.index)
    alive = pd.Series(True, index=panel.index)
    for back in range(min(depth, panel.shape[1])):
        verdict = (
            now if back == 0 else analyse_panel(panel.iloc[:, : panel.shape[1] - back], rows, span, rules)
        )
        alive &= verdict["signal_direction"].eq("improvement").reindex(panel.index, fill_value=False)
        streak += alive.astype(int)
    return pd.DataFrame(
        {
            "improving": now["signal_direction"].eq("improvement"),
            "streak": streak,
            "signal": now["signal_direction"].where(now["signal_direction"].notna(), None),
            "n_useful": now["n_useful"],
        },
        index=panel.index,
    )


def sustained_measures(streaks: pd.DataFrame, depth: int = SUSTAINED_MONTHS) -> list[str]:
    """Measure keys whose improvement signal has held for ``depth`` monthly analyses in a row."""
    if streaks.empty:
        return []
    held = streaks[streaks["streak"] >= depth]
    return [str(measure) for measure in held.index.get_level_values("measure")]
