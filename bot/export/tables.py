"""Every exported table, in the order of the files and sheets, with every column documented.

Table and column names are a stable interface for evaluators' scripts: never rename or reorder
a column; add new ones at the end. To add a table: its query in ``storage/export.py`` (or a
function of the other tables' frames), a :class:`Table` here, appended to :data:`TABLES`; then
``python -m bot.export.docs --write`` refreshes README.md.
"""

from __future__ import annotations

from bot.export import derived
from bot.export.registry import Column, Kind, Table, raw
from bot.export.signals import signals

C = Column
T, INT, N, B, D, DT, M = (
    Kind.TEXT,
    Kind.INTEGER,
    Kind.NUMBER,
    Kind.BOOLEAN,
    Kind.DATE,
    Kind.DATETIME,
    Kind.MONTH,
)

COLLAB = C("collaborative", T, "The collaborative's key (as in the collaborative file).")
TEAM = C("team", T, "The team's key (as in the collaborative file).")
MEASURE = C("measure", T, "The measure's key (as in the collaborative file).")
EVENT = C("event", T, "The event's key (calendar.key).")
PERIOD = C("period", M, "The reporting month, YYYY-MM.")
CHANGED_BY = C("changed_by", T, "Slack user ID of whoever changed it.")  # in each audit trail
CHANGED_AT = C("changed_at", DT, "When it was changed.")
ACTIVE = C("active", B, "False once it was removed from the collaborative file (kept for history).")


COLLABORATIVES = Table(
    "collaboratives",
    "One row per collaborative loaded from a collaborative file.",
    (
        C("key", T, "The collaborative's key."),
        C("name", T, "Its name."),
        C("timezone", T, "Its IANA timezone; every time in this export is shown in it, with the offset."),
        C("start", D, "First day of the collaborative."),
        C("end", D, "Last day of the collaborative."),
        C("due_day", INT, "Day of the following month on which a month's measures are due."),
        C("digest_channel", T, "Slack channel ID of the weekly faculty digest."),
        C("digest_day", T, "Weekday the digest is posted."),
        C("digest_time", T, "Local time (HH:MM) the digest is posted."),
        C("peer_channel_id", T, "Slack channel ID of the peer-sharing channel, if any."),
        ACTIVE,
        C("workspace", T, "Slack workspace (team) ID the collaborative runs in."),
        C("enterprise", T, "Slack Enterprise Grid ID, if any."),
    ),
    raw("collaboratives"),
    zone_column="key",
)

TEAMS = Table(
    "teams",
    "One row per team (clinic or site).",
    (
        COLLAB,
        TEAM,
        C("name", T, "The team's name."),
        C("channel_id", T, "Slack channel ID of the team's channel."),
        ACTIVE,
    ),
    raw("teams"),
)

MEMBERSHIPS = Table(
    "memberships",
    "Who belongs to which team, and faculty and admins of the collaborative.",
    (
        COLLAB,
        C("team", T, "The team's key; empty for faculty and admins (who belong to no team)."),
        C("slack_user_id", T, "The person's Slack user ID."),
        C("role", T, "member, lead, faculty or admin."),
        ACTIVE,
    ),
    raw("memberships"),
)

MEASURE_DEFINITIONS = Table(
    "measure_definitions",
    "The collaborative's measures, in the order of the collaborative file.",
    (
        COLLAB,
        MEASURE,
        C("name", T, "The measure's name."),
        C("type", T, "proportion (numerator ÷ denominator), count, or rate (per multiplier)."),
        C("kind", T, "outcome, process or balancing."),
        C("numerator_definition", T, "What the numerator counts."),
        C("denominator_definition", T, "What the denominator counts."),
        C("definition", T, "The operational definition (counts)."),
        C("goal", N, "The goal: a fraction for proportions (0.7 = 70%), per multiplier for rates."),
        C("direction", T, "up when higher is better, down when lower is better."),
        C("multiplier", N, "What a rate is per (1000 = per 1,000); empty for proportions and counts."),
        ACTIVE,
        C("baseline", N, "The baseline, in the same unit as the goal."),
        C("nqf", T, "The NQF (CMS) number of a standard measure, e.g. 0018."),
    ),
    raw("measure_definitions"),
)

