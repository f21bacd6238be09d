"""Tests for the collaborative definition file (bot/collab_file.py)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.collaborative.file import (
    CollabFileError,
    CollaborativeSpec,
    measure_due_date,
    parse_collaborative_file,
    parse_collaborative_text,
    slugify,
)
from tests.constants import ALICE, ARJUN

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "collaborative.yaml"

MINIMAL = """\
name: Hypertension Control Learning Collaborative
timezone: America/Los_Angeles
start: 2026-01-01
end: 2027-06-30
faculty: [U0FACUL001]
measures:
  - {key: bp_control, name: BP control, type: proportion, direction: up,
     numerator: "Controlled", denominator: "All with HTN", goal: 0.7}
teams:
  - {key: riverside, name: Riverside, channel: C0RIVER001, members: [U0ARJUN001], leads: [U0ALICE001]}
"""


def parse(text: str) -> CollaborativeSpec:
    return parse_collaborative_text(textwrap.dedent(text))


def problems_of(text: str) -> list[str]:
    with pytest.raises(CollabFileError) as info:
        parse(text)
    return info.value.problems


# --- the example -----------------------------------------------------------------------------


def test_example_parses() -> None:
    spec = parse_collaborative_file(EXAMPLE)
    assert spec.key == "htn"
    assert spec.timezone == "America/Los_Angeles"
    assert len(spec.teams) == 8
    assert all(team.leads and 2 <= len(team.members) <= 4 for team in spec.teams)
    assert len({team.channel for team in spec.teams}) == 8
    assert 2 <= len(spec.faculty) <= 3 and spec.admins
    bp = spec.measure("bp_control")
    assert bp is not None and bp.nqf == "0018" and bp.type == "proportion" and bp.goal == 0.70
    assert {m.kind for m in spec.measures} == {"outcome", "process", "balancing"}
    assert spec.digest is not None and spec.digest.day == "monday" and spec.digest.time == dt.time(8, 0)
    assert spec.reporting.due_day == 10
    occurrences = spec.occurrences()
    assert len([o for o in occurrences if o.kind == "learning_session"]) == 3
    assert len([o for o in occurrences if o.kind == "interim_call"]) > 10
    assert all(spec.start <= o.starts_at.date() <= spec.end for o in occurrences)
    assert [o.starts_at for o in occurrences] == sorted(o.starts_at for o in occurrences)


def test_leads_are_members_automatically() -> None:
    team = parse(MINIMAL).teams[0]
    assert team.members == [ARJUN, ALICE]
    assert team.leads == [ALICE]


def test_key_derived_from_name() -> None:
    assert parse(MINIMAL).key == "hypertension-control-learning-collaborative"
    assert slugify("  Salud del Corazón: Fase 2! ") == "salud-del-corazon-fase-2"


def test_explicit_key_kept() -> None:
    assert parse("key: htn-2026\n" + MINIMAL).key == "htn-2026"


def test_workspace_and_enterprise_are_optional_and_checked() -> None:
    plain = parse(MINIMAL)
    assert plain.workspace is None and plain.enterprise is None
    grid = parse("workspace: T0HOSPIT01\nenterprise: E0HEALTH01\n" + MINIMAL)
    assert (grid.workspace, grid.enterprise) == ("T0HOSPIT01", "E0HEALTH01")
    problems = problems_of("workspace: hospital\nenterprise: T0HOSPIT01\n" + MINIMAL)
    assert problems == [
        "workspace: 'hospital' is not a Slack workspace ID (they look like T0123ABCDE)",
        "enterprise: 'T0HOSPIT01' is not an Enterprise Grid organisation ID (they look like E0123ABCDE)",
    ]


# --- problems --------------------------------------------------------------------------------

BROKEN = """\
name: Broken Collaborative
timezone: America/Las_Angeles
start: 2026-01-01
end: 2027-06-30
faculty: [U0FACUL001]
digest: {channel: C0FACDIG01, day: funday, time: "08:00"}
measures:
  - {key: bp_control, name: BP control, type: ratio, direction: up}
teams:
  - {key: riverside, name: Riverside, channel: C0RIVER001, members: [U0ALICE001], leads: [U0ALICE001]}
  - {key: eastside, name: Eastside, channel: C0EASTS001, members: [U0BRUNO001], leads: [U0BRUNO001]}
  - {key: riverside, name: Valle Verde, channel: C0VALLE001, members: [bob], leads: [U0DIEGO001]}
calls:
  - {title: Monthly call, kind: interim_call, start: "2026-02-12T12:00", rrule: "FREQ=SOMETIMES"}
