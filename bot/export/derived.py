"""Tables computed from the stored ones (pure pandas): filled values, the wide grid, the evaluation."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from bot import months
from bot.export.registry import ExportData
from storage.enums import CycleStatus, Decision, MeasureType, RsvpAnswer


def _definitions(data: ExportData) -> pd.DataFrame:
    defs = data.frame("measure_definitions")
    return defs[["collaborative", "measure", "type", "multiplier"]].rename(columns={"type": "measure_type"})


def _value(
    numerator: pd.Series, denominator: pd.Series, stored: pd.Series, kind: pd.Series, multiplier: pd.Series
) -> pd.Series:
    """Proportion: numerator ÷ denominator; rate: that × multiplier; count: the stored count."""
    num = pd.to_numeric(numerator, errors="coerce").astype(float)
    den = pd.to_numeric(denominator, errors="coerce").astype(float)
    scale = np.where(kind == MeasureType.RATE, pd.to_numeric(multiplier, errors="coerce").astype(float), 1.0)
    scale = np.where(np.isnan(scale), 1.0, scale)  # a rate without a multiplier is stored per 1
    computed: pd.Series = (num / den.where(den > 0)) * scale
    use = (kind != MeasureType.COUNT) & computed.notna()
    return computed.where(use, pd.to_numeric(stored, errors="coerce").astype(float))


def _with_definitions(data: ExportData, frame: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(
        _definitions(data), on=["collaborative", "measure"], how="left", validate="many_to_one"
    )


def measures(data: ExportData) -> pd.DataFrame:
    """The reported figures, ``value`` computed for every row, the rate's multiplier at the end."""
    frame = _with_definitions(data, data.frame("measures"))
    frame["value"] = _value(
        frame["numerator"], frame["denominator"], frame["value"], frame["measure_type"], frame["multiplier"]
    )
    frame["multiplier"] = frame["multiplier"].where(frame["measure_type"] == MeasureType.RATE)
    return frame.drop(columns=["measure_type"])


def revisions(data: ExportData) -> pd.DataFrame:
    """The audit trail, old and new values computed like ``measures.value``."""
    raw = data.frame("measure_revisions")
    frame = _with_definitions(data, raw)
    for side in ("old", "new"):
        frame[f"{side}_value"] = _value(
            frame[f"{side}_numerator"],
            frame[f"{side}_denominator"],
            frame[f"{side}_value"],
            frame["measure_type"],
            frame["multiplier"],
        )
    return frame[list(raw.columns)]


def measures_wide(data: ExportData) -> pd.DataFrame:
    """One row per collaborative, measure and team; one column per month (YYYY-MM) with the value."""
    values = measures(data)
    keys = ["collaborative", "measure", "team"]
    if values.empty:
        return pd.DataFrame(columns=keys)
    periods = sorted(values["period"].unique())
    span = months.months_back(periods[-1], periods[0])[::-1]
    grid = values.pivot(index=keys, columns="period", values="value").reindex(columns=span)
    grid.columns = [str(c) for c in grid.columns]
    defs = data.frame("measure_definitions")
    teams = data.frame("teams")
    order = pd.MultiIndex.from_tuples(
        [
            (c, m, t)
            for c, m in zip(defs["collaborative"], defs["measure"], strict=True)
            for tc, t in zip(teams["collaborative"], teams["team"], strict=True)
            if tc == c and (c, m, t) in grid.index
        ],
        names=keys,
    )
    return grid.reindex(order).reset_index()


# --- evaluation ---------------------------------------------------------------------------------


def _due_months(start: date, end: date, due_day: int, today: date) -> list[str]:
    """The collaborative's months whose due day (of the following month) is before ``today``."""
    first, last = months.period_of(start), months.period_of(end)
    return [
        p for p in months.months_back(last, first)[::-1] if months.day_in_following_month(p, due_day) < today
    ]


def _on_time_without_narrative(values: pd.DataFrame, timezone: str, due_day: int) -> set[str]:
    """Months whose first measure was stored by the due day (months with no team report, e.g. imported)."""
    on_time = set()
    for period, times in values.groupby("period")["submitted_at"]:
        first = min(_local_moment(t) for t in times)
        if months.local_date(first, timezone) <= months.day_in_following_month(str(period), due_day):
            on_time.add(str(period))
    return on_time