MEASURES = Table(
    "measures",
    "One row per team, measure and month reported (the latest figures).",
    (
        COLLAB,
        TEAM,
        MEASURE,
        PERIOD,
        C("numerator", INT, "The numerator (proportions and rates)."),
        C("denominator", INT, "The denominator (proportions and rates)."),
        C(
            "value",
            N,
            "The value: a fraction for proportions (0.58 = 58%), numerator ÷ denominator × multiplier "
            "for rates, the count for counts. Empty only when the denominator is 0.",
        ),
        C("submitted_by", T, "Slack user ID of whoever reported (or imported) the latest figures."),
        C("submitted_at", DT, "When the latest figures were reported."),
        C("version", INT, "1 for the first report; each correction adds 1 (see measure_revisions)."),
        C("multiplier", N, "What a rate's value is per (1000 = per 1,000 visits); empty for other types."),
    ),
    derived.measures,
)

MEASURE_REVISIONS = Table(
    "measure_revisions",
    "The audit trail: every change to a reported figure (who, when, old and new).",
    (
        COLLAB,
        TEAM,
        MEASURE,
        PERIOD,
        CHANGED_BY,
        CHANGED_AT,
        C("old_numerator", INT, "The numerator before the change."),
        C("old_denominator", INT, "The denominator before the change."),
        C("old_value", N, "The value before the change (as in measures.value)."),
        C("new_numerator", INT, "The numerator after the change."),
        C("new_denominator", INT, "The denominator after the change."),
        C("new_value", N, "The value after the change (as in measures.value)."),
    ),
    derived.revisions,
)

TEAM_REPORTS = Table(
    "team_reports",
    "The narrative of each monthly report.",
    (
        COLLAB,
        TEAM,
        PERIOD,
        C("wins", T, "What went well."),
        C("barriers", T, "What got in the way."),
        C("help_needed", T, "Help the team asked for."),
        C("self_assessment", N, "The team's self-score on the IHI assessment scale (1.0-5.0, half points)."),
        C("late", B, "True when the first report of the month came after its due day."),
        C("submitted_by", T, "Slack user ID of whoever reported."),
        C("submitted_at", DT, "When it was reported."),
    ),
    raw("team_reports"),
)

PDSA = Table(
    "pdsa",
    "One row per PDSA cycle.",
    (
        COLLAB,
        TEAM,
        C("change_idea", T, "The change being tested (cycles on one idea form a ramp)."),
        C("cycle_number", INT, "The cycle's number on its change idea's ramp (1, 2, 3 ...)."),
        C("status", T, "open or completed."),
        C("objective", T, "Plan: the objective or question of this cycle."),
        C("prediction", T, "Plan: what the team predicted, and why."),
        C("plan_who", T, "Plan: who."),
        C("plan_what", T, "Plan: what."),
        C("plan_when", T, "Plan: when."),
        C("plan_where", T, "Plan: where."),
        C("plan_data", T, "Plan: what data will be collected."),
        C("do_observations", T, "Do: what happened."),
        C("do_surprises", T, "Do: surprises."),
        C("study_results", T, "Study: results compared with the prediction."),
        C("study_learning", T, "Study: what was learned."),
        C("act_decision", T, "Act: adopt, adapt or abandon (empty while open)."),
        C("next_step", T, "Act: the next step."),
        C("start_date", D, "When the cycle started."),
        C("planned_end_date", D, "When it was planned to end."),
        C("end_date", D, "When it ended."),
        C("shared", B, "True when the team shares it with the other teams."),
        C("measures", T, "Keys of the measures the cycle should move, separated by ';'."),
        C("created_by", T, "Slack user ID of whoever planned it."),
        C("created_at", DT, "When it was planned."),
        C("updated_at", DT, "When it was last changed."),
        C("updated_by", T, "Slack user ID of whoever last updated it (empty if never updated)."),
    ),
    raw("pdsa"),
)

CHANGE_IDEAS = Table(
    "change_ideas",
    "One row per change idea a team tests.",
    (
        COLLAB,
        TEAM,
        C("change_idea", T, "The change idea's title."),
        C("cycles", INT, "PDSA cycles on it."),
        C("open_cycles", INT, "Of those, cycles still open."),
        C("last_decision", T, "The Act decision of its latest cycle (empty while that one is open)."),
        C("created_by", T, "Slack user ID of whoever added it."),
        C("created_at", DT, "When it was added."),
    ),
    raw("change_ideas"),
)

