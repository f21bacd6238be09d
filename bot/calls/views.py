"""Call messages: the reminder with RSVP buttons and counts, and the feedback request (its form is
``bot.feedback.views``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.slack.blocks import Message, context, escape, link, message, section
from storage.enums import CallKind, RsvpAnswer

RSVP_GOING = "rsvp_going"  # RSVP and feedback buttons carry the call's event id ("42")
RSVP_NOT_GOING = "rsvp_not_going"
FEEDBACK_ACTION = "feedback_open"

CALL_GONE = "That call is no longer on the calendar."
STALE_BUTTON = "That button is out of date, so your answer wasn't saved."
NOT_IN_COLLABORATIVE = (
    "Only people on a team (or faculty) of this learning collaborative can answer for its calls, "
    "so your answer wasn't saved."
)
FEEDBACK_NOT_IN_COLLABORATIVE = (
    "Only people on a team (or faculty) of this learning collaborative can give feedback on its calls."
)

KIND_LABELS: dict[str, str] = {
    CallKind.LEARNING_SESSION: "Learning session",
    CallKind.INTERIM_CALL: "Interim call",
}
STEP_PHRASES = {
    "week-before": "is coming up",
    "day-before": "is tomorrow",
    "hour-before": "starts in an hour",
}
#: An hour-before reminder sent at least this many minutes before the start says "in an hour";
#: a later one (a clock catching up) says how long is really left.
FULL_HOUR_MINUTES = 58


def step_phrase(step: str, starts_at: datetime, sent_at: datetime | None) -> str:
    """What the reminder says about when: the hour step says the time really left when sent late."""
    phrase = STEP_PHRASES.get(step, "is coming up")
    if step != "hour-before" or sent_at is None:
        return phrase
    minutes = max(1, round((starts_at - sent_at).total_seconds() / 60))
    if minutes >= FULL_HOUR_MINUTES:
        return phrase
    return f"starts in {minutes} minute{'' if minutes == 1 else 's'}"


def local_fallback(at: datetime, tz: ZoneInfo) -> str:
    """``Thursday, November 12 at 12:00 PM PST``: what clients that cannot localise show."""
    local = at.astimezone(tz)
    return f"{local:%A, %B} {local.day} at {local:%I:%M %p %Z}".replace(" 0", " ")


def slack_date(at: datetime, tz: ZoneInfo) -> str:
    """Slack date formatting: every reader sees the time in their own timezone."""
    return f"<!date^{int(at.timestamp())}^{{date_long_pretty}} at {{time}}|{local_fallback(at, tz)}>"


def call_reminder(
    *,
    event_id: int,
    title: str,
    kind: CallKind,
    starts_at: datetime,
    duration_minutes: int,
    join_url: str | None,
    tz: ZoneInfo,
    step: str,
    going: int,
    not_going: int,
    sent_at: datetime | None = None,
) -> Message:
    """A reminder of one call; ``sent_at`` (when it is or was posted) words the hour step's time left."""
    label = KIND_LABELS.get(kind, "Call")
    phrase = step_phrase(step, starts_at, sent_at)
    name = escape(title)
    text = f"{label} {phrase}: {name}, {local_fallback(starts_at, tz)}"
    details = f"*When:* {slack_date(starts_at, tz)} ({duration_minutes} minutes)"
    if join_url:
        details += f"\n*Join:* {link(join_url, 'Join the call')}"
    blocks: list[Block] = [
        section(f":telephone_receiver: *{label} {phrase}: {name}*"),
        section(details),
        ActionsBlock(
            block_id=f"rsvp_{event_id}",
            elements=[
                ButtonElement(text="Going", action_id=RSVP_GOING, value=str(event_id), style="primary"),
                ButtonElement(text="Can't make it", action_id=RSVP_NOT_GOING, value=str(event_id)),
            ],
        ),
        context(rsvp_line(going, not_going)),
    ]
    return message(text, blocks)


def rsvp_line(going: int, not_going: int) -> str:
    return f":white_check_mark: Going: *{going}*   ·   :x: Can't make it: *{not_going}*"


def rsvp_confirmation(response: RsvpAnswer, title: str) -> str:
    answer = "you're going to" if response == RsvpAnswer.GOING else "you can't make it to"
    return f"Thanks: {answer} {escape(title)}. You can change your answer with the buttons any time."


def feedback_request(*, event_id: int, title: str, kind: CallKind) -> Message:
    name = escape(title)
    text = f"How was “{name}”? Two minutes of feedback tells faculty what to keep and what to change."
    blocks: list[Block] = [
        section(f":speech_balloon: *How was “{name}”?*"),
        section(
            "Two minutes of feedback helps faculty shape the next one. Answers are anonymous by default."
        ),
        ActionsBlock(
            block_id=f"feedback_{event_id}",
            elements=[
                ButtonElement(
                    text="Give feedback", action_id=FEEDBACK_ACTION, value=str(event_id), style="primary"
                )
            ],
        ),
    ]
    return message(text, blocks)
