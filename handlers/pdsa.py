"""``/pdsa`` and its buttons and modals: thin listeners that hand plain data to ``bot.pdsa.service``.

Every entry point acks at once and opens a modal straight away with the trigger id (a short
"Loading" view), then fills it with ``views.update``; work that talks to the database comes after.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.context import BotContext
from bot.pdsa.cards import announce_cycle
from bot.pdsa.service import (
    Submission,
    details_screen,
    new_cycle_screen,
    next_cycle_screen,
    start_screen,
    submit_plan,
    submit_update,
    update_screen,
)
from bot.pdsa.views import (
    ACTION_DETAILS,
    ACTION_NEW,
    ACTION_NEXT,
    ACTION_OPEN,
    ACTION_TEAM,
    NEW_CALLBACK,
    UPDATE_CALLBACK,
    loading_view,
    notice_view,
    read_metadata,
    read_plan_form,
    read_update_form,
)


def _cycle_id(action: dict[str, Any]) -> int | None:
    try:
        value = json.loads(action.get("value") or "{}")
        return int(value["cycle_id"])
    except (ValueError, KeyError, TypeError):
        return None


def _show(client: WebClient, body: dict[str, Any], build: Callable[[], View]) -> None:
    """Replace the modal the action came from; from a message, open one first (trigger ids expire fast)."""
    view = body.get("view")
    if view:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=build())
        return
    opened = client.views_open(trigger_id=body["trigger_id"], view=loading_view())["view"]
    client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=build())


def register(app: App, ctx: BotContext) -> None:
    @app.command("/pdsa")
    def pdsa_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack()
        _show(client, {"trigger_id": command["trigger_id"]}, lambda: start_screen(ctx, command["user_id"]))

    @app.action(ACTION_TEAM)
    def pick_team(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id = int((action.get("selected_option") or {}).get("value") or 0)
        _show(client, body, lambda: start_screen(ctx, body["user"]["id"], team_id))

    @app.action(ACTION_NEW)
    def new_cycle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id = int(action.get("value") or 0)
        _show(client, body, lambda: new_cycle_screen(ctx, body["user"]["id"], team_id))

    def on_cycle(build: Callable[[BotContext, str, int], View]) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            ack()
            cycle_id = _cycle_id(action)
            user_id = body["user"]["id"]
            if cycle_id is None:
                _show(client, body, lambda: notice_view("That button is out of date. Try `/pdsa` again."))
                return
            _show(client, body, lambda: build(ctx, user_id, cycle_id))

        return listener

    app.action(ACTION_OPEN)(on_cycle(update_screen))
    app.action(ACTION_NEXT)(on_cycle(next_cycle_screen))
    app.action(ACTION_DETAILS)(on_cycle(details_screen))

    def answer(ack: Ack, result: Submission) -> None:
        """Errors in place, or the next screen; then the channel cards (after the ack)."""
        if result.errors:
            ack(response_action="errors", errors=result.errors)
            return
        ack(response_action="update", view=result.view)
        if result.cycle is not None:
            announce_cycle(ctx, result.cycle)

    @app.view(NEW_CALLBACK)
    def plan_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id = int(read_metadata(view).get("team_id") or 0)
        answer(ack, submit_plan(ctx, body["user"]["id"], team_id, read_plan_form(view["state"]["values"])))

    @app.view(UPDATE_CALLBACK)
    def update_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        cycle_id = int(read_metadata(view).get("cycle_id") or 0)
        form = read_update_form(view["state"]["values"])
        answer(ack, submit_update(ctx, body["user"]["id"], cycle_id, form))
