"""Call reminders, RSVPs and feedback requests for interim calls and learning sessions.

Reminder steps, each a message in the collaborative's peer-sharing channel:

* ``week-before``: 7 days before, same local wall-clock time (a noon call: noon a week earlier,
  even across a daylight-saving change); sent while at most 2 days late;
* ``day-before``: 1 day before, same local time; sent until 1 hour before the call;
* ``hour-before``: 1 hour before; sent until the call starts.

So a clock that was down catches up once, and never sends a stale "in an hour" after the call.
Feedback requests go out an hour after a call ends (sent while at most 12 hours late). RSVPs are
stored per person and can be changed; every sent reminder of the call is updated with the counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.access import Action, Target, check
from bot.calls import views
from bot.context import BotContext
from bot.peers.channel import existing_peer_channel
from bot.slack.delivery import Outgoing
from storage import ledger
from storage.calendar import RsvpCounts, event_by_id, events_starting_between, rsvp_counts, set_rsvp
from storage.collaboratives import collaborative_by_id
from storage.enums import RsvpAnswer
from storage.models import CalendarEvent, Collaborative
from storage.people import Person

log = logging.getLogger(__name__)

REMINDER_JOB = "call-reminders"
FEEDBACK_JOB = "feedback-requests"
FEEDBACK_DELAY = timedelta(hours=1)
FEEDBACK_WINDOW = timedelta(hours=12)
LOOKAHEAD = timedelta(days=8)


@dataclass(frozen=True)
class ReminderStep:
    name: str
    days_before: int  # wall-clock days before the start (0: use hours_before)
    hours_before: int
    window: timedelta  # how late the step may still be sent


STEPS = (
    ReminderStep("week-before", 7, 0, timedelta(days=2)),
    ReminderStep("day-before", 1, 0, timedelta(hours=23)),
    ReminderStep("hour-before", 0, 1, timedelta(hours=1)),
)


def step_time(step: ReminderStep, starts_at: datetime, tz: ZoneInfo) -> datetime:
    """When ``step`` is due: day steps keep the local wall-clock time, the hour step is absolute."""
    if step.days_before:
        local = starts_at.astimezone(tz).replace(tzinfo=None) - timedelta(days=step.days_before)
        return local.replace(tzinfo=tz)
    return starts_at - timedelta(hours=step.hours_before)


def due_steps(starts_at: datetime, tz: ZoneInfo, as_of: datetime) -> list[ReminderStep]:
    """Steps of a call whose time has come at ``as_of`` and that are not stale yet."""
    due = []
    for step in STEPS:
        at = step_time(step, starts_at, tz)
        if at <= as_of < min(at + step.window, starts_at):
            due.append(step)
    return due


def posted_at(ts: str) -> datetime:
    """When a message was posted: its Slack ``ts`` is seconds since the epoch."""
    return datetime.fromtimestamp(float(ts), UTC)


def reminder_key_prefix(collab: Collaborative, event_id: int) -> str:
    return f"{REMINDER_JOB}:{collab.key}:event{event_id}:"


def _reminder(
    event: CalendarEvent, tz: ZoneInfo, step: str, counts: RsvpCounts, sent_at: datetime
) -> views.Message:
    return views.call_reminder(
        event_id=event.id,
        title=event.title,
        kind=event.kind,
        starts_at=event.starts_at,
        duration_minutes=event.duration_minutes,
        join_url=event.join_url,
        tz=tz,
        step=step,
        going=counts.going,
        not_going=counts.not_going,
        sent_at=sent_at,
    )


def call_reminders_due(ctx: BotContext, collab: Collaborative, as_of: datetime) -> list[Outgoing]:
    """The reminders due at ``as_of``, in the peer channel once it exists (`collab-bot channels sync`)."""
    tz = ZoneInfo(collab.timezone)
    with ctx.db.reader() as session:
        events = events_starting_between(session, collab.id, as_of, as_of + LOOKAHEAD)
        counts = rsvp_counts(session, [e.id for e in events])
    due = [(event, step) for event in events for step in due_steps(event.starts_at, tz, as_of)]
    if not due:
        return []
    channel = existing_peer_channel(ctx, collab.id)
    if channel is None:
        log.warning("call reminders for %s: no peer-sharing channel yet (run channels sync)", collab.key)
        return []
    return [
        Outgoing(
            key=reminder_key_prefix(collab, event.id) + step.name,
            job=REMINDER_JOB,
            channel=channel,
            message=_reminder(event, tz, step.name, counts[event.id], as_of),
            collaborative_id=collab.id,
        )
        for event, step in due
    ]


def feedback_requests_due(ctx: BotContext, collab: Collaborative, as_of: datetime) -> list[Outgoing]:
    """Feedback requests for calls that ended at least an hour (and at most 13 hours) before ``as_of``."""
    with ctx.db.reader() as session:
        events = events_starting_between(session, collab.id, as_of - timedelta(days=2), as_of)
    due = []
    for event in events:
        at = event.starts_at + timedelta(minutes=event.duration_minutes) + FEEDBACK_DELAY
        if at <= as_of < at + FEEDBACK_WINDOW:
            due.append(event)
    if not due:
        return []
    channel = existing_peer_channel(ctx, collab.id)
    if channel is None:
        return []
    return [
        Outgoing(
            key=f"{FEEDBACK_JOB}:{collab.key}:event{event.id}:after",
            job=FEEDBACK_JOB,
            channel=channel,
            message=views.feedback_request(event_id=event.id, title=event.title, kind=event.kind),
            collaborative_id=collab.id,
        )
        for event in due
    ]


@dataclass(frozen=True)
class RsvpResult:
    title: str
    counts: RsvpCounts
    updated: int  # reminder messages refreshed


def event_target(event: CalendarEvent) -> Target:
    return Target("event", event.id, event.collaborative_id)


def may_answer(ctx: BotContext, person: Person, action: Action, event_id: int) -> str | None:
    """The call's title when ``person`` may ``action`` (RSVP, feedback) on it; None when the call is
    gone or they may not (refusals are logged). Only people of the call's collaborative may."""
    with ctx.db.reader() as session:
        event = event_by_id(session, event_id)
        if event is None or not check(person, action, event_target(event)):
            return None
        return event.title


