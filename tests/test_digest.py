"""build_digest on hand-made data: completeness, new signals, support reasons, PDSA tally; view limits."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from bot.analytics.runchart import analyse
from bot.digest.document import digest_html, digest_markdown
from bot.digest.rules import build_digest
from bot.digest.views import digest_message, digest_thread_messages
from bot.digest.wording import HTML, MARKDOWN, SLACK, measure_text, share_text, team_row_line
from storage.digest_queries import CALL_COLUMNS, CollaborativeInfo, DigestData
from tests.constants import DIGEST_CHANNEL
from tests.slack_standin import validate_blocks

MONTHS = [str(p) for p in pd.period_range("2025-01", "2026-12", freq="M")]
AS_OF = datetime(2027, 1, 15, 17, 0, tzinfo=UTC)  # January 15, 09:00 in Los Angeles
BASE = [50, 52, 48, 51, 49, 50, 52, 48, 51, 49, 50, 51]  # 2025: the baseline, median 50


def _collab(baseline_months: int | None = 12) -> CollaborativeInfo:
    return CollaborativeInfo(
        id=1,
        key="htn",
        name="Hypertension",
        timezone="America/Los_Angeles",
        start=date(2026, 1, 1),
        end=date(2027, 6, 30),
        due_day=10,
        baseline_months=baseline_months,
        digest_channel=DIGEST_CHANNEL,
        first_learning_session=None,
    )


def _rows(team: str, values: Sequence[float | None], measure: str = "bp") -> list[dict[str, object]]:
    return [
        {"team": team, "measure": measure, "period": m, "numerator": v, "denominator": 100.0, "value": None}
        for m, v in zip(MONTHS, values, strict=True)
        if v is not None
    ]


def _data(teams: int = 3) -> DigestData:
    reports = (
        # a run of 7 above the baseline median completed in December (6 allowed for 11 points): new
        _rows("a", BASE + [49, 51, 48, None, 49, 55, 56, 53, 57, 54, 58, 59])
        + _rows("b", BASE + [52, 48, 51, 50, 49, 51, 52, 48, 51, 50, None, None])  # flat; missed Nov, Dec
        + _rows("c", BASE + [45, 44, 46, 43, 45, 44, 45, 44, 46, 43, 45, 44])  # deteriorating
        + [{"team": t, "measure": "ns", "period": "2026-12", "numerator": None, "denominator": None,
            "value": v} for t, v in (("a", 10.0), ("c", 30.0))]
    )  # fmt: skip
    pdsa = pd.DataFrame(
        {
            "team": ["a", "a", "c"],
            "start_date": pd.to_datetime(["2027-01-10", "2026-12-01", "2026-10-01"]),
            "status": ["completed", "open", "completed"],
            "act_decision": ["adopt", None, "abandon"],
            "end_date": pd.to_datetime(pd.Series(["2027-01-14", None, "2026-11-01"])),
            "updated_at": pd.to_datetime(["2027-01-14T18:00Z", "2026-12-01T18:00Z", "2026-11-01T18:00Z"]),
        }
    )
    return DigestData(
        collaborative=_collab(),
        teams=pd.DataFrame(
            {
                "team_id": [1, 2, 3],
                "team": ["a", "b", "c"],
                "name": ["Alpha", "Bravo", "Charlie"],
                "channel_id": ["C1", "C2", "C3"],
            }
        ),  # fmt: skip
        measures=pd.DataFrame(
            {
                "measure_id": [1, 2],
                "key": ["bp", "ns"],
                "name": ["BP control", "No-shows"],
                "type": ["proportion", "count"],
                "kind": ["outcome", "balancing"],
                "direction": ["up", "down"],
                "goal": [0.7, 8.0],
                "baseline": [0.5, None],
                "multiplier": [None, None],
            }
        ),  # fmt: skip
        reports=pd.DataFrame(reports),
        team_reports=pd.DataFrame({"team": [], "period": []}),
        pdsa=pdsa,
        calls=pd.DataFrame(
            [[7, "Interim call", "interim_call", pd.Timestamp("2027-01-21T20:00Z"), None, 5, 1]],
            columns=CALL_COLUMNS,
        ),
    )


def test_digest_contents() -> None:
    digest = build_digest(_data(), AS_OF)
    assert str(digest.period) == "2026-12"
    assert digest.week == "2027-W02"
    assert digest.due_passed
    assert (digest.n_reported, digest.n_teams, digest.missing) == (2, 3, ["Bravo"])

    bp = digest.measures[0]
    assert bp.value == pytest.approx((59 + 44) / 200)  # pooled: Σ numerators ÷ Σ denominators
    assert bp.n_teams == 2
    no_shows = digest.measures[1]
    assert no_shows.value == 20.0  # a count is compared per team: (10 + 30) / 2

    assert [(f.team, len(f.reasons)) for f in digest.spotlight] == [("a", 1)]
    assert (
        "Improvement since Jun 2026: 7 months in a row above the baseline median of 50%"
        in (digest.spotlight[0].reasons[0])
    )
    support = {f.team: f.reasons for f in digest.support}
    assert set(support) == {"b", "c"}
    assert support["b"][0] == "missed the November 2026 and December 2026 reports"
    assert support["b"][1].startswith("no PDSA activity in 6 weeks")
    assert "deterioration on BP control" in support["c"]

    pdsa = digest.pdsa
    assert (pdsa.started_week, pdsa.completed_week) == (1, 1)
    assert pdsa.decisions_week == {"adopt": 1, "adapt": 0, "abandon": 0}
    assert pdsa.decisions_total == {"adopt": 1, "adapt": 0, "abandon": 1}
    assert (pdsa.open_now, pdsa.teams_active_6_weeks) == (1, 1)
    assert digest.calls[0].starts_at.hour == 12 and digest.calls[0].going == 5
    assert digest.improvement_share == pytest.approx(1 / 2)  # of the 2 teams that reported
    assert share_text(digest) == (
        "1 of 2 teams that reported December 2026 shows an improvement signal on at least one measure."
    )


def test_signal_already_there_last_month_is_not_new() -> None:
    data = _data()
    later = AS_OF.replace(month=2)  # period January 2027: a's shift is a month old (no January data)
    assert build_digest(data, later).spotlight == []


def test_before_the_due_date_nobody_has_missed_yet() -> None:
    digest = build_digest(_data(), AS_OF.replace(day=5))
    assert not digest.due_passed
    support = {f.team: f.reasons for f in digest.support}
    assert not any("missed" in r for r in support.get("b", []))


def test_messages_fit_slack_limits_for_a_large_collaborative() -> None:
    teams = 400
    data = _data()
    data = DigestData(
        collaborative=data.collaborative,
        teams=pd.DataFrame(
            {
                "team_id": range(teams),
                "team": [f"t{i}" for i in range(teams)],
                "name": [f"Community Health Center number {i}" for i in range(teams)],
                "channel_id": [None] * teams,
            }
        ),
        measures=data.measures,
        reports=data.reports.iloc[:0],
        team_reports=data.team_reports,
        pdsa=data.pdsa.iloc[:0],
        calls=data.calls,
    )
    digest = build_digest(data, AS_OF)
    assert len(digest.support) == teams and len(digest.missing) == teams
    main = digest_message(digest)
    assert len(main["blocks"]) <= 50
    assert validate_blocks(main["blocks"], "message") == []
    assert "more in the thread" in str(main["blocks"])
    replies = digest_thread_messages(digest)
    assert len(replies) > 2
    for reply in replies:
        assert len(reply["blocks"]) <= 50
        assert validate_blocks(reply["blocks"], "message") == []
    assert sum(str(r["blocks"]).count("Community Health Center number") for r in replies) >= 2 * teams


def test_values_are_shown_as_in_the_confirmation_rates_per_their_own_multiplier() -> None:
    from bot.digest.wording import format_value

    assert format_value(2.5, "rate", 1000.0) == "2.5 per 1,000"
    assert format_value(12.0, "rate", 10000.0) == "12.0 per 10,000"
    assert format_value(0.63, "proportion") == "63%"
    assert format_value(20.0, "count") == "20 per team" and format_value(20.5, "count") == "20.5 per team"
    assert format_value(None, "count") == "no data" and format_value(float("nan"), "rate") == "no data"


def test_measure_line_names_the_change_baseline_goal_and_rule_without_better_or_worse() -> None:
    digest = build_digest(_data(), AS_OF)
    bp, no_shows = digest.measures
    assert (bp.center, bp.center_source) == (0.5, "file")  # the file's baseline is the chart's centre
    assert bp.value is not None and bp.progress == pytest.approx((bp.value - 0.5) / (0.7 - 0.5))
    text = measure_text(bp, SLACK)
    assert "no change from last month; 2 teams)" in text
    assert "baseline 50% (from the collaborative file) · goal 70%, 8% of the way from the baseline" in text
    moved = measure_text(dataclasses.replace(bp, change=0.012), SLACK)
    assert "+1.2 pts from last month" in moved
    assert "better" not in moved and "worse" not in moved  # a number only: the run chart judges
    assert "−0.8 pts from last month" in measure_text(dataclasses.replace(bp, change=-0.008), SLACK)
    assert "baseline 20 per team (median so far; not yet frozen)" in measure_text(no_shows, SLACK)


def test_a_change_in_the_reporting_teams_is_said_next_to_the_value() -> None:
    november = build_digest(_data(), AS_OF.replace(month=1, day=15) - pd.Timedelta(days=31))
    assert str(november.period) == "2026-11"
    bp = november.measures[0]
    assert bp.teams_left == ("Bravo",) and bp.teams_joined == ()
    assert "2 teams; reporting teams changed: Bravo did not report this month)" in measure_text(bp, SLACK)


def test_a_goal_met_at_baseline_says_so() -> None:
    data = _data()
    measures = data.measures.copy()
    measures.loc[0, "goal"] = 0.45
    digest = build_digest(dataclasses.replace(data, measures=measures), AS_OF)
    assert digest.measures[0].goal_met_at_baseline
    assert "goal 45%, already met at the baseline" in measure_text(digest.measures[0], SLACK)


def test_no_signal_means_no_non_random_variation_found() -> None:
    digest = build_digest(_data(), AS_OF)
    quiet = [line for line in digest.measures if line.signal is None and not line.has_signal]
    assert quiet and all(
        "no signal (no non-random variation found)" in measure_text(line, SLACK) for line in quiet
    )
    assert all("varies randomly" not in line.finding for line in digest.measures)


def test_every_team_row_has_every_measure_and_nothing_is_a_placeholder() -> None:
    digest = build_digest(_data(), AS_OF)
    alpha = next(row for row in digest.teams if row.team == "a")
    assert len(alpha.values) == len(digest.measures)
    assert alpha.centers == (0.5, 10.0)  # its own baseline median; No-shows: its one month so far
    assert team_row_line(digest, alpha, SLACK).split(" · ")[2:4] == ["59%", "10"]
    thread = str([m["blocks"] for m in digest_thread_messages(digest)])
    assert "BP control · No-shows" in thread
    for page in (digest_markdown(digest, []), digest_html(digest, []), str(digest_message(digest)["blocks"])):
        assert "not tracked yet" not in page


def test_teams_that_may_need_support_appear_once_and_the_html_has_no_backticks() -> None:
    digest = build_digest(_data(), AS_OF)
    markdown, page = digest_markdown(digest, []), digest_html(digest, [])
    assert (
        markdown.count("Teams that may need support") == 1 and page.count("Teams that may need support") == 1
    )
    assert markdown.count("Bravo**: missed the") == 1
    slack = str(digest_message(digest)["blocks"]) + str([m["blocks"] for m in digest_thread_messages(digest)])
    assert slack.count("Teams that may need support") == 1
    assert "`" not in page
    assert MARKDOWN.text("a`b") == "a\\`b" and HTML.text("<b>") == "&lt;b&gt;"


def _one_measure_data(values: Mapping[str, Sequence[float | None]], rules: str = "anhoej") -> DigestData:
    data = _data()
    reports = [row for team, series in values.items() for row in _rows(team, series)]
    return dataclasses.replace(
        data,
        collaborative=dataclasses.replace(_collab(), rules=rules),
        measures=data.measures.iloc[:1],
        reports=pd.DataFrame(reports),
    )


def test_an_astronomical_month_on_the_collaborative_p_chart_is_a_signal() -> None:
    flat = BASE + [50, 52, 48, 51, 49, 50, 52, 48, 51, 49, 50]
    digest = build_digest(_one_measure_data({t: [*flat, 65] for t in ("a", "b", "c")}), AS_OF)
    [bp] = digest.measures
    assert (bp.signal, bp.rule, bp.since) == ("improvement", "astronomical", "2026-12")
    assert "Improvement in Dec 2026: Dec 2026 is above the control limits" in bp.finding
    [chart] = digest.charts
    assert chart.result.points_by_rule()["astronomical"] == [23]
    assert digest.spotlight == []  # team series have no control limits: the month alone flags no team
    assert not any("deterioration" in reason for flag in digest.support for reason in flag.reasons)


def test_with_ihi_rules_a_trend_alone_flags_no_team() -> None:
    # five rising at the end (48 to 53), no shift
    rising: list[float | None] = [*BASE, 50, 49, 50, 51, 50, 49, 50, 48, 50, 51, 52, 53]  # fmt: skip
    data = _one_measure_data({"a": rising}, rules="ihi")
    data = dataclasses.replace(data, measures=data.measures.assign(direction=["down"]))  # rising is worse
    assert analyse([float(v or 0) / 100 for v in rising], "down", 12, rules="ihi").trend  # it has one
    digest = build_digest(data, AS_OF)
    [row] = [r for r in digest.teams if r.team == "a"]
    assert row.deteriorations == [] and row.improvements == []
    assert not any("deterioration" in reason for flag in digest.support for reason in flag.reasons)
    [signal] = [s for s in digest.signals if s.team == "a"]
    assert signal.signal == "none"
    anhoej = build_digest(dataclasses.replace(data, collaborative=_collab()), AS_OF)
    assert [s.signal for s in anhoej.signals if s.team == "a"] == ["none"]


def test_with_ihi_rules_a_team_month_beyond_its_p_chart_limits_is_astronomical() -> None:
    flat: list[float | None] = [*BASE, 50, 52, 48, 51, 49, 50, 52, 48, 51, 49, 50, 80]  # December far above
    ihi = build_digest(_one_measure_data({"a": flat, "b": flat[:-1] + [50]}, rules="ihi"), AS_OF)
    by_team = {s.team: s for s in ihi.signals if s.team in ("a", "b")}
    assert (by_team["a"].signal, by_team["a"].rule, by_team["a"].since) == (
        "improvement",
        "astronomical",
        "2026-12",
    )
    assert by_team["b"].signal == "none"
    assert [flag.team for flag in ihi.spotlight] == ["a"]
    assert "Dec 2026 is above the control limits" in ihi.spotlight[0].reasons[0]
    anhoej = build_digest(_one_measure_data({"a": flat, "b": flat[:-1] + [50]}), AS_OF)
    assert [s.signal for s in anhoej.signals if s.team == "a"] == ["none"]  # Anhøj: runs alone
