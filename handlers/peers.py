"""Peer learning's listeners. Share a win / ask for help: ``/collab share``, ``/collab ask``, their
global shortcuts and buttons (e.g. on the Home tab) open the modal; a submission is checked by
``bot.peers.service`` and posted to the peer channel through the ledger after the ack. Message
events are counted in peer channels only (``bot.peers.engagement``); a joiner is welcomed once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.peers import views
from bot.peers.engagement import count_peer_message, welcome_joiner
from bot.peers.posts import post_to_peers
from bot.peers.service import PostForm, open_post, submit_post
from bot.results import Invalid, Refusal
from bot.slack.modals import loading_view, notice_view
from bot.slack.payloads import parse
from bot.slack.waits import waited
from handlers.collab_command import modal_subcommand
from handlers.gate import event_unavailable, person_of
from handlers.submissions import ack_outcome, once
from storage.peer_channels import is_peer_channel
from storage.people import Person


def _open(ctx: BotContext, client: WebClient, trigger_id: str, person: Person, kind: str) -> None:
    """Open the loading modal with the trigger id at once, then fill it."""
    opened = client.views_open(trigger_id=trigger_id, view=loading_view(views.FRAMES[kind]))["view"]
    client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=post_view(ctx, person, kind))


def post_view(ctx: BotContext, person: Person, kind: str) -> View:
    """The filled share/ask modal for ``person``, or a notice saying why not."""
    screen = open_post(ctx, person, kind)
    if isinstance(screen, Refusal):
        return notice_view(views.FRAMES[kind], screen.text)
    return views.post_modal(screen)


@modal_subcommand(views.SHARE, views.FRAMES[views.SHARE])
def share_view(ctx: BotContext, person: Person, rest: str) -> View:
    """``/collab share``: filled after the ack (``handlers.collab_command.fill_modal``)."""
    return post_view(ctx, person, views.SHARE)


@modal_subcommand(views.ASK, views.FRAMES[views.ASK])
def ask_view(ctx: BotContext, person: Person, rest: str) -> View:
    """``/collab ask``: filled after the ack (``handlers.collab_command.fill_modal``)."""
    return post_view(ctx, person, views.ASK)


#: Events that matter only in a peer channel.
CHANNEL_EVENTS = frozenset({"message", "member_joined_channel"})


def register_drop_others(app: App, ctx: BotContext) -> None:
    """Before the workspace gate: a message (or join) outside every peer channel is acknowledged and
    dropped on arrival: nothing is read, looked up beyond its channel id, recorded or logged. The
    channel check waits for the database like the gate does; when it cannot be reached the event
    gets the gate's answer (503, so Slack sends it again later), never a 500."""

    @app.middleware
    def drop_other_channels(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event = body.get("event") if body.get("type") == "event_callback" else None
        if isinstance(event, dict) and event.get("type") in CHANNEL_EVENTS:
            try:
                peer = waited(is_peer_channel, ctx.db, str(event.get("channel") or ""))
            except (SQLAlchemyError, TimeoutError):
                return event_unavailable(body)
            if not peer:
                return BoltResponse(status=200, body="")
        return next()


def register(app: App, ctx: BotContext) -> None:
    @app.event("message")
    def peer_message(event: dict[str, Any], context: BoltContext) -> None:
        """Counted when in a peer channel (never read or logged); any other channel's is dropped."""
        count_peer_message(ctx, person_of(context).workspace, event)

    @app.event("member_joined_channel")
    def joined(event: dict[str, Any], context: BoltContext) -> None:
        welcome_joiner(ctx, person_of(context).workspace, event, context.bot_user_id)

    for kind in views.KINDS:

        def opener(kind: str = kind) -> Any:
            def listener(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
                ack()
                _open(ctx, client, body["trigger_id"], person_of(context), kind)

            return listener

        app.shortcut(views.SHORTCUTS[kind])(opener())
        app.action(views.OPEN_ACTIONS[kind])(opener())

        def submitted(kind: str = kind) -> Any:
            def listener(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
                ref = parse(views.PostRef, view.get("private_metadata"))
                if ref is None or ref.kind != kind:
                    ack(response_action="update", view=notice_view(views.FRAMES[kind], views.STALE_FORM))
                    return
                form = PostForm(**views.read_form(view["state"]["values"]))
                outcome = submit_post(ctx, person_of(context), kind, str(view.get("id")), form, ref.team_id)
                ack_outcome(ack, views.FRAMES[kind], outcome, views.posted_view)
                if not isinstance(outcome, Invalid | Refusal):
                    post_to_peers(ctx, outcome)

            return listener

        app.view(views.CALLBACKS[kind])(once(ctx, submitted()))  # a double click is one post
