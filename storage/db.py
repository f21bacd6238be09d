"""Engine and transaction handling: the one door to the database.

SQLite gets foreign keys, WAL and a busy timeout on every connection; PostgreSQL URLs are
pointed at the psycopg 3 driver, with a connect timeout, a statement timeout and a TCP timeout so a
database that is down or never answers fails a request within seconds instead of holding it.
Connections are pooled and checked before use, so the service recovers by itself when the database
returns. Everything else in ``storage/`` works on a ``Session`` taken
from :meth:`Database.transaction`, which commits on success and rolls back on any error, so a
change is applied fully or not at all.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

SUPPORTED_BACKENDS = ("sqlite", "postgresql")

#: PostgreSQL: seconds to wait for a connection (libpq ``connect_timeout``).
CONNECT_TIMEOUT_S = 5
#: PostgreSQL: the longest one statement may run (server-side ``statement_timeout``).
STATEMENT_TIMEOUT_MS = 10_000
#: PostgreSQL: how long sent data may stay unacknowledged before the connection is dropped
#: (``tcp_user_timeout``): a server that accepted the connection and then went silent.
TCP_USER_TIMEOUT_MS = 10_000
#: Seconds to wait for a pooled connection when every one is in use.
POOL_TIMEOUT_S = 5
#: SQLite: how long a writer waits for another writer's lock (``busy_timeout``).
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: PostgreSQL pool per process: kept connections and extra ones under bursts.
POOL_SIZE = 5
MAX_OVERFLOW = 10


Row = TypeVar("Row", bound=DeclarativeBase)


def locked_or_new(session: Session, model: type[Row], **keys: Any) -> tuple[Row, bool]:
    """The row of ``model`` with these key values, locked for update, or a new one added to the
    session; True when it was there already. Two first writers racing meet the unique constraint."""
    row = session.scalar(select(model).filter_by(**keys).with_for_update())
    if row is not None:
        return row, True
    row = model(**keys)
    session.add(row)
    return row, False


def postgres_connect_args() -> dict[str, Any]:
    """libpq settings for every PostgreSQL connection (timeouts and TCP keepalives)."""
    return {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }


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
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine whose errors never quote bound values (they can be free text typed by users)."""
    url = normalise_url(url)
    if backend_name(url) == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        connect_args=postgres_connect_args(),
        pool_pre_ping=True,  # a connection the server dropped (restart) is replaced, not used
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_timeout=POOL_TIMEOUT_S,
        hide_parameters=True,
    )


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
        self._ping_lock = threading.Lock()
        self._ping: Future[bool] | None = None
        self._pinger: ThreadPoolExecutor | None = None

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

    def ping_within(self, seconds: float) -> bool:
        """:meth:`ping`, but answer False after ``seconds`` (a database that never answers).

        One ping runs at a time: callers arriving while it runs share its answer, so a silent
        database does not pile up waiting threads (each ping ends within the connect timeout).
        """
        with self._ping_lock:
            if self._pinger is None:
                self._pinger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-ping")
            if self._ping is None or self._ping.done():
                self._ping = self._pinger.submit(self.ping)
            running = self._ping
        try:
            return running.result(timeout=seconds)
        except FutureTimeout:
            return False

    def dispose(self) -> None:
        with self._ping_lock:
            if self._pinger is not None:
                self._pinger.shutdown(wait=False)
                self._pinger = None
        self.engine.dispose()
