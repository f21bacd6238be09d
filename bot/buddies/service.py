"""Making the month's buddy pairs and introducing them, once.

The ``buddy-teams`` job (monthly) reads every team's run charts as of the last complete month
(the digest's data and rules), pairs teams (:mod:`bot.buddies.rules`), and stores the month's pairs
(``buddy_pairs``; a re-run of the month reuses them). Each pair's leads get one group direct
message (``conversations.open`` with all of them), through the ledger with the key
``buddy-teams:{collaborative}:{month}:{improving team}-{flat team}``. ``buddies: false`` in the
collaborative file turns it off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.buddies import rules
from bot.buddies.views import introduction
from bot.context import BotContext
from bot.digest.rules import reporting_period
from bot.milestones.rules import signal_streaks
from bot.months import local_date, period_of
from bot.slack import watch
from bot.slack.client import slack_error_code
from bot.slack.delivery import Outgoing
from storage import ledger
from storage.buddies import PairRow, pairs_since, record_month
from storage.db import Database
from storage.digest_queries import load_digest_data
from storage.models import Collaborative
from storage.pdsa import adopted_changes
from storage.people import lead_ids_by_team

log = logging.getLogger(__name__)

JOB = "buddy-teams"
#: conversations.open takes at most 8 people.
MAX_PEOPLE = 8


@dataclass(frozen=True)
class BuddyPlan:
    month: str
    pairs: list[PairRow]
    outgoing: list[Outgoing]
    skipped: list[str]  # why a pair gets no message (no leads, no conversation), without names


def month_pairs(db: Database, collab: Collaborative, as_of: datetime) -> tuple[str, list[PairRow]]:
    """The month's pairs: stored already (a re-run), else made from the run charts and stored."""
    month = period_of(local_date(as_of, collab.timezone))
    with db.reader() as session:
        remembered = pairs_since(session, collab.id, rules.first_month_remembered(month))
        data = load_digest_data(session, collab.id, as_of)
    done = [p for p in remembered if p.month == month]
    if done:
        return month, done
    period = reporting_period(local_date(as_of, collab.timezone))
    streaks = signal_streaks(data, period, depth=1)
    team_ids = dict(zip(data.teams["team"], data.teams["team_id"], strict=True))
    measure_ids = dict(zip(data.measures["key"], data.measures["measure_id"], strict=True))
    standings: list[rules.Standing] = []
    for (team, measure), improving, signal, n_useful in zip(
        streaks.index, streaks["improving"], streaks["signal"], streaks["n_useful"], strict=True
    ):
        if team in team_ids and measure in measure_ids:
            standings.append(
                rules.Standing(
                    team_id=int(team_ids[team]),
                    measure_id=int(measure_ids[measure]),
                    improving=bool(improving),
                    flat=signal not in ("improvement", "deterioration") and int(n_useful) >= rules.MIN_POINTS,
                )
            )
    blocked = rules.blocked_pairs(((p.month, p.improving_team_id, p.flat_team_id) for p in remembered), month)
    made = rules.pair_teams(standings, [int(m) for m in data.measures["measure_id"]], blocked)
    rows = [PairRow(month, p.measure_id, p.improving_team_id, p.flat_team_id) for p in made]
    return month, record_month(db, collab.id, month, rows, as_of)


def pair_key(collab: Collaborative, month: str, improving: str, flat: str) -> str:
    return f"{JOB}:{collab.key}:{month}:{improving}-{flat}"


def buddies_due(ctx: BotContext, collab: Collaborative, as_of: datetime) -> BuddyPlan | None:
    """The month's pairs and their introductions; None when the file turned buddies off."""
    if not collab.buddies:
        return None
    month, pairs = month_pairs(ctx.db, collab, as_of)
    if not pairs:
        return BuddyPlan(month, [], [], [])
    with ctx.db.reader() as session:
        data = load_digest_data(session, collab.id, as_of)
        team_ids = [t for p in pairs for t in (p.improving_team_id, p.flat_team_id)]
        leads = lead_ids_by_team(session, team_ids)
        adopted = adopted_changes(session, [p.improving_team_id for p in pairs])
    teams = {
        int(i): (str(k), str(n))
        for i, k, n in zip(data.teams["team_id"], data.teams["team"], data.teams["name"], strict=True)
    }
    measures = {
        int(i): str(n) for i, n in zip(data.measures["measure_id"], data.measures["name"], strict=True)
    }
    outgoing: list[Outgoing] = []
    skipped: list[str] = []
    for pair in pairs:
        if pair.improving_team_id not in teams or pair.flat_team_id not in teams:
            skipped.append("a team left the collaborative")
            continue
        (good_key, good_name), (flat_key, flat_name) = teams[pair.improving_team_id], teams[pair.flat_team_id]
        key = pair_key(collab, month, good_key, flat_key)
        people = sorted(set(leads[pair.improving_team_id]) | set(leads[pair.flat_team_id]))[:MAX_PEOPLE]
        if not leads[pair.improving_team_id] or not leads[pair.flat_team_id]:
            skipped.append("a team has no lead")
            continue
        channel = _conversation(ctx, collab, key, people)
        if channel is None:
            skipped.append("the group message could not be opened")
            continue
        measure = measures.get(pair.measure_id, "a measure")
        changes = adopted.get(pair.improving_team_id, [])
        linked = [c.title for c in changes if measure in c.measures] + [
            c.title for c in changes if measure not in c.measures
        ]
        msg = introduction(
            month=month,
            measure=measure,
            improving_team=good_name,
            improving_leads=leads[pair.improving_team_id],
            flat_team=flat_name,
            flat_leads=leads[pair.flat_team_id],
            adopted=linked,
        )
        outgoing.append(Outgoing(key=key, job=JOB, channel=channel, message=msg, collaborative_id=collab.id))
    return BuddyPlan(month, pairs, outgoing, skipped)


def _conversation(ctx: BotContext, collab: Collaborative, key: str, people: list[str]) -> str | None:
    """The group DM of ``people``: the one the ledger already holds for ``key``, else opened now."""
    known = ledger.rows_by_key(ctx.db, [key])
    if known:
        return known[0].channel
    if watch.rehearsing() is not None:  # a dry run opens nothing
        return "(group message)"
    client = ctx.client_for(collab.id)
    if client is None:
        return None
    try:
        response = client.conversations_open(users=",".join(people))
    except SlackApiError as exc:
        log.warning("buddy group message not opened: %s", slack_error_code(exc))
        return None
    except (SlackClientError, OSError) as exc:
        log.warning("buddy group message not opened: %s", type(exc).__name__)
        return None
    channel = (response.get("channel") or {}).get("id")
    return str(channel) if channel else None
