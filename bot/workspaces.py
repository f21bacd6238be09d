"""Workspaces: who is asking (workspace, user ID), which collaboratives a workspace holds, and
whether the app is still installed there.

* :func:`identify` resolves a request's workspace and user into a :class:`Visitor` (the person with
  their seats and roles in that workspace's collaboratives), or None when the workspace holds no
  collaborative: such a request gets a short answer and nothing else.
* :func:`adopt_collaboratives`: with one bot token, collaboratives whose file names no workspace
  belong to the token's workspace (``auth.test``); run at start (serve, run, scheduler, jobs run)
  and when a request from that workspace finds a collaborative loaded since.
* :func:`app_removed` / :func:`tokens_revoked`: ``app_uninstalled`` and ``tokens_revoked`` stop all
  sending to the workspace (its data is kept); installing the app again resumes it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.access import faculty_to_ask
from bot.context import BotContext
from storage.people import Person, find_person
from storage.workspaces import (
    Workspace,
    assign_unassigned,
    collaborative_ids_in,
    set_installed,
    unassigned_active_exist,
    unassigned_active_keys,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Visitor:
    """Who sent a request: the person in their workspace, and (when they are on no team) whom to ask."""

    person: Person
    collaborative_ids: tuple[int, ...]
    faculty: list[str] = field(default_factory=list)


def identify(ctx: BotContext, workspace: Workspace, user_id: str | None) -> Visitor | None:
    """The visitor, or None when ``workspace`` holds no collaborative (nothing else is read or written)."""
    if _unassigned_exist(ctx) and ctx.home_workspace() == workspace:
        # loaded since the bot started (also beside one that names this workspace)
        adopt_collaboratives(ctx)
    with ctx.db.reader() as session:
        ids = collaborative_ids_in(session, workspace)
    if not ids:
        return None
    with ctx.db.reader() as session:
        person = find_person(session, workspace, user_id or "")
        faculty = [] if person.known else faculty_to_ask(session, person)
    return Visitor(person, tuple(ids), faculty)


def _unassigned_exist(ctx: BotContext) -> bool:
    if ctx.oauth:
        return False
    with ctx.db.reader() as session:
        return unassigned_active_exist(session)


def adopt_collaboratives(ctx: BotContext) -> int:
    """With one bot token: collaboratives that name no workspace get the token's; the workspace is
    marked installed (its token works). In OAuth mode: a warning for each collaborative without one.

    Returns how many collaboratives were given a workspace. One ``auth.test`` per process.
    """
    if ctx.oauth:
        with ctx.db.reader() as session:
            keys = unassigned_active_keys(session)
        for key in keys:
            log.warning("collaborative %s names no workspace: with OAuth, add `workspace:` to its file", key)
        return 0
    home = ctx.home_workspace()
    if home is None or home.team_id is None:
        return 0
    with ctx.db.transaction() as session:
        count = assign_unassigned(session, home)
        set_installed(session, home.team_id, True, ctx.now())
    if count:
        log.info("%s collaborative(s) assigned to workspace %s", count, home.team_id)
    return count


def app_installed(ctx: BotContext, workspace: Workspace, org_wide: bool = False) -> None:
    """The app was installed (again) in the workspace, or the whole organisation: sending resumes."""
    slack_id = workspace.enterprise_id if org_wide else workspace.team_id
    if slack_id:
        with ctx.db.transaction() as session:
            set_installed(session, slack_id, True, ctx.now())


def app_removed(ctx: BotContext, workspace: Workspace, org_wide: bool = False) -> None:
    """``app_uninstalled``: nothing more is sent to the workspace (or organisation); its data stays."""
    slack_id = workspace.enterprise_id if org_wide else workspace.team_id
    if slack_id:
        with ctx.db.transaction() as session:
            set_installed(session, slack_id, False, ctx.now())
        log.warning("the app was removed from %s: nothing is sent there until it is reinstalled", slack_id)


def tokens_revoked(
    ctx: BotContext, workspace: Workspace, bot_user_ids: Sequence[str], org_wide: bool = False
) -> None:
    """``tokens_revoked``: a revoked bot token stops all sending there (user tokens are not used)."""
    if bot_user_ids:
        app_removed(ctx, workspace, org_wide)
