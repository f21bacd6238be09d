"""``/pdsa`` and its buttons and modals: thin listeners that hand plain data to ``bot.pdsa.service``
and turn what it answers into a view.

Every entry point acks at once and opens a modal straight away with the trigger id (a short
"Loading" view), then fills it with ``views.update``; work that talks to the database comes after.
Button values and modal metadata are parsed first (``bot.slack.payloads``); an unreadable one gets
an "out of date" notice and nothing else happens. When the database cannot be reached, the modal
says so (nothing was saved, try again in a minute); over a submitted form that notice is pushed,
so closing it goes back to what was typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, assert_never

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.home.publish import refresh_home
from bot.milestones.service import celebrate, cycle_celebrations
from bot.pdsa.cards import announce_cycle
from bot.pdsa.service import (
    CycleCompleted,
    CycleDetails,
    CyclePlanned,
    NotesSaved,
    Outcome,
    PlanScreen,
    Screen,
    StartScreen,
    UpdateScreen,
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
    FRAME,
    NEW_CALLBACK,
    STALE_BUTTON,
    STALE_FORM,
    UPDATE_CALLBACK,
    CycleRef,
    TeamRef,
    details_view,
    done_view,
    new_cycle_view,
    notes_saved_view,
    planned_view,
    read_plan_form,
    read_update_form,
    start_view,
    update_view,
)
from bot.results import Invalid, Refusal
from bot.slack.modals import loading_view, notice_view, unavailable_view
from bot.slack.payloads import Payload, parse, parse_id
from handlers.gate import Asker, asker_of, faculty_of, look_up_person, person_of
from handlers.submissions import once
from storage.people import Person

Action = dict[str, Any]
P = TypeVar("P", bound=Payload)
log = logging.getLogger(__name__)


def screen_view(screen: Screen) -> View:
    """The modal for each screen the service answers with."""
    match screen:
        case Refusal(text):
            return notice_view(FRAME, text)
        case StartScreen(teams, team, cycles):
            return start_view(teams, team, cycles)
        case PlanScreen(team, ideas, measures, draft):
            return new_cycle_view(team, ideas, measures, draft)
        case UpdateScreen(cycle):
            return update_view(cycle)
        case CycleDetails(cycle):
            return details_view(cycle)
        case _:
            assert_never(screen)


def outcome_view(outcome: Refusal | CyclePlanned | NotesSaved | CycleCompleted) -> View:
    """The modal that replaces a submitted form."""
    match outcome:
        case Refusal(text):
            return notice_view(FRAME, text)
        case CyclePlanned(cycle):
            return planned_view(cycle)
        case NotesSaved():
            return notes_saved_view()
        case CycleCompleted(cycle):
            return done_view(cycle)
        case _:
            assert_never(outcome)


# -- what each button carries -------------------------------------------------------------------------


def picked_team(action: Action) -> int | None:
    """The team picker's chosen team id."""
    return parse_id((action.get("selected_option") or {}).get("value"))


def team_button(action: Action) -> int | None:
    """ "Plan a new cycle": the team id."""
    return parse_id(action.get("value"))


def cycle_button(action: Action) -> int | None:
    """Update, Plan next cycle, Details: the cycle id."""
    ref = parse(CycleRef, action.get("value"))
    return ref.cycle_id if ref is not None else None


def _built(build: Callable[[], View]) -> View:
    """``build()``, or the "couldn't reach the database" notice when it could not read."""
    try:
        return build()
    except SQLAlchemyError as exc:
        log.warning("PDSA screen not read: %s", type(exc).__name__)
        return unavailable_view(FRAME)


def _show(client: WebClient, body: dict[str, Any], build: Callable[[], View]) -> None:
    """Replace the modal the action came from; from a message or the Home tab, open one first (trigger
    ids expire fast)."""
    view = body.get("view")
    if view and view.get("type", "modal") == "modal":
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=_built(build))
        return
    opened = client.views_open(trigger_id=body["trigger_id"], view=loading_view(FRAME))["view"]
    client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=_built(build))


def fill_start(
    ctx: BotContext,
    token: str | None,
    modal: tuple[str, str | None],
    asker: Asker,
) -> None:
    """After the ack (``bot.slack.background``): the start screen for ``asker`` (a person, or the
    workspace and user id still to look up) in ``modal`` (view id, hash)."""
    client = ctx.client_with(token) if token else ctx.client

    def build() -> View:
        person = look_up_person(ctx, asker)
        return screen_view(start_screen(ctx, person))

    view_id, view_hash = modal
    client.views_update(view_id=view_id, hash=view_hash, view=_built(build))