CALENDAR = Table(
    "calendar",
    "Learning sessions and interim calls.",
    (
        COLLAB,
        C("key", T, "The event's key."),
        C("title", T, "Its title."),
        C("kind", T, "learning_session or interim_call."),
        C("starts_at", DT, "When it starts."),
        C("duration_minutes", INT, "How long it lasts, in minutes."),
        C("join_url", T, "The link to join."),
        ACTIVE,
    ),
    raw("calendar"),
)

RSVPS = Table(
    "rsvps",
    "Answers to the Going / Not going buttons of event reminders (the latest answer per person).",
    (
        EVENT,
        C("slack_user_id", T, "Slack user ID of whoever answered."),
        C("response", T, "going or not_going."),
        C("updated_at", DT, "When they last answered."),
        COLLAB,
    ),
    raw("rsvps"),
)

BUDDIES = Table(
    "buddies",
    "Buddy teams: each month's pairs of a team with an improvement signal on a measure and a team "
    "flat on it (the pair's leads got a group message).",
    (
        COLLAB,
        C("month", M, "The month the pair was made, YYYY-MM."),
        MEASURE,
        C("improving_team", T, "The key of the team whose run chart showed an improvement signal."),
        C("flat_team", T, "The key of the team that was flat on the same measure."),
        C("created_at", DT, "When the pair was made."),
    ),
    raw("buddies"),
)

MEASURES_WIDE = Table(
    "measures_wide",
    "The measures as a grid: one row per measure and team, one column per month "
    "(the value, as in measures.value).",
    (COLLAB, MEASURE, TEAM),
    derived.measures_wide,
    dynamic=C(
        "YYYY-MM",
        N,
        "One column per month, from the earliest to the latest month reported: the team's value "
        "for that measure and month (empty when not reported).",
    ),
)

EVALUATION = Table(
    "evaluation",
    "One row per team: participation and progress over the collaborative, as of the export's date.",
    (
        COLLAB,
        TEAM,
        C("as_of", D, "The date (in the collaborative's timezone) the figures are counted to."),
        C("months_due", INT, "Months of the collaborative whose due day has passed by as_of."),
        C("months_reported", INT, "Of those, months the team reported any measure for."),
        C(
            "on_time_rate",
            N,
            "Of the months due, the fraction reported by the due day (team_reports.late false; for a "
            "month with no team report, such as an imported one, when its first measure was stored); "
            "empty when none is due.",
        ),
        C("pdsa_started", INT, "PDSA cycles the team started."),
        C("pdsa_completed", INT, "Of those, cycles completed."),
        C("pdsa_adopted", INT, "Of those, cycles whose Act decision was adopt."),
        C("sessions_held", INT, "Learning sessions and interim calls that have started by as_of."),
        C("sessions_attended", INT, "Of those, events at least one team member said Going to (RSVP)."),
        C(
            "mean_usefulness",
            N,
            "Mean usefulness (1-5) of the feedback answers given from the team by as_of (anonymous "
            "answers count: they keep the team, not the person); empty when there are none.",
        ),
        C(
            "latest_faculty_score",
            N,
            "The faculty score (IHI scale, 1.0-5.0) of the latest month faculty scored the team by "
            "as_of; empty when never scored.",
        ),
    ),
    derived.evaluation,
)

NARRATIVE_REVISIONS = Table(
    "narrative_revisions",
    "The audit trail of the narratives: every change to a report's wins, barriers, help needed or "
    "self-assessment after its first submission (who, when, old and new).",
    (
        COLLAB,
        TEAM,
        PERIOD,
        C("field", T, "wins, barriers, help_needed or self_assessment (as in team_reports)."),
        CHANGED_BY,
        CHANGED_AT,
        C("old_value", T, "The text before the change (the self-assessment as 3.5); empty if none."),
        C("new_value", T, "The text after the change; empty when it was cleared."),
    ),
    raw("narrative_revisions"),
)

PDSA_REVISIONS = Table(
    "pdsa_revisions",
    "The audit trail of PDSA updates: every change to a cycle's Do/Study/Act notes, decision or "
    "end date (who, when, old and new).",
    (
        COLLAB,
        TEAM,
        C("change_idea", T, "The change idea (as in pdsa.change_idea)."),
        C("cycle_number", INT, "The cycle's number on its change idea's ramp (as in pdsa.cycle_number)."),
        C(
            "field",
            T,
            "do_observations, do_surprises, study_results, study_learning, act_decision, next_step or "
            "end_date (as in pdsa).",
        ),
        CHANGED_BY,
        CHANGED_AT,
        C("old_value", T, "The value before the change (dates as YYYY-MM-DD); empty if none."),
        C("new_value", T, "The value after the change; empty when it was cleared."),
    ),
    raw("pdsa_revisions"),
)

