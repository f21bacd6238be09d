"""Sending peer posts through the ledger: a win or a question in the peer channel, and the note to
faculty about a question nobody answered (once per question and faculty member)."""

from __future__ import annotations

from datetime import datetime

from bot.context import BotContext
from bot.peers import views
from bot.peers.service import ASK_JOB, POST_JOB, PostSent, unanswered_asks
from bot.slack.delivery import Outcome, Outgoing, deliver, deliver_all
from storage.models import Collaborative


def post_to_peers(ctx: BotContext, sent: PostSent) -> Outcome:
    """Post ``sent`` (held in the ledger when the peer channel does not exist yet)."""
    post = views.peer_post(sent.kind, sent.user_id, sent.team_name, sent.text, sent.relates, sent.picture_id)
    outcome = deliver(ctx, Outgoing(sent.key, POST_JOB, sent.channel, post, sent.collaborative_id))
    if sent.picture_id:  # in the post's thread, after it
        picture = views.picture_reply(sent.team_name, sent.picture_id)
        deliver(
            ctx,
            Outgoing(
                f"{sent.key}:picture",
                POST_JOB,
                sent.channel,
                picture,
                sent.collaborative_id,
                thread_key=sent.key,
            ),
        )
    return outcome


def flag_unanswered_asks(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    """The ``peer-asks`` job: tell faculty about questions with no reply after 48 hours."""
    outgoing = [
        Outgoing(
            key, ASK_JOB, user, views.unanswered_ask(ask.team_name, ask.channel, ask.ts, ask.hours), collab.id
        )
        for ask in unanswered_asks(ctx, collab, as_of)
        for key, user in ask.faculty
    ]
    if not outgoing:
        return "no unanswered question to flag"
    return deliver_all(ctx, outgoing).describe()