@dataclass(frozen=True)
class RsvpRefused:
    """The person isn't part of the call's collaborative; nothing was stored."""


def record_rsvp(
    ctx: BotContext,
    person: Person,
    event_id: int,
    response: RsvpAnswer,
    clicked: tuple[str, str] | None = None,
) -> RsvpResult | RsvpRefused | None:
    """Store (or change) the person's answer, then show the new counts on the call's reminders.

    Only people of the call's collaborative may answer (:class:`RsvpRefused` otherwise, nothing
    stored). ``clicked`` is (channel, ts) of the message the button was on; it is updated too.
    None when the call no longer exists.
    """
    with ctx.db.transaction() as session:
        event = event_by_id(session, event_id)
        if event is None:
            return None
        if not check(person, Action.RSVP, event_target(event)):
            return RsvpRefused()
        set_rsvp(session, event_id, person.user_id, response, ctx.now())
    with ctx.db.reader() as session:
        event = event_by_id(session, event_id)
        assert event is not None
        collab = collaborative_by_id(session, event.collaborative_id)
        counts = rsvp_counts(session, [event_id])[event_id]
    assert collab is not None
    client = ctx.client_for(collab.id)
    if client is None:  # the app was removed from the workspace: the answer is kept, nothing is sent
        return RsvpResult(event.title, counts, 0)
    tz = ZoneInfo(collab.timezone)
    prefix = reminder_key_prefix(collab, event_id)
    targets = {(m.channel, m.ts): m.key[len(prefix) :] for m in ledger.sent_with_prefix(ctx.db, prefix)}
    if clicked is not None and clicked not in targets:
        targets[clicked] = "week-before"
    updated = 0
    for (channel, ts), step in targets.items():
        msg = _reminder(event, tz, step, counts, posted_at(ts))
        try:
            client.chat_update(channel=channel, ts=ts, text=msg["text"], blocks=msg["blocks"])
            updated += 1
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("RSVP count not updated on %s: %s", channel, type(exc).__name__)
    return RsvpResult(event.title, counts, updated)