peer_chanels:
  - {name: htn-peer-sharing}
"""


def test_broken_file_reports_every_problem_with_its_path() -> None:
    problems = problems_of(BROKEN)
    expected = {
        "teams[2].members[0]: 'bob' is not a Slack user ID",
        "measures[0].type: 'ratio' is not allowed here; expected 'proportion', 'count' or 'rate'",
        "timezone: 'America/Las_Angeles' is not a known IANA timezone",
        "digest.day: 'funday' is not a day of the week",
        "teams[2].key: duplicate team key 'riverside' (also teams[0])",
        "calls[0].rrule: 'FREQ=SOMETIMES' is not a valid RFC 5545 RRULE",
        "peer_chanels: unknown key 'peer_chanels'; did you mean 'peer_channels'?",
    }
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected), problems
    for problem in problems:
        assert "Value error" not in problem and "pydantic" not in problem and "http" not in problem


def test_error_message_lists_the_problems() -> None:
    with pytest.raises(CollabFileError) as info:
        parse_collaborative_text(BROKEN, source="htn.yaml")
    assert str(info.value).startswith("7 problems in htn.yaml:\n  - ")


def test_unknown_key_lists_allowed_keys() -> None:
    text = MINIMAL.replace("members: [U0ARJUN001]", "memebrs: [U0ARJUN001]")
    (problem,) = problems_of(text)
    assert problem.startswith("teams[0].memebrs: unknown key 'memebrs'; did you mean 'members'?")
    assert "allowed keys here: key, name, channel, members, leads" in problem


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("goal: 0.7", "goal: 70", "measures[0].goal: 70 is outside 0..1"),
        ('denominator: "All with HTN", ', "", "measures[0].denominator: a proportion measure needs"),
        ("type: proportion", "type: rate", "measures[0].multiplier: a rate measure needs a multiplier"),
        ("end: 2027-06-30", "end: 2025-12-31", "end: 2025-12-31 is not after start (2026-01-01)"),
        ("leads: [U0ALICE001]", "leads: []", "teams[0].leads: a team needs at least one lead"),
        ("channel: C0RIVER001", "channel: general", "teams[0].channel: 'general' is not a Slack channel ID"),
        (
            "start: 2026-01-01",
            "start: 2026-13-01",
            "start: expected a date like 2026-01-31, got '2026-13-01'",
        ),
        ("faculty: [U0FACUL001]", "faculty: []", "faculty: list at least one entry here"),
        ("faculty: [U0FACUL001]", "faculty: U0FACUL001", "faculty: expected a list, got 'U0FACUL001'"),
        ("timezone: America/Los_Angeles\n", "", "timezone: required key is missing"),
        ("name: Hypertension Control Learning Collaborative", "name: '!!!'", "key: cannot derive a key"),
    ],
)
def test_single_problem(replace: str, by: str, expected: str) -> None:
    assert replace in MINIMAL
    problems = problems_of(MINIMAL.replace(replace, by))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_digest_channel_must_not_be_a_team_channel() -> None:
    (problem,) = problems_of(MINIMAL + "digest: {channel: C0RIVER001}\n")
    assert problem.startswith("digest.channel: C0RIVER001 is teams[0]'s channel")


def test_unquoted_time_gets_a_hint() -> None:
    (problem,) = problems_of(MINIMAL + "digest: {channel: C0FACDIG01, day: Mon, time: 12:00}\n")
    assert problem == 'digest.time: expected a time like "08:00", got the number 720; put the time in quotes'


def test_call_start_must_be_naive_and_on_the_rule() -> None:
    calls = """\
calls:
  - {title: A, kind: interim_call, start: "2026-02-12T12:00:00+00:00"}
  - {title: B, kind: interim_call, start: "2026-02-10T12:00", rrule: "FREQ=MONTHLY;BYDAY=2TH;COUNT=3"}