def _local_moment(value: object) -> datetime:
    moment = pd.Timestamp(value)  # type: ignore[arg-type]
    if moment.tzinfo is None:
        moment = moment.tz_localize("UTC")
    return moment.to_pydatetime()


def _of_team(frame: pd.DataFrame, collab: str, team: str) -> pd.DataFrame:
    """A team's rows of ``frame``."""
    return frame[(frame["collaborative"] == collab) & (frame["team"] == team)]


def _until(frame: pd.DataFrame, collab: str, team: str, column: str, moment: datetime) -> pd.DataFrame:
    """A team's rows of ``frame`` whose ``column`` time is at or before ``moment``."""
    mine = _of_team(frame, collab, team)
    keep = pd.Series([_local_moment(t) <= moment for t in mine[column]], index=mine.index, dtype=bool)
    return mine.loc[keep]


def _mean_usefulness(data: ExportData, collab: str, team: str, moment: datetime) -> float | None:
    answers = _until(data.frame("evaluation_usefulness"), collab, team, "submitted_at", moment)
    values = pd.to_numeric(answers["usefulness"])
    return float(values.mean()) if len(values) else None


def _latest_faculty_score(data: ExportData, collab: str, team: str, moment: datetime) -> float | None:
    """The score of the team's latest scored month (the query orders by month, then time)."""
    scores = _until(data.frame("evaluation_faculty_scores"), collab, team, "scored_at", moment)
    return float(scores["score"].iloc[-1]) if len(scores) else None


def evaluation(data: ExportData) -> pd.DataFrame:
    """One row per team: months reported of months due, on-time rate, PDSA cycles, sessions attended."""
    collabs = data.frame("collaboratives").set_index("key")
    reported = data.frame("measures")
    reports = data.frame("team_reports")
    pdsa = data.frame("pdsa")
    calendar = data.frame("calendar")
    rsvps = data.frame("rsvps")
    members = data.frame("memberships")
    rows = []
    teams = data.frame("teams")
    for collab, team in zip(teams["collaborative"], teams["team"], strict=True):
        info = collabs.loc[collab]
        moment = data.moment_in(str(info["timezone"]))
        today = moment.date()
        due = _due_months(
            pd.Timestamp(info["start"]).date(), pd.Timestamp(info["end"]).date(), int(info["due_day"]), today
        )
        mine = _of_team(reported, collab, team)
        done = set(mine["period"]) & set(due)
        narrative = _of_team(reports, collab, team)
        on_time = set(narrative.loc[~narrative["late"].astype(bool), "period"])
        without_narrative = mine[~mine["period"].isin(set(narrative["period"]))]
        on_time |= _on_time_without_narrative(without_narrative, str(info["timezone"]), int(info["due_day"]))
        on_time &= set(due)
        cycles = _of_team(pdsa, collab, team)
        events = calendar[(calendar["collaborative"] == collab) & calendar["active"].astype(bool)]
        held = {
            str(key)
            for key, starts in zip(events["key"], events["starts_at"], strict=True)
            if _local_moment(starts) <= moment
        }
        people = set(_of_team(members, collab, team)["slack_user_id"])
        going = rsvps[
            (rsvps["collaborative"] == collab)
            & (rsvps["response"] == RsvpAnswer.GOING)
            & rsvps["slack_user_id"].isin(people)
        ]
        rows.append(
            {
                "collaborative": collab,
                "team": team,
                "as_of": today,
                "months_due": len(due),
                "months_reported": len(done),
                "on_time_rate": len(on_time) / len(due) if due else None,
                "pdsa_started": len(cycles),
                "pdsa_completed": int((cycles["status"] == CycleStatus.COMPLETED).sum()),
                "pdsa_adopted": int((cycles["act_decision"] == Decision.ADOPT).sum()),
                "sessions_held": len(held),
                "sessions_attended": len(held & {str(e) for e in going["event"]}),
                "mean_usefulness": _mean_usefulness(data, collab, team, moment),
                "latest_faculty_score": _latest_faculty_score(data, collab, team, moment),
            }
        )
    columns = [
        "collaborative",
        "team",
        "as_of",
        "months_due",
        "months_reported",
        "on_time_rate",
        "pdsa_started",
        "pdsa_completed",
        "pdsa_adopted",
        "sessions_held",
        "sessions_attended",
        "mean_usefulness",
        "latest_faculty_score",
    ]
    return pd.DataFrame(rows, columns=columns)
