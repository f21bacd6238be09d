"""``/collab score [team]``, the "Score a team" button (App Home, the digest thread) and the scoring
form: thin listeners over ``bot.scores.service``. Members get a plain refusal (``bot.access``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_never

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.access import Action, collaboratives_where, refused
from bot.context import BotContext
from bot.results import Refusal
from bot.scores.service import NOT_ALLOWED, ScoreScreen, score_screen, submit_score
from bot.scores.views import (
    ACTION_MONTH,
    ACTION_OPEN,
    ACTION_TEAM,
    CALLBACK,
    FRAME,
    STALE_FORM,
    ScoreRef,
    read_choice,
    read_score,
    saved_view,
    score_modal,
)
from bot.slack.modals import loading_view, notice_view
from bot.slack.payloads import parse, parse_id
from handlers.collab_command import modal_subcommand
from handlers.gate import person_of
from handlers.submissions import ack_outcome, once
from storage.people import Person


def screen_view(screen: ScoreScreen | Refusal, draft: tuple[str | None, str | None] = (None, None)) -> View:
    match screen:
        case Refusal(text):
            return notice_view(FRAME, text)
        case ScoreScreen():
            return score_modal(screen, draft)
        case _:
            assert_never(screen)


def _open(client: WebClient, trigger_id: str, build: Callable[[], View]) -> None:
    """Open a loading modal at once (the trigger id expires in 3 seconds), then fill it."""
    opened = client.views_open(trigger_id=trigger_id, view=loading_view(FRAME))["view"]
    client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=build())


@modal_subcommand("score", FRAME)
def score_command(ctx: BotContext, person: Person, rest: str) -> View:
    """``/collab score [team]``: filled after the ack (``handlers.collab_command.fill_modal``);
    a member gets the plain refusal in place of the loading modal."""
    if not collaboratives_where(person, Action.SCORE):
        refused(person, Action.SCORE)
        return notice_view(FRAME, NOT_ALLOWED)
    return screen_view(score_screen(ctx, person, rest))


def register(app: App, ctx: BotContext) -> None:
    @app.action(ACTION_OPEN)
    def score_open(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        person, team_id = person_of(context), parse_id(action.get("value"))
        _open(client, body["trigger_id"], lambda: screen_view(score_screen(ctx, person, team_id)))

    def redraw(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """A team or month was picked: the form again with that team's figures for that month."""
        ack()
        view = body.get("view") or {}
        meta = parse(ScoreRef, view.get("private_metadata"))
        if meta is None or not view.get("id"):
            return
        values = (view.get("state") or {}).get("values") or {}
        team_id, period = read_choice(values, meta)
        screen = score_screen(ctx, person_of(context), team_id, period)
        draft = read_score(values)  # what was already typed stays
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=screen_view(screen, draft))

    app.action(ACTION_TEAM)(redraw)
    app.action(ACTION_MONTH)(redraw)

    def score_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        meta = parse(ScoreRef, view.get("private_metadata"))
        if meta is None:
            ack(response_action="update", view=notice_view(FRAME, STALE_FORM))
            return
        values = view["state"]["values"]
        team_id, period = read_choice(values, meta)
        raw_score, reason = read_score(values)
        outcome = submit_score(ctx, person_of(context), team_id, period, raw_score, reason)
        ack_outcome(ack, FRAME, outcome, saved_view)

    app.view(CALLBACK)(once(ctx, score_submitted))  # a double click saves once