"""
    problems = problems_of(MINIMAL + calls)
    assert problems[0].startswith("calls[0].start: 2026-02-12T12:00:00+00:00 has a UTC offset")
    assert problems[1].startswith("calls[1].start: 2026-02-10T12:00 is not an occurrence of the rrule")
    assert len(problems) == 2


def test_yaml_syntax_error_has_line_and_column() -> None:
    (problem,) = problems_of("name: x\nteams: [a, b\n")
    assert problem.startswith("line 3, column 1: YAML syntax error")


def test_duplicate_yaml_key_reported() -> None:
    (problem,) = problems_of(MINIMAL + "start: 2026-02-01\n")
    assert problem.startswith("line 11, column 1: duplicate key 'start'")


def test_missing_file() -> None:
    with pytest.raises(CollabFileError) as info:
        parse_collaborative_file("/nonexistent/collaborative.yaml")
    assert info.value.problems == ["file not found: /nonexistent/collaborative.yaml"]


def test_model_validate_applies_the_same_checks() -> None:
    data = yaml.safe_load(MINIMAL.replace("goal: 0.7", "goal: 70"))
    with pytest.raises(ValidationError):
        CollaborativeSpec.model_validate(data)


# --- calls -----------------------------------------------------------------------------------

MONTHLY_NOON = """\
calls:
  - {title: Monthly interim call, kind: interim_call, start: "2026-02-12T12:00", duration_minutes: 60,
     rrule: "FREQ=MONTHLY;BYDAY=2TH;COUNT=12", join_url: "https://example.org/join/1"}
  - {title: Learning Session 1, kind: learning_session, start: "2026-01-20T09:00", duration_minutes: 360}
"""


def test_monthly_noon_call_stays_at_noon_across_dst() -> None:
    spec = parse(MINIMAL + MONTHLY_NOON)
    calls = [o for o in spec.occurrences() if o.kind == "interim_call"]
    assert len(calls) == 12
    assert all(o.starts_at.hour == 12 and o.starts_at.minute == 0 for o in calls)
    by_month = {o.starts_at.month: o.starts_at for o in calls if o.starts_at.year == 2026}
    # 12 February and 12 November are standard time (UTC-8); 12 March is daylight time (UTC-7).
    assert by_month[2].utcoffset() == dt.timedelta(hours=-8)
    assert by_month[3].utcoffset() == dt.timedelta(hours=-7)
    assert by_month[11].utcoffset() == dt.timedelta(hours=-8)
    assert by_month[3].date() == dt.date(2026, 3, 12)  # second Thursday
    assert calls[0].ends_at - calls[0].starts_at == dt.timedelta(minutes=60)
    assert calls[0].join_url == "https://example.org/join/1"


def test_occurrence_window_and_first_learning_session() -> None:
    spec = parse(MINIMAL + MONTHLY_NOON)
    window = spec.occurrences(dt.datetime(2026, 3, 1), dt.datetime(2026, 5, 1))
    assert [o.starts_at.date() for o in window] == [dt.date(2026, 3, 12), dt.date(2026, 4, 9)]
    first = spec.first_learning_session()
    assert first is not None and first.starts_at.hour == 9


def test_occurrence_keys_stable_across_parses() -> None:
    first = parse_collaborative_file(EXAMPLE).occurrences()
    second = parse_collaborative_file(EXAMPLE).occurrences()
    assert [o.key for o in first] == [o.key for o in second]
    assert len({o.key for o in first}) == len(first)
    assert "monthly-interim-call-2026-02-12T12:00" in {o.key for o in first}


def test_unbounded_rule_stops_at_collaborative_end_and_skips_dates() -> None:
    calls = """\
calls:
  - {title: Call, kind: interim_call, start: "2026-02-12T12:00", rrule: "RRULE:FREQ=MONTHLY;BYDAY=2TH",
     skip_dates: [2026-12-10]}
"""
    starts = [o.starts_at.date() for o in parse(MINIMAL + calls).occurrences()]
    assert starts[-1] == dt.date(2027, 6, 10)
    assert dt.date(2026, 12, 10) not in starts
    assert len(starts) == 16


def test_until_in_utc_is_read_as_local() -> None:
    calls = """\
calls:
  - {title: Call, kind: interim_call, start: "2026-02-12T12:00",
     rrule: "FREQ=MONTHLY;BYDAY=2TH;UNTIL=20260409T190000Z"}
