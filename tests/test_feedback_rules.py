"""Feedback rules (pure): the window, checking an answer, the keyed responder hash, the summary; and
where the hash's key comes from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.feedback.rules import (
    Answer,
    FeedbackForm,
    check_form,
    responder_hash,
    summarise,
    window_closes,
    window_state,
)
from bot.feedback.views import summary_line
from bot.settings import load_settings

START = datetime(2026, 11, 12, 20, tzinfo=UTC)


def test_the_window_opens_at_the_start_and_closes_14_days_after_the_end() -> None:
    assert window_closes(START, 60) == START + timedelta(days=14, hours=1)
    assert window_state(START, 60, START - timedelta(seconds=1)) == "not-yet"
    assert window_state(START, 60, START) == "open"
    assert window_state(START, 60, START + timedelta(days=14, minutes=59)) == "open"
    assert window_state(START, 60, START + timedelta(days=14, hours=1)) == "closed"


def test_an_answer_needs_a_score_and_no_patient_information() -> None:
    today = date(2026, 11, 12)
    assert check_form(FeedbackForm(4), today) == {}
    assert set(check_form(FeedbackForm(None), today)) == {"usefulness"}
    assert set(check_form(FeedbackForm(6), today)) == {"usefulness"}
    errors = check_form(FeedbackForm(3, to_improve="Call her at 555-123-4567", next_topics="x" * 1001), today)
    assert set(errors) == {"to_improve", "next_topics"}
    assert "phone number" in errors["to_improve"] and "1000 characters" in errors["next_topics"]


def test_the_responder_hash_is_per_person_event_and_secret() -> None:
    a = responder_hash(b"secret", 3, "U1")
    assert a == responder_hash(b"secret", 3, "U1") and len(a) == 64 and "U1" not in a
    assert (
        len(
            {
                a,
                responder_hash(b"secret", 4, "U1"),
                responder_hash(b"secret", 3, "U2"),
                responder_hash(b"other", 3, "U1"),
            }
        )
        == 4
    )


def test_the_key_is_feedback_secret_else_the_signing_secret() -> None:
    assert load_settings({"SLACK_SIGNING_SECRET": "sign"}).feedback_key == b"sign"
    assert load_settings({"SLACK_SIGNING_SECRET": "sign", "FEEDBACK_SECRET": "fb"}).feedback_key == b"fb"
    assert load_settings({"FEEDBACK_SECRET": "  "}).feedback_key is None


def test_the_summary_counts_rates_mean_and_groups_text() -> None:
    answers = [
        Answer(5, {"most_useful": "Stories", "to_improve": None}),
        Answer(3, {"most_useful": "Charts", "to_improve": "Shorter"}, name="U9"),
        Answer(4, {}),
    ]
    s = summarise(1, "Interim call", START, answers, going=6, members=12)
    assert (s.responses, s.rate_going, s.rate_members, s.mean) == (3, 0.5, 0.25, 4.0)
    assert s.distribution == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert s.comments == [
        ("What was most useful?", [("Stories", None), ("Charts", "U9")]),
        ("What should we improve?", [("Shorter", "U9")]),
    ]
    empty = summarise(1, "Interim call", START, [], going=0, members=0)
    assert (empty.rate_going, empty.rate_members, empty.mean) == (None, None, None)
    assert summary_line(empty) == "“Interim call”: no answers yet"
    assert summary_line(s) == "“Interim call”: 3 answers, mean usefulness 4.0 of 5"
