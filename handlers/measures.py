"""``/measures [YYYY-MM]``, the "Report now" button, and the report modal's actions and submission.

Slack's 3-second rule: the command and the button ack, then open a small "loading" modal with the
trigger id at once; the form is built afterwards and swapped in with ``views.update``. When the
database cannot be reached after that, the loading modal says so (nothing was saved, try again);
a submitted form gets the same notice pushed over it, so what was typed is kept.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.format import escape
from bot.home.publish import refresh_home
from bot.measures.announce import announce_report
from bot.measures.rules import parse_period
from bot.measures.service import NeedsConfirmation, Saved, open_form, submit_report
from bot.measures.views import (
    CALLBACK_ID,
    FRAME,
    MONTH_ACTION,
    OPEN_ACTION,
    STALE,
    TEAM_ACTION,
    ModalRef,
    ReportTarget,
    error_blocks,
    modal_ref,
    read_submission,
    report_modal,
    selected_value,
)
from bot.milestones.service import celebrate, report_celebrations
from bot.results import Invalid, Refusal
from bot.slack.client import slack_error_code
from bot.slack.modals import loading_view, notice_view, unavailable_view
from bot.slack.payloads import parse, parse_id
from handlers.gate import Asker, asker_of, faculty_of, look_up_person, person_of
from handlers.submissions import once
from storage.people import Person

log = logging.getLogger(__name__)

BAD_MONTH = (
    "“{text}” isn't a month I understand. Use the form YYYY-MM, for example `/measures 2026-03`, "
    "or just `/measures` for last month."
)


def _update(client: WebClient, view_id: str, view_hash: str | None, view: View) -> None:
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as exc:  # e.g. hash_conflict: a newer choice already updated the modal
        log.info("measures modal not updated: %s", slack_error_code(exc))


def fill_form(
    ctx: BotContext,
    token: str | None,
    modal: tuple[str, str | None],
    asker: Asker,
    team_id: int | None,
    period: str | None,
) -> None:
    """After the ack (``bot.slack.background``): read the form for ``asker`` (a person, or the
    workspace and user id still to look up) and put it in ``modal`` (view id, hash)."""
    client = ctx.client_with(token) if token else ctx.client
    try:
        person = look_up_person(ctx, asker)
        form = open_form(ctx.db, person, ctx.now(), team_id=team_id, period=period)
    except SQLAlchemyError as exc:
        log.warning("measures form not read: %s", type(exc).__name__)
        _update(client, *modal, unavailable_view(FRAME))
        return
    view = notice_view(FRAME, form.text) if isinstance(form, Refusal) else report_modal(form)
    _update(client, *modal, view)


def after_report(
    ctx: BotContext, token: str | None, saved: Saved, person: Person, faculty: list[str]
) -> None:
    """After a saved report's ack (``bot.slack.background``): the channel note, the confirmation
    and the chart (through the ledger), any milestone, and the person's Home tab."""
    announce_report(ctx, saved)
    celebrate(ctx, report_celebrations(ctx.db, saved.team_id))
    refresh_home(ctx, ctx.client_with(token) if token else ctx.client, person, faculty)


def register(app: App, ctx: BotContext) -> None:
    update = _update

    def show_form(
        client: WebClient,
        view_id: str,
        view_hash: str | None,
        context: BoltContext,
        team_id: int | None,
        period: str | None,
    ) -> None:
        """Fill the modal off this thread; who is asking may still be to look up (``handlers.gate``)."""
        ctx.later(fill_form, context.bot_token, (view_id, view_hash), asker_of(context), team_id, period)

    def open_then_fill(
        client: WebClient,
        trigger_id: str,
        context: BoltContext,
        target: tuple[int | None, str | None] | None,
    ) -> None:
        """Open the loading modal, then the form for ``target`` (team, month), or say it is stale."""
        opened = client.views_open(trigger_id=trigger_id, view=loading_view(FRAME))
        view = opened["view"]
        if target is None:
            update(client, view["id"], view.get("hash"), notice_view(FRAME, STALE))
            return
        show_form(client, view["id"], view.get("hash"), context, *target)

    def modal_of(client: WebClient, body: dict[str, Any]) -> ModalRef | None:
        """The modal an action came from; when its metadata is unreadable it says so instead."""
        view = body.get("view")
        if not isinstance(view, dict) or not view.get("id"):
            return None  # a form's picker pressed outside its form: nothing to redraw
        ref = modal_ref(view)
        if ref is None:
            update(client, view["id"], view.get("hash"), notice_view(FRAME, STALE))
        return ref

    @app.command("/measures")
    def measures_command(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        period = parse_period(text) if text else None
        if text and period is None:
            ack(text=BAD_MONTH.format(text=escape(text[:40])), response_type="ephemeral")
            return
        ack()
        open_then_fill(client, command["trigger_id"], context, (None, period))

    @app.action(OPEN_ACTION)
    def report_now(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        target = parse(ReportTarget, action.get("value"))
        found = (target.team_id, target.period) if target is not None else None
        open_then_fill(client, body["trigger_id"], context, found)

    @app.action(TEAM_ACTION)
    def team_chosen(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        ref = modal_of(client, body)
        if ref is None:
            return
        team_id = parse_id(selected_value(action)) or ref.team_id
        show_form(client, ref.view_id, ref.view_hash, context, team_id, ref.period)

    @app.action(MONTH_ACTION)
    def month_chosen(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        ref = modal_of(client, body)
        if ref is None:
            return
        period = parse_period(selected_value(action) or "") or ref.period
        show_form(client, ref.view_id, ref.view_hash, context, ref.team_id, period)

    def report_submitted(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        submitted = read_submission(view)
        if submitted is None:
            ack(response_action="update", view=notice_view(FRAME, STALE))
            return
        try:
            outcome = submit_report(ctx.db, person_of(context), submitted, ctx.now())
        except SQLAlchemyError as exc:
            log.warning("measures not saved: %s", type(exc).__name__)
            ack(response_action="push", view=unavailable_view(FRAME, submitted=True))
            return
        if isinstance(outcome, Invalid):
            ack(
                response_action="errors",
                errors=error_blocks(outcome.errors, submitted.team_id, submitted.period, view),
            )
        elif isinstance(outcome, NeedsConfirmation):
            ack(response_action="update", view=report_modal(outcome.form))
        elif isinstance(outcome, Refusal):
            ack(response_action="update", view=notice_view(FRAME, outcome.text))
        else:
            ack()
            person, faculty = person_of(context), faculty_of(context)
            ctx.later(after_report, context.bot_token, outcome, person, faculty)

    app.view(CALLBACK_ID)(once(ctx, report_submitted))  # a double click saves and posts once
