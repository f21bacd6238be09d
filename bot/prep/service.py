"""The interim-call agenda draft, as plain data: who could present, what teams learned, who needs help.

The draft reads the weekly digest's verdicts (:func:`bot.digest.delivery.compute_digest`): teams
with a *new* improvement signal are the candidates to present, each with the change ideas it
adopted; teams needing support are the digest's. Study notes come from :mod:`bot.prep.rules`.

* :func:`call_prep_due` (the ``call-prep`` job): one direct message per faculty member per interim
  call, keyed ``call-prep:{collaborative}:event{id}:{user}`` in the delivery ledger, so each
  faculty member gets it once.
* :func:`coached_by` and :func:`next_call_draft` (``/collab prep``): the draft for the next interim
  call of each collaborative the person coaches, on demand; anyone else is refused (``bot.access``,
  logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, partial

from sqlalchemy.orm import Session

from bot.access import Action, collaboratives_where, refused
from bot.context import BotContext
from bot.digest.delivery import compute_digest
from bot.digest.rules import SupportFlag, support_flags
from bot.months import local_date
from bot.peers.service import asks_without_reply
from bot.prep import rules
from bot.prep.views import prep_message
from bot.results import Refusal
from bot.slack.delivery import Outgoing
from storage import ledger
from storage.calendar import events_starting_between
from storage.collaboratives import active_teams, collaborative_by_id
from storage.db import Database
from storage.enums import CallKind, Decision
from storage.models import CalendarEvent, Collaborative
from storage.pdsa import adopted_changes, completed_cycles
from storage.people import Person, faculty_ids

log = logging.getLogger(__name__)

JOB = "call-prep"
#: How far back an unanswered ask for help still belongs on the agenda.
ASKS_WINDOW = timedelta(days=30)
#: How far ahead ``/collab prep`` looks for the next interim call.
LOOKAHEAD = timedelta(days=62)
NOT_FACULTY = "Only faculty can see the interim-call prep draft."
NO_CALL = "There's no interim call on the calendar in the next two months, so there's nothing to prepare."


@dataclass(frozen=True)
class Candidate:
    """A team with a new improvement signal: a candidate to present on the call."""

    team_name: str
    findings: tuple[str, ...]  # "BP control: a run of 7 points above the median", one per measure
    adopted: tuple[str, ...]  # change ideas the team adopted (typed by people: escape them)


@dataclass(frozen=True)
class StudyNote:
    team_name: str
    change_idea: str  # typed by people: escape
    cycle_number: int
    decision: Decision | None
    ended: date | None
    note: str  # typed by people: escape


@dataclass(frozen=True)
class OpenAsk:
    """An ask for help in the peer channel with no reply in its thread yet."""

    team_name: str
    asked: date  # local date it was posted
    channel: str
    ts: str


@dataclass(frozen=True)
class PrepDraft:
    collaborative_key: str
    collaborative_name: str
    event_id: int
    title: str
    starts_at: datetime
    timezone: str
    candidates: tuple[Candidate, ...]
    notes: tuple[StudyNote, ...]
    asks: tuple[OpenAsk, ...]
    support: tuple[SupportFlag, ...]
    asks_tracked: bool = False  # asks for help are recorded (then an empty list means none is open)


def _interim_calls(
    session: Session, collaborative_id: int, start: datetime, end: datetime
) -> list[CalendarEvent]:
    events = events_starting_between(session, collaborative_id, start, end)
    return [e for e in events if e.kind == CallKind.INTERIM_CALL]


def open_asks(ctx: BotContext, collab: Collaborative, as_of: datetime) -> tuple[OpenAsk, ...] | None:
    """Asks for help posted in the peer channel in the :data:`ASKS_WINDOW` before ``as_of`` whose
    thread has no reply (Slack is asked for each; one it cannot read is left out), oldest first.
    None when the app cannot speak in the collaborative's workspace (asks are then not shown)."""
    asks = asks_without_reply(ctx, collab, as_of - ASKS_WINDOW, as_of)
    if asks is None:
        return None
    return tuple(
        OpenAsk(ask.team_name, local_date(ask.posted, collab.timezone), ask.channel, ask.ts) for ask in asks
    )


