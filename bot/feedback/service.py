"""Feedback on calls and sessions: open the form, store an answer (one per person, anonymous unless
they add their name), sum up an event's answers, and send faculty that summary a day later.

Returns plain frozen results (``Refusal``, ``Invalid``, :class:`FeedbackScreen`, :class:`FeedbackSaved`,
``rules.FeedbackSummary``); Block Kit is ``bot.feedback.views``'.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.access import Action, Target, check, refused
from bot.calls.views import FEEDBACK_NOT_IN_COLLABORATIVE
from bot.context import BotContext
from bot.feedback import rules, views
from bot.feedback.rules import FeedbackForm, FeedbackSummary
from bot.months import local_date
from bot.results import Invalid, Refusal
from bot.slack.delivery import Outgoing
from storage import feedback as store
from storage.calendar import event_by_id, events_starting_between
from storage.collaboratives import collaborative_by_id
from storage.db import Database
from storage.models import CalendarEvent, Collaborative
from storage.people import Person, faculty_ids

log = logging.getLogger(__name__)

SUMMARY_JOB = "feedback-summary"
CALL_GONE = "That call is no longer on the calendar, so there's no feedback form for it."
NO_SECRET = (
    "Feedback can't be stored yet: the bot has no secret to keep answers anonymous. "
    "Ask your admin to set FEEDBACK_SECRET."
)


@dataclass(frozen=True)
class EventInfo:
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    timezone: str
    closes_at: datetime


@dataclass(frozen=True)
class FeedbackScreen:
    """The form for one event; ``previous`` is this person's earlier answer (it will be replaced)."""

    event: EventInfo
    previous: FeedbackForm | None


@dataclass(frozen=True)
class WindowClosed(Refusal):
    """The 14 days are over: the form is not shown, and the request's button can say so."""

    title: str = ""
    closed_on: date | None = None


@dataclass(frozen=True)
class FeedbackSaved:
    title: str
    replaced: bool
    named: bool


def _info(event: CalendarEvent, collab: Collaborative) -> EventInfo:
    return EventInfo(
        event.id,
        event.title,
        str(event.kind),
        event.starts_at,
        collab.timezone,
        rules.window_closes(event.starts_at, event.duration_minutes),
    )


def _may_answer(
    ctx: BotContext, person: Person, event_id: int
) -> tuple[CalendarEvent, Collaborative] | Refusal:
    with ctx.db.reader() as session:
        event = event_by_id(session, event_id)
        if event is None or not event.active:
            return Refusal(CALL_GONE)
        collab = collaborative_by_id(session, event.collaborative_id)
        assert collab is not None
        if not check(person, Action.FEEDBACK, Target("event", event.id, event.collaborative_id)):
            return Refusal(FEEDBACK_NOT_IN_COLLABORATIVE)
    state = rules.window_state(event.starts_at, event.duration_minutes, ctx.now())
    if state == "not-yet":
        return Refusal(views.not_yet_text(event.title))
    if state == "closed":
        closes = local_date(rules.window_closes(event.starts_at, event.duration_minutes), collab.timezone)
        return WindowClosed(views.closed_text(event.title, closes), event.title, closes)
    return event, collab


def _form(answer: store.StoredAnswer) -> FeedbackForm:
    return FeedbackForm(
        answer.usefulness,
        answer.most_useful,
        answer.to_improve,
        answer.will_apply,
        answer.next_topics,
        add_name=answer.slack_user_id is not None,
    )


def open_feedback(ctx: BotContext, person: Person, event_id: int) -> FeedbackScreen | Refusal:
    """The form for ``event_id``, or why this person can't give feedback on it now."""
    found = _may_answer(ctx, person, event_id)
    if isinstance(found, Refusal):
        return found
    event, collab = found
    secret = ctx.settings.feedback_key
    previous = None
    if secret is not None:
        with ctx.db.reader() as session:
            stored = store.find_answer(
                session, event.id, rules.responder_hash(secret, event.id, person.user_id)
            )
        previous = _form(stored) if stored is not None else None
    return FeedbackScreen(_info(event, collab), previous)


def submit_feedback(
    ctx: BotContext, person: Person, event_id: int, form: FeedbackForm
) -> FeedbackSaved | Invalid | Refusal:
    """Store the answer (replacing the person's earlier one); errors in place; nothing stored on a no."""
    found = _may_answer(ctx, person, event_id)
    if isinstance(found, Refusal):
        return found
    event, collab = found
    errors = rules.check_form(form, local_date(ctx.now(), collab.timezone))
    if errors:
        return Invalid(errors)
    secret = ctx.settings.feedback_key
    if secret is None:
        return Refusal(NO_SECRET)
    team_id = next((s.team_id for s in person.seats if s.collaborative_id == collab.id), None)
    assert form.usefulness is not None
    with ctx.db.transaction() as session:
        replaced = store.save_answer(
            session,
            event_id=event.id,
            responder=rules.responder_hash(secret, event.id, person.user_id),
            usefulness=form.usefulness,
            texts=form.texts(),
            slack_user_id=person.user_id if form.add_name else None,
            team_id=team_id,
            now=ctx.now(),
        )
    return FeedbackSaved(event.title, replaced, form.add_name)