FEEDBACK = Table(
    "feedback",
    "Participant feedback on learning sessions and interim calls: one row per answer (one per person "
    "and event; anonymous answers carry no user ID).",
    (
        COLLAB,
        EVENT,
        C("team", T, "The key of the team the person answered from; empty for faculty."),
        C("usefulness", INT, "How useful it was: 1 (not useful) to 5 (extremely useful)."),
        C("most_useful", T, "What was most useful."),
        C("to_improve", T, "What to improve."),
        C("will_apply", T, "What the team will apply."),
        C("next_topics", T, "Topics for next time."),
        C("slack_user_id", T, "Slack user ID, only when the person ticked Add my name; empty otherwise."),
        C("submitted_at", DT, "When the answer was given (or last replaced)."),
        C("text_purged_at", DT, "When `collab-bot purge` removed the free text; empty while it is kept."),
    ),
    lambda data: data.frame("feedback").rename(columns={"purged_at": "text_purged_at"}),
)

SCORES = Table(
    "scores",
    "IHI assessment scores (1.0-5.0, half points): faculty's and the team's own, side by side, one row "
    "per team and month with either.",
    (
        COLLAB,
        TEAM,
        PERIOD,
        C("faculty_score", N, "Faculty's score for the month; empty when not scored."),
        C("faculty_reason", T, "Faculty's reason (the team sees it)."),
        C("scored_by", T, "Slack user ID of the faculty member or admin who scored."),
        C("scored_at", DT, "When faculty scored (or last changed the score)."),
        C("self_score", N, "The team's self-assessment in its monthly report; empty when not given."),
    ),
    raw("scores"),
)

ENGAGEMENT = Table(
    "engagement",
    "Peer-channel engagement, counted and never read: per team and ISO week, the team members' posts "
    "and thread replies in the peer channel (no message text is stored).",
    (
        COLLAB,
        TEAM,
        C("week", T, "The ISO week, e.g. 2026-W16 (in the collaborative's timezone)."),
        C("posts", INT, "Posts by the team's members."),
        C("replies", INT, "Thread replies by the team's members."),
        C("people", INT, "Distinct team members who posted or replied."),
    ),
    raw("engagement"),
)

SIGNALS = Table(
    "signals",
    "Run-chart signals as the weekly digest judges them, as of the last complete month before the "
    "export's date: one row per collaborative, team and measure, and one per collaborative and "
    "measure (team empty: the collaborative-wide series). Computed by the digest's own code.",
    (
        COLLAB,
        C("team", T, "The team's key; empty for the collaborative-wide row."),
        MEASURE,
        C("period", M, "The month analysed up to (the digest's reporting period), YYYY-MM."),
        C("points", INT, "Months with a value up to period."),
        C(
            "baseline_months",
            INT,
            "Reported months whose median is the frozen centre line; empty while the baseline is not "
            "yet frozen (the centre is then the median of every month) or when the collaborative "
            "file gives the measure's baseline.",
        ),
        C(
            "center",
            N,
            "The centre line: the baseline median, or the file's baseline (fractions for proportions).",
        ),
        C(
            "signal",
            T,
            "improvement, deterioration or none: the current run-chart signal in the measure's better "
            "or worse direction (a signal that ended, or a trend alone, is none).",
        ),
        C(
            "rule",
            T,
            "The rule that found it: run (unusually long run), crossings (too few crossings), shift, "
            "astronomical (beyond the p-chart limits); empty without a signal.",
        ),
        C("since", M, "The first month of the current signal, YYYY-MM; empty without one."),
    ),
    signals,
)

#: Every table, in the order of the CSV files and the workbook's sheets.
TABLES: tuple[Table, ...] = (
    COLLABORATIVES,
    TEAMS,
    MEMBERSHIPS,
    MEASURE_DEFINITIONS,
    MEASURES,
    MEASURE_REVISIONS,
    TEAM_REPORTS,
    PDSA,
    CHANGE_IDEAS,
    CALENDAR,
    RSVPS,
    MEASURES_WIDE,
    EVALUATION,
    NARRATIVE_REVISIONS,
    PDSA_REVISIONS,
    FEEDBACK,
    SCORES,
    BUDDIES,
    ENGAGEMENT,
    SIGNALS,
)