"""
    starts = [o.starts_at for o in parse(MINIMAL + calls).occurrences()]
    assert [s.date() for s in starts] == [dt.date(2026, 2, 12), dt.date(2026, 3, 12), dt.date(2026, 4, 9)]


# --- reporting -------------------------------------------------------------------------------


def test_measure_due_date() -> None:
    spec = parse(MINIMAL)
    assert measure_due_date(spec, 2026, 3) == dt.date(2026, 4, 10)
    assert measure_due_date(spec, 2026, 12) == dt.date(2027, 1, 10)
    with pytest.raises(ValueError):
        measure_due_date(spec, 2026, 13)


def _with_measures(count: int, kind: str) -> str:
    data = yaml.safe_load(MINIMAL)
    shape = (
        {"type": "count", "definition": "Visits"}
        if kind == "count"
        else {"type": "proportion", "numerator": "Controlled", "denominator": "All"}
    )
    data["measures"] = [
        {"key": f"m{i}", "name": f"Measure {i}", "direction": "up", **shape} for i in range(count)
    ]
    return yaml.safe_dump(data)


def test_no_more_measures_than_the_measures_form_can_show() -> None:
    """The /measures modal holds 100 blocks; the cap is counted on the real form at its fullest."""
    from bot.measures.views import MAX_BLOCKS, measure_field_capacity

    capacity = measure_field_capacity()
    assert capacity == MAX_BLOCKS - 13  # notice, warning, pickers, status, dividers, narrative…
    assert len(parse(_with_measures(capacity // 2, "proportion")).measures) == capacity // 2
    assert len(parse(_with_measures(capacity, "count")).measures) == capacity
    [problem] = problems_of(_with_measures(capacity // 2 + 1, "proportion"))
    assert problem == (
        f"measures: {capacity // 2 + 1} measures need {2 * (capacity // 2 + 1)} number fields in the "
        f"/measures form, but Slack's 100-block limit leaves room for {capacity} (a count takes 1, a "
        f"proportion or rate 2, e.g. at most {capacity // 2} proportions): remove measures or split "
        "them into two collaboratives"
    )
    assert problems_of(_with_measures(capacity + 1, "count"))[0].startswith(
        f"measures: {capacity + 1} measures"
    )


def test_the_fullest_measures_form_fits_slacks_limit() -> None:
    """The form for the most measures the file allows passes the stand-in's Block Kit checks."""
    from bot.measures import rules
    from bot.measures.views import fullest_form, measure_field_capacity, report_modal
    from storage.enums import Direction, MeasureType
    from tests.slack_standin import validate_view

    spec = parse(_with_measures(measure_field_capacity() // 2, "proportion"))
    measures = [
        rules.MeasureInfo(
            i,
            m.key,
            m.name,
            MeasureType.PROPORTION,
            m.numerator,
            m.denominator,
            None,
            None,
            Direction.UP,
            None,
        )
        for i, m in enumerate(spec.measures)
    ]
    assert validate_view(report_modal(fullest_form(measures)).to_dict()) == []


def _call_with(join_url: str) -> str:
    return (
        "calls:\n"
        f'  - {{title: A, kind: interim_call, start: "2026-02-12T12:00", join_url: {json.dumps(join_url)}}}\n'
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://zoom.us/j/1", "'http://zoom.us/j/1' is not a web address starting with https://"),
        ("zoom.us/j/1", "'zoom.us/j/1' is not a web address starting with https://"),
        ("javascript:alert(1)", "'javascript:alert(1)' is not a web address starting with https://"),
        ("https://zoom.us/j/1|Click here", "'https://zoom.us/j/1|Click here' has spaces or characters"),
        ("https://zoom.us/j/1>x", "'https://zoom.us/j/1>x' has spaces or characters"),
        ("https://zoom.us/j/1 2", "'https://zoom.us/j/1 2' has spaces or characters"),
        ("https://zoom.us:99999/j/1", "'https://zoom.us:99999/j/1' is not a well-formed web address"),
        ("https:///j/1", "'https:///j/1' does not name a web site"),
        ("https://localhost/j/1", "'https://localhost/j/1' does not name a web site"),
        ("https://me:secret@zoom.us/j/1", "'https://me:secret@zoom.us/j/1' does not name a web site"),
        ("https://" + "a" * 500 + ".example", "that web address is longer than 500 characters"),
    ],
)
def test_join_url_must_be_a_well_formed_https_address(url: str, expected: str) -> None:
    (problem,) = problems_of(MINIMAL + _call_with(url))
    assert problem.startswith(f"calls[0].join_url: {expected}"), problem


@pytest.mark.parametrize(
    "url",
    ["https://zoom.us/j/123?pwd=a&b=c", "https://meet.google.com/abc-defg-hij", "https://x.example:8443/a"],
)
def test_well_formed_https_join_urls_are_kept(url: str) -> None:
    spec = parse_collaborative_text(MINIMAL + _call_with(url))
    assert spec.calls[0].join_url == url


def test_run_chart_rules_and_baseline_default_to_anhoej_and_12_months() -> None:
    spec = parse(MINIMAL)
    assert (spec.rules, spec.baseline_months) == ("anhoej", 12)
    ihi = parse(MINIMAL + "rules: ihi\nbaseline_months: 15\n")
    assert (ihi.rules, ihi.baseline_months) == ("ihi", 15)
    (problem,) = problems_of(MINIMAL + "rules: western-electric\n")
    assert problem.startswith("rules:") and "anhoej" in problem and "ihi" in problem
