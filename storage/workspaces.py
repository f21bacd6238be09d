"""Which collaboratives a Slack workspace holds, and whether the bot may still send there.

A request belongs to a workspace (``team_id``) and, on Enterprise Grid, an organisation
(``enterprise_id``). A collaborative belongs to the request's workspace when its ``workspace`` is
the request's ``team_id``, or when its ``enterprise`` is the request's ``enterprise_id`` (user IDs
are org-wide on Grid). Everything that resolves a person is limited to these collaboratives.

``workspace_status`` remembers an uninstall (``app_uninstalled``, ``tokens_revoked``): nothing is
sent to that workspace (or organisation) until the app is installed again; its data is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, false, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Collaborative, WorkspaceStatus


@dataclass(frozen=True)
class Workspace:
    """Where a request came from: a workspace ``T…`` and, on Enterprise Grid, its organisation ``E…``."""

    team_id: str | None
    enterprise_id: str | None = None

    def __str__(self) -> str:
        """For logs: the IDs only."""
        return self.team_id or self.enterprise_id or "-"


def belongs_to(workspace: Workspace) -> ColumnElement[bool]:
    """SQL: this collaborative belongs to ``workspace`` (by workspace, or by Grid organisation)."""
    clauses: list[ColumnElement[bool]] = []
    if workspace.team_id:
        clauses.append(Collaborative.workspace == workspace.team_id)
    if workspace.enterprise_id:
        clauses.append(Collaborative.enterprise == workspace.enterprise_id)
    return or_(*clauses) if clauses else false()


def collaborative_ids_in(session: Session, workspace: Workspace) -> list[int]:
    """The active collaboratives of ``workspace``."""
    return list(
        session.scalars(
            select(Collaborative.id)
            .where(Collaborative.active.is_(True), belongs_to(workspace))
            .order_by(Collaborative.id)
        )
    )


def assign_unassigned(session: Session, workspace: Workspace) -> int:
    """Give collaboratives that name no workspace this one (a single-workspace install); returns how many.

    A collaborative that names another Grid organisation is left alone.
    """
    if not workspace.team_id:
        return 0
    fits: ColumnElement[bool] = Collaborative.enterprise.is_(None)
    if workspace.enterprise_id:
        fits = or_(fits, Collaborative.enterprise == workspace.enterprise_id)
    result = session.execute(
        update(Collaborative)
        .where(Collaborative.workspace.is_(None), fits)
        .values(workspace=workspace.team_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def unassigned_active_exist(session: Session) -> bool:
    """Whether an active collaborative names no workspace (one loaded since the bot started)."""
    found = session.scalar(
        select(Collaborative.id).where(Collaborative.workspace.is_(None), Collaborative.active.is_(True))
    )
    return found is not None


def unassigned_active_keys(session: Session) -> list[str]:
    """Keys of the active collaboratives that name neither a workspace nor a Grid organisation."""
    return list(
        session.scalars(
            select(Collaborative.key).where(
                Collaborative.workspace.is_(None),
                Collaborative.enterprise.is_(None),
                Collaborative.active.is_(True),
            )
        )
    )


def workspace_of(session: Session, collaborative_id: int) -> Workspace | None:
    """The workspace a collaborative lives in (None when it is gone)."""
    row = session.execute(
        select(Collaborative.workspace, Collaborative.enterprise).where(Collaborative.id == collaborative_id)
    ).one_or_none()
    return Workspace(row[0], row[1]) if row is not None else None


def set_installed(session: Session, slack_id: str, installed: bool, now: datetime) -> None:
    """Record that the app was installed in (or removed from) a workspace ``T…`` or organisation ``E…``."""
    row = session.get(WorkspaceStatus, slack_id)
    if row is None:
        session.add(WorkspaceStatus(slack_id=slack_id, installed=installed, changed_at=now))
    elif row.installed != installed:
        row.installed = installed
        row.changed_at = now


def sending_stopped(session: Session, workspace: Workspace) -> bool:
    """True when the app was removed from the workspace or its organisation (and not installed again)."""
    ids = [i for i in (workspace.team_id, workspace.enterprise_id) if i]
    if not ids:
        return False
    return (
        session.scalar(
            select(WorkspaceStatus.slack_id)
            .where(WorkspaceStatus.slack_id.in_(ids), WorkspaceStatus.installed.is_(False))
            .limit(1)
        )
        is not None
    )
