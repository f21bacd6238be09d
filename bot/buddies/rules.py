"""Who is paired with whom this month (pure).

* *Improving* on a measure: the team's run chart shows an improvement signal now (the digest's
  run-chart rules, in the measure's better direction).
* *Flat* on a measure: no signal either way, with at least :data:`MIN_POINTS` months off the median
  (enough data to call it flat rather than new).
* Measures in the file's order; within a measure, teams in a stable order (their ids). Each
  improving team is paired with the first flat team on the same measure that is still free this
  month and that it was not paired with in the last :data:`REPEAT_MONTHS` months (this month and
  the two before). Each team is in at most one pair a month.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.months import shift

REPEAT_MONTHS = 3
MIN_POINTS = 6


@dataclass(frozen=True)
class Standing:
    """One team on one measure, now."""

    team_id: int
    measure_id: int
    improving: bool
    flat: bool


@dataclass(frozen=True)
class Pair:
    measure_id: int
    improving_team_id: int
    flat_team_id: int


def first_month_remembered(month: str) -> str:
    """The oldest month whose pairs still block a repeat in ``month``."""
    return shift(month, -(REPEAT_MONTHS - 1))


def blocked_pairs(recent: Iterable[tuple[str, int, int]], month: str) -> set[frozenset[int]]:
    """The team pairs (either order) made within :data:`REPEAT_MONTHS` months of ``month``."""
    first = first_month_remembered(month)
    return {frozenset((a, b)) for made, a, b in recent if first <= made <= month}


def pair_teams(
    standings: Sequence[Standing], measure_order: Sequence[int], blocked: set[frozenset[int]]
) -> list[Pair]:
    """This month's pairs, at most one per team."""
    used: set[int] = set()
    pairs: list[Pair] = []
    for measure_id in measure_order:
        on_measure = sorted((s for s in standings if s.measure_id == measure_id), key=lambda s: s.team_id)
        improving = [s.team_id for s in on_measure if s.improving]
        flat = [s.team_id for s in on_measure if s.flat]
        for team in improving:
            if team in used:
                continue
            buddy = next(
                (f for f in flat if f not in used and f != team and frozenset((team, f)) not in blocked), None
            )
            if buddy is None:
                continue
            used.update((team, buddy))
            pairs.append(Pair(measure_id, team, buddy))
    return pairs
