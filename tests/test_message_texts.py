"""Notification texts read well on their own: possessives, plurals, call titles."""

from __future__ import annotations

from datetime import date

from bot.calls.views import feedback_request
from bot.measures.reminder_views import faculty_summary, lead_nudge, team_reminder
from storage.enums import CallKind
from tests.constants import DIEGO, ELENA


def test_team_names_ending_in_s_take_a_plain_apostrophe() -> None:
    due = date(2026, 4, 10)
    reminder = team_reminder(7, "Lakeview Health Partners", "2026-03", due, "due-day")
    assert reminder["text"] == (
        "Reminder: Lakeview Health Partners' measures for March 2026 are due today, Friday, April 10."
    )
    nudge = lead_nudge(1, "Riverside Family Clinic", "2026-03", due)
    assert nudge["text"].startswith(
        "Riverside Family Clinic's measures for March 2026 were due on Friday, April 10"
    )


def test_faculty_summary_says_lead_or_leads() -> None:
    summary = faculty_summary(
        "HTN",
        "2026-03",
        date(2026, 4, 10),
        [],
        [("Valle Verde", [DIEGO, ELENA]), ("Harbor", ["U0I"])],
    )
    missing = summary["blocks"][1]["text"]["text"]
    assert "• Valle Verde (leads: <@U0DIEGO001>, <@U0ELENA001>)" in missing
    assert "• Harbor (lead: <@U0I>)" in missing


def test_feedback_request_names_the_call_once() -> None:
    request = feedback_request(event_id=3, title="Learning Session 2", kind=CallKind.LEARNING_SESSION)
    assert request["text"] == (
        "How was “Learning Session 2”? Two minutes of feedback tells faculty what to keep and what to change."
    )
    assert request["blocks"][0]["text"]["text"] == ":speech_balloon: *How was “Learning Session 2”?*"
