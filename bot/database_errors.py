"""Database failures as one line for the person at the command line: what is wrong, what to run."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError


def database_problem(exc: SQLAlchemyError, url: str) -> str:
    """One line saying what is wrong with the database and what to do, with no password in it."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is still worth naming
        shown = "DATABASE_URL"
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = cause[0].strip() if cause else type(exc).__name__
    if "no such table" in first or "UndefinedTable" in type(getattr(exc, "orig", None)).__name__:
        return (
            f"the database at {shown} has no tables yet (or an old schema): "
            "run `collab-bot db upgrade`, then `collab-bot load FILE`."
        )
    return f"cannot use the database at {shown}: {first}. Check DATABASE_URL and that the server is running."
