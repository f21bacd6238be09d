"""Feedback rules (pure): the questions, the 14-day window, checking an answer, the responder hash,
and the summary of an event's answers.

One answer per person and event is kept without storing who: the responder is
``HMAC-SHA256(secret, "feedback:v1:{event_id}:{user_id}")`` (RFC 2104, :mod:`hmac`), which the bot
can recompute for the person who clicks again but nobody can reverse without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.phi import phi_error

#: How long after an event ends its feedback form stays open.
WINDOW = timedelta(days=14)
#: When faculty get the summary: this long after the event ends ...
SUMMARY_DELAY = timedelta(hours=24)
#: ... and a clock that was down still sends it this much later (not after).
SUMMARY_CATCH_UP = timedelta(days=3)
MAX_TEXT = 1000

USEFULNESS = "usefulness"
ADD_NAME = "add_name"
ADD_NAME_VALUE = "add_name"
USEFULNESS_LABELS: dict[int, str] = {
    1: "1 · not useful",
    2: "2 · a little useful",
    3: "3 · useful",
    4: "4 · very useful",
    5: "5 · extremely useful",
}
#: The free-text questions, in the order the form and the summary show them (field, question).
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("most_useful", "What was most useful?"),
    ("to_improve", "What should we improve?"),
    ("will_apply", "What will your team apply?"),
    ("next_topics", "Topics for next time"),
)
TEXT_FIELDS = tuple(name for name, _ in QUESTIONS)


@dataclass(frozen=True)
class FeedbackForm:
    """One person's answers as typed (free text stripped, blank is None)."""

    usefulness: int | None
    most_useful: str | None = None
    to_improve: str | None = None
    will_apply: str | None = None
    next_topics: str | None = None
    add_name: bool = False

    def texts(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in TEXT_FIELDS}


def event_end(starts_at: datetime, duration_minutes: int) -> datetime:
    return starts_at + timedelta(minutes=duration_minutes)


def window_closes(starts_at: datetime, duration_minutes: int) -> datetime:
    """The moment the feedback form of an event closes: 14 days after it ends."""
    return event_end(starts_at, duration_minutes) + WINDOW


def window_state(starts_at: datetime, duration_minutes: int, now: datetime) -> str:
    """``not-yet`` before the event starts, ``open`` until 14 days after it ends, then ``closed``."""
    if now < starts_at:
        return "not-yet"
    return "open" if now < window_closes(starts_at, duration_minutes) else "closed"


def check_form(form: FeedbackForm, today: date) -> dict[str, str]:
    """Field errors (by block id), phrased for a clinic nurse; empty when the answer can be stored."""
    errors: dict[str, str] = {}
    if form.usefulness not in USEFULNESS_LABELS:
        errors[USEFULNESS] = "Choose how useful it was, from 1 (not useful) to 5 (extremely useful)."
    for name, text in form.texts().items():
        if text is None:
            continue
        if len(text) > MAX_TEXT:
            errors[name] = f"Please keep this under {MAX_TEXT} characters (it has {len(text)})."
        elif (phi := phi_error(text, today)) is not None:
            errors[name] = phi
    return errors


def responder_hash(secret: bytes, event_id: int, user_id: str) -> str:
    """Who answered, as a keyed hash: the same for one person and event, unreadable without ``secret``."""
    message = f"feedback:v1:{event_id}:{user_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


# -- the summary ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One stored answer, as the summary uses it (the name only when the person added it)."""

    usefulness: int
    texts: dict[str, str | None]
    name: str | None = None  # a Slack user ID


@dataclass(frozen=True)
class FeedbackSummary:
    """What an event's answers add up to. Rates are None when their denominator is 0."""

    event_id: int
    title: str
    starts_at: datetime
    responses: int
    going: int  # people who said Going
    members: int  # active team members of the collaborative
    mean: float | None
    distribution: dict[int, int]  # usefulness 1..5 -> answers
    comments: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)

    @property
    def rate_going(self) -> float | None:
        return self.responses / self.going if self.going else None

    @property
    def rate_members(self) -> float | None:
        return self.responses / self.members if self.members else None


def summarise(
    event_id: int, title: str, starts_at: datetime, answers: Sequence[Answer], going: int, members: int
) -> FeedbackSummary:
    """Counts, mean and distribution of usefulness, and the free text grouped by question (with the
    name of those who added it)."""
    distribution = {score: 0 for score in USEFULNESS_LABELS}
    for answer in answers:
        distribution[answer.usefulness] = distribution.get(answer.usefulness, 0) + 1
    mean = sum(a.usefulness for a in answers) / len(answers) if answers else None
    comments = [
        (question, [(text, a.name) for a in answers if (text := a.texts.get(name))])
        for name, question in QUESTIONS
    ]
    return FeedbackSummary(
        event_id=event_id,
        title=title,
        starts_at=starts_at,
        responses=len(answers),
        going=going,
        members=members,
        mean=mean,
        distribution=distribution,
        comments=[(q, texts) for q, texts in comments if texts],
    )