# -- the summary ------------------------------------------------------------------------------------------


def event_summary(db: Database, event_id: int) -> FeedbackSummary | None:
    """Everything faculty see about one event's feedback (None when the event is gone)."""
    with db.reader() as session:
        event = event_by_id(session, event_id)
        if event is None:
            return None
        answers = [
            rules.Answer(
                a.usefulness,
                {
                    "most_useful": a.most_useful,
                    "to_improve": a.to_improve,
                    "will_apply": a.will_apply,
                    "next_topics": a.next_topics,
                },
                a.slack_user_id,
            )
            for a in store.answers_for_event(session, event_id)
        ]
        going = store.going_count(session, event_id)
        members = store.active_member_count(session, event.collaborative_id)
        return rules.summarise(event.id, event.title, event.starts_at, answers, going, members)


def _ended_events(db: Database, collab_id: int, since: datetime, until: datetime) -> list[CalendarEvent]:
    """Events of the collaborative that ended in ``[since, until)``, oldest first."""
    with db.reader() as session:
        events = events_starting_between(session, collab_id, since - timedelta(days=2), until)
    return [e for e in events if since <= rules.event_end(e.starts_at, e.duration_minutes) < until]


def summaries_due(ctx: BotContext, collab: Collaborative, as_of: datetime) -> list[Outgoing]:
    """A DM to each faculty member for every event that ended at least 24 hours before ``as_of``
    (and at most 24 hours + 3 days: a clock that was down catches up once, never a month later)."""
    events = _ended_events(
        ctx.db,
        collab.id,
        as_of - rules.SUMMARY_DELAY - rules.SUMMARY_CATCH_UP,
        as_of - rules.SUMMARY_DELAY + timedelta(microseconds=1),
    )
    if not events:
        return []
    with ctx.db.reader() as session:
        faculty = faculty_ids(session, [collab.id])
    tz = ZoneInfo(collab.timezone)
    outgoing = []
    for event in events:
        summary = event_summary(ctx.db, event.id)
        if summary is None:
            continue
        message = views.summary_message(summary, tz)
        for user in faculty:
            outgoing.append(
                Outgoing(
                    key=f"{SUMMARY_JOB}:{collab.key}:event{event.id}:{user}",
                    job=SUMMARY_JOB,
                    channel=user,
                    message=message,
                    collaborative_id=collab.id,
                )
            )
    return outgoing


@dataclass(frozen=True)
class SummaryShown:
    summary: FeedbackSummary
    timezone: str


NOT_FACULTY = "Only faculty can read the feedback summaries."
NO_EVENT = "There's no call or session to show feedback for yet."


def _matches(event: CalendarEvent, wanted: str, tz: str) -> bool:
    """``wanted`` is a local date (``2026-11-12``), the event's key, or words of its title."""
    wanted = wanted.strip().lower()
    if not wanted:
        return True
    try:
        if date.fromisoformat(wanted) == local_date(event.starts_at, tz):
            return True
    except ValueError:
        pass
    return wanted == event.key.lower() or wanted in event.title.lower()


def summary_for(ctx: BotContext, person: Person, wanted: str) -> SummaryShown | Refusal:
    """``/collab feedback [event]``: the summary of the latest event that has started (or the one
    ``wanted`` names: a date, its key or words of its title), for faculty only."""
    collab_ids = sorted({r.collaborative_id for r in person.roles})
    allowed = [cid for cid in collab_ids if check(person, Action.READ_FEEDBACK, Target.collaborative(cid))]
    if not allowed:
        if not collab_ids:
            refused(person, Action.READ_FEEDBACK)
        return Refusal(NOT_FACULTY)
    now = ctx.now()
    best: tuple[CalendarEvent, str] | None = None
    with ctx.db.reader() as session:
        for cid in allowed:
            collab = collaborative_by_id(session, cid)
            assert collab is not None
            past = events_starting_between(session, cid, collab_start(collab), now)
            for event in past:
                if _matches(event, wanted, collab.timezone) and (
                    best is None or event.starts_at > best[0].starts_at
                ):
                    best = (event, collab.timezone)
    if best is None:
        return Refusal(NO_EVENT if not wanted else views.no_such_event_text(wanted))
    summary = event_summary(ctx.db, best[0].id)
    if summary is None:
        return Refusal(NO_EVENT)
    return SummaryShown(summary, best[1])


def collab_start(collab: Collaborative) -> datetime:
    """A moment safely before anything on the collaborative's calendar."""
    return datetime(collab.start.year, collab.start.month, 1, tzinfo=ZoneInfo(collab.timezone)) - timedelta(
        days=400
    )


def latest_summary_line(db: Database, collaborative_id: int, as_of: datetime) -> str | None:
    """The digest's line: the latest event that ended before ``as_of``, its answers and mean."""
    with db.reader() as session:
        collab = collaborative_by_id(session, collaborative_id)
        if collab is None:
            return None
        events = events_starting_between(session, collab.id, collab_start(collab), as_of)
    ended = [e for e in events if rules.event_end(e.starts_at, e.duration_minutes) <= as_of]
    if not ended:
        return None
    summary = event_summary(db, ended[-1].id)
    return views.summary_line(summary) if summary is not None else None
