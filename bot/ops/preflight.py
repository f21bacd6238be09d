"""Checks a command makes before it starts: is the database there and current, is ``--out`` usable?

Each problem is one line for the person at the command line (:class:`Unusable`, exit code 1), said
before any work is done, so a typo in ``DATABASE_URL`` never leaves a new empty database behind
and a bad ``--out`` never ends in a traceback.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import backend_name, normalise_url
from storage.migrate import is_current


class Unusable(Exception):
    """The command cannot start; the message says why and what to do."""


class Needs(StrEnum):
    """What a command needs of the database."""

    NOTHING = "nothing"  # manifest, demo
    CREATES = "creates"  # db upgrade: a new SQLite file (and its folder) is made on purpose
    MIGRATES = "migrates"  # run, serve, load, scheduler: SQLite is created/migrated; the folder must exist
    EXISTING = "existing"  # everything else: a database that exists and is up to date


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    if backend_name(url) != "sqlite":
        return None
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _shown(url: str) -> str:
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def check_database(url: str, needs: Needs, *, migrates_itself: bool = False) -> None:
    """Raise :class:`Unusable` when the database cannot serve a command that ``needs`` it so.

    ``migrates_itself``: the command brings any database up to date (``scheduler``), so an old
    schema is not a problem. Connection failures surface as SQLAlchemy errors (one line too).
    """
    if needs == Needs.NOTHING:
        return
    path = sqlite_path(url)
    if path is not None:
        if needs == Needs.CREATES:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise Unusable(f"cannot create the folder {path.parent}: {exc.strerror or exc}.") from None
            return
        if not path.parent.is_dir():
            raise Unusable(
                f"the folder of the SQLite database {url} does not exist ({path.parent}): check "
                "DATABASE_URL, or run `collab-bot db upgrade` to create a new database there."
            )
        if needs == Needs.MIGRATES:
            return  # the command creates or migrates the file itself
        if not path.is_file():
            raise Unusable(
                f"there is no database at {path}: check DATABASE_URL, or run `collab-bot db upgrade` "
                "to create one there."
            )
    if needs == Needs.CREATES or migrates_itself:
        return
    if not is_current(url):
        raise Unusable(
            f"the database at {_shown(url)} has no tables yet (or an old schema): "
            "run `collab-bot db upgrade`, then `collab-bot load FILE`."
        )


def output_folder(out: str | os.PathLike[str]) -> Path:
    """``out`` as a folder that exists (created if needed) and can be written to."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise Unusable(f"--out {folder} is a file, not a folder: give a folder (it is created if needed).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Unusable(f"cannot create the folder {folder}: {exc.strerror or exc}.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Unusable(f"cannot write to the folder {folder}: permission denied.")
    return folder


def write_problem(out: str | os.PathLike[str], exc: OSError) -> Unusable:
    """A write into ``out`` failed half-way (disk full, permissions changed): one line."""
    where = exc.filename or out
    return Unusable(f"cannot write to {where}: {exc.strerror or exc}.")
