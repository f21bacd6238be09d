"""The ``peer-prompts`` job's message: once per ISO week per peer channel (the ledger key is the week).

Usually a prompt: the file's own ``prompts:`` first, then the library's prompts for the
collaborative's phase (``bot.peers.prompt_library``), rotating without repeats. When the channel
has been quiet (no post or reply by a team member this ISO week or last), a spotlight instead: a
team with a recent improvement signal (the digest's spotlight) or a recently adopted PDSA change is
invited by name, its leads mentioned, to tell the others how. Which prompt or team each week had is
read back from the ledger, so a re-run of the same week posts nothing new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import BotContext
from bot.digest.delivery import compute_digest
from bot.months import iso_week, local_date
from bot.peers import rules, views
from bot.peers.channel import existing_peer_channel
from bot.peers.prompt_library import LIBRARY, prompt_ids, prompt_text
from bot.slack.blocks import Message
from bot.slack.delivery import Outgoing, deliver_all
from storage import ledger
from storage.collaboratives import active_teams
from storage.models import Collaborative
from storage.pdsa import adopted_changes
from storage.peer_activity import active_in_weeks
from storage.peer_channels import first_learning_session
from storage.people import lead_ids_by_team

JOB = "peer-prompts"
#: An adopted change this recent makes a team a spotlight candidate.
RECENT_ADOPTION = timedelta(days=60)


@dataclass(frozen=True)
class Spotlight:
    team_id: int
    team_name: str
    why: str  # plain words; names from the file and typed titles are escaped by the view
    leads: tuple[str, ...]


def _own_prompts(collab: Collaborative) -> list[str]:
    try:
        own = json.loads(collab.peer_prompts or "[]")
    except ValueError:
        return []
    return [str(p) for p in own if isinstance(p, str) and p.strip()]


def _spotlight(
    ctx: BotContext, collab: Collaborative, as_of: datetime, before: list[str]
) -> Spotlight | None:
    today = local_date(as_of, collab.timezone)
    digest = compute_digest(ctx.db, collab.id, as_of)
    with ctx.db.reader() as session:
        teams = {t.key: t for t in active_teams(session, collab.id)}
        adopted = adopted_changes(session, [t.id for t in teams.values()])
        leads = lead_ids_by_team(session, [t.id for t in teams.values()])
    reasons: dict[int, str] = {}
    for flag in digest.spotlight:
        if flag.team in teams and flag.reasons:
            reasons.setdefault(teams[flag.team].id, f"its run chart shows improvement ({flag.reasons[0]})")
    for team in teams.values():
        recent = [
            c for c in adopted.get(team.id, []) if c.adopted_on and today - c.adopted_on <= RECENT_ADOPTION
        ]
        if recent:
            reasons.setdefault(team.id, f"it adopted the change “{recent[0].title}”")
    pick = rules.spotlight_pick([str(t) for t in reasons], before)
    if pick is None:
        return None
    team = next(t for t in teams.values() if t.id == int(pick))
    return Spotlight(team.id, team.name, reasons[team.id], tuple(leads.get(team.id, [])))


def _history(collab: Collaborative) -> str:
    return f"{JOB}:{collab.id}:"


def weekly_post(ctx: BotContext, collab: Collaborative, as_of: datetime) -> tuple[Outgoing | None, str]:
    """This week's post (None when there is nothing to send) and what it is, in a few words."""
    channel = existing_peer_channel(ctx, collab.id)
    if channel is None:
        return None, "no peer channel yet (run `collab-bot channels sync`)"
    today = local_date(as_of, collab.timezone)
    week = iso_week(today)
    key = f"{_history(collab)}{week}"
    rows = ledger.payloads_with_prefix(ctx.db, _history(collab))
    posted = {k: json.loads(payload) for k, _, payload in rows}
    if key in posted:  # this week's choice is made: a re-run only retries it
        return Outgoing(key, JOB, channel, posted[key], collab.id), "this week's post"
    quiet_weeks = [week, iso_week(today - timedelta(days=7))]
    with ctx.db.reader() as session:
        quiet = active_in_weeks(session, collab.id, quiet_weeks) == 0
        first = first_learning_session(session, collab.id)
    message: Message | None = None
    if quiet:
        before = [str(p["spotlight"]) for p in posted.values() if p.get("spotlight") is not None]
        spot = _spotlight(ctx, collab, as_of, before)
        if spot is not None:
            message = views.spotlight(spot.team_name, spot.why, spot.leads)
            message["spotlight"] = spot.team_id
            what = f"spotlight on {spot.team_name}"
    if message is None:
        own = _own_prompts(collab)
        phase = rules.phase_of(today, local_date(first, collab.timezone) if first else None, collab.end)
        candidates = [f"own-{i + 1:02d}" for i in range(len(own))] + prompt_ids(phase)
        used = [str(p["prompt"]) for p in posted.values() if p.get("prompt")]
        unused_own = [c for c in candidates if c.startswith("own-") and c not in used]
        prompt_id = unused_own[0] if unused_own else rules.next_prompt(prompt_ids(phase), used)
        text = prompt_text(prompt_id, own) if prompt_id else None
        if prompt_id is None or text is None:
            return None, "no prompt to post"
        message = views.prompt(text)
        message["prompt"] = prompt_id
        what = f"prompt {prompt_id}"
    return Outgoing(key, JOB, channel, message, collab.id), what


def post_weekly_prompt(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    out, what = weekly_post(ctx, collab, as_of)
    if out is None:
        return what
    return f"{what}: {deliver_all(ctx, [out]).describe()}"


__all__ = ["LIBRARY", "post_weekly_prompt", "weekly_post"]
