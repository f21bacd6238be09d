"""Engine and transaction handling: the one door to the database.

SQLite gets foreign keys, WAL and a busy timeout on every connection; PostgreSQL URLs are
pointed at the psycopg 3 driver. Everything else in ``storage/`` works on a ``Session`` taken
from :meth:`Database.transaction`, which commits on success and rolls back on any error, so a
change is applied fully or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def canonical_url(url: str) -> str:
    """``url`` with the ``postgres://`` alias (Heroku and others use it) spelled ``postgresql://``."""
    return "postgresql://" + url.removeprefix("postgres://") if url.startswith("postgres://") else url


def normalise_url(url: str) -> str:
    """Return ``url`` with PostgreSQL pointed at psycopg 3 (``postgres://`` is accepted too)."""
    parsed = make_url(canonical_url(url))
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def backend_name(url: str) -> str:
    return make_url(normalise_url(url)).get_backend_name()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine whose errors never quote bound values (they can be free text typed by users)."""
    url = normalise_url(url)
    if backend_name(url) == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)


def _refuse_writes(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor.execute("PRAGMA query_only=ON")
    else:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()
    cursor.close()


def read_only_database(url: str) -> Database:
    """A :class:`Database` whose every connection refuses writes (dry runs change nothing)."""
    db = Database(url)
    event.listen(db.engine, "connect", _refuse_writes)
    return db


def is_read_only_violation(exc: BaseException) -> bool:
    """The error a write gets from :func:`read_only_database` (SQLite or PostgreSQL)."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "25006":  # read_only_sql_transaction
        return True
    return "readonly database" in str(orig or exc)


class Database:
    """An engine plus a session factory; use ``with db.transaction() as session:``."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reads; it is rolled back at the end."""
        with self._sessions() as session:
            yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            return False

    def dispose(self) -> None:
        self.engine.dispose()