def build_draft(
    db: Database,
    collab: Collaborative,
    event: CalendarEvent,
    as_of: datetime,
    asks: tuple[OpenAsk, ...] | None = None,
) -> PrepDraft:
    """The agenda draft for ``event`` as things stand at ``as_of`` (``asks``: the open asks, None
    when they could not be read)."""
    digest = compute_digest(db, collab.id, as_of)
    today = local_date(as_of, collab.timezone)
    with db.reader() as session:
        teams = active_teams(session, collab.id)
        ids_by_key = {t.key: t.id for t in teams}
        adopted = adopted_changes(session, list(ids_by_key.values()))
        recent = completed_cycles(session, collab.id, since=rules.notes_since(today), shared_only=True)
    candidates = tuple(
        Candidate(
            team_name=flag.name,
            findings=tuple(flag.reasons),
            adopted=tuple(change.title for change in adopted.get(ids_by_key.get(flag.team, -1), [])),
        )
        for flag in digest.spotlight
    )
    notes = tuple(
        StudyNote(
            team_name=c.team_name,
            change_idea=c.change_idea,
            cycle_number=c.cycle_number,
            decision=c.act_decision,
            ended=c.end_date,
            note=rules.study_note(c) or "",
        )
        for c in rules.notes_worth_sharing(recent)
    )
    return PrepDraft(
        collaborative_key=collab.key,
        collaborative_name=collab.name,
        event_id=event.id,
        title=event.title,
        starts_at=event.starts_at,
        timezone=collab.timezone,
        candidates=candidates,
        notes=notes,
        asks=asks or (),
        support=support_flags(digest.support),
        asks_tracked=asks is not None,
    )


def prep_key(collab: Collaborative, event_id: int, user_id: str) -> str:
    return f"{JOB}:{collab.key}:event{event_id}:{user_id}"


def call_prep_due(ctx: BotContext, collab: Collaborative, as_of: datetime) -> list[Outgoing]:
    """The drafts due at ``as_of``: one direct message per faculty member per interim call."""
    db = ctx.db
    with db.reader() as session:
        calls = [
            e
            for e in _interim_calls(
                session, collab.id, as_of, as_of + timedelta(days=rules.PREP_DAYS_BEFORE + 1)
            )
            if rules.prep_due(e.starts_at, collab.timezone, as_of)
        ]
        faculty = faculty_ids(session, [collab.id]) if calls else []
    out: list[Outgoing] = []
    asks = cache(partial(open_asks, ctx, collab, as_of))  # Slack is asked once, for the first draft built
    for event in calls:
        if not faculty:
            continue
        keys = [prep_key(collab, event.id, user) for user in faculty]
        if not ledger.would_send(db, keys):
            continue  # every faculty member has this call's draft already: nothing to build
        msg = prep_message(build_draft(db, collab, event, as_of, asks()))
        out.extend(
            Outgoing(
                key=prep_key(collab, event.id, user),
                job=JOB,
                channel=user,
                message=msg,
                collaborative_id=collab.id,
            )
            for user in faculty
        )
    return out


def coached_by(person: Person) -> list[int] | Refusal:
    """The collaboratives whose drafts ``person`` may see (faculty's); anyone else is refused (logged)."""
    coached = collaboratives_where(person, Action.COACH)
    if not coached:
        refused(person, Action.COACH)
        return Refusal(NOT_FACULTY)
    return coached


def next_call_draft(ctx: BotContext, collaborative_id: int, now: datetime) -> PrepDraft | None:
    """``/collab prep``: the draft for the collaborative's next interim call, as it stands ``now``."""
    with ctx.db.reader() as session:
        collab = collaborative_by_id(session, collaborative_id)
        calls = _interim_calls(session, collaborative_id, now, now + LOOKAHEAD)[:1]
    if collab is None or not calls:
        return None
    return build_draft(ctx.db, collab, calls[0], now, open_asks(ctx, collab, now))