def after_submission(
    ctx: BotContext,
    token: str | None,
    outcome: CyclePlanned | NotesSaved | CycleCompleted,
    person: Person,
    faculty: list[str],
) -> None:
    """After a saved form's ack (``bot.slack.background``): the channel cards, any milestone, and
    the person's Home tab."""
    if isinstance(outcome, CyclePlanned | CycleCompleted):
        announce_cycle(ctx, outcome.cycle)
    if isinstance(outcome, CycleCompleted):
        celebrate(ctx, cycle_celebrations(ctx.db, outcome.cycle))
    refresh_home(ctx, ctx.client_with(token) if token else ctx.client, person, faculty)


def register(app: App, ctx: BotContext) -> None:
    @app.command("/pdsa")
    def pdsa_command(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        opened = client.views_open(trigger_id=command["trigger_id"], view=loading_view(FRAME))["view"]
        ctx.later(fill_start, context.bot_token, (opened["id"], opened.get("hash")), asker_of(context))

    def on_button(
        read: Callable[[Action], int | None], build: Callable[[BotContext, Person, int], Screen]
    ) -> Callable[..., None]:
        """A listener that reads the id the button carries, then shows ``build``'s screen for it."""

        def listener(
            ack: Ack, body: dict[str, Any], action: Action, client: WebClient, context: BoltContext
        ) -> None:
            ack()
            target, person = read(action), person_of(context)

            def view() -> View:
                if target is None:
                    return notice_view(FRAME, STALE_BUTTON)
                return screen_view(build(ctx, person, target))

            _show(client, body, view)

        return listener

    app.action(ACTION_TEAM)(on_button(picked_team, start_screen))
    app.action(ACTION_NEW)(on_button(team_button, new_cycle_screen))
    app.action(ACTION_OPEN)(on_button(cycle_button, update_screen))
    app.action(ACTION_NEXT)(on_button(cycle_button, next_cycle_screen))
    app.action(ACTION_DETAILS)(on_button(cycle_button, details_screen))

    def submitted(ack: Ack, submit: Callable[[], Outcome], client: WebClient, context: BoltContext) -> None:
        """Save, then answer; when the database could not be reached, push the notice over the form."""
        try:
            outcome = submit()
        except SQLAlchemyError as exc:
            log.warning("PDSA form not saved: %s", type(exc).__name__)
            ack(response_action="push", view=unavailable_view(FRAME, submitted=True))
            return
        answer(ack, outcome, client, context)

    def answer(ack: Ack, outcome: Outcome, client: WebClient, context: BoltContext) -> None:
        """Errors in place, or the next view; then the channel cards and the person's Home tab (after
        the ack)."""
        if isinstance(outcome, Invalid):
            ack(response_action="errors", errors=outcome.errors)
            return
        ack(response_action="update", view=outcome_view(outcome))
        if not isinstance(outcome, Refusal):
            person, faculty = person_of(context), faculty_of(context)
            ctx.later(after_submission, context.bot_token, outcome, person, faculty)

    def metadata(ack: Ack, view: dict[str, Any], model: type[P]) -> P | None:
        """The submitted modal's metadata; when it is unreadable, the modal says so and nothing is saved."""
        meta = parse(model, view.get("private_metadata"))
        if meta is None:
            ack(response_action="update", view=notice_view(FRAME, STALE_FORM))
        return meta

    def plan_submitted(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if (team := metadata(ack, view, TeamRef)) is not None:
            form = read_plan_form(view["state"]["values"])
            submitted(ack, lambda: submit_plan(ctx, person_of(context), team.team_id, form), client, context)

    def update_submitted(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if (cycle := metadata(ack, view, CycleRef)) is not None:
            form = read_update_form(view["state"]["values"])
            submitted(
                ack, lambda: submit_update(ctx, person_of(context), cycle.cycle_id, form), client, context
            )

    # A double click saves and posts once (``handlers.submissions``).
    app.view(NEW_CALLBACK)(once(ctx, plan_submitted))
    app.view(UPDATE_CALLBACK)(once(ctx, update_submitted))
