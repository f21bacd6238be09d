"""The clock's leadership lock: only one clock process runs scheduled jobs per database.

On PostgreSQL the lock is a session-level advisory lock (``pg_try_advisory_lock``) held on a
dedicated, unpooled connection. It is released when the holder calls :meth:`ClockLock.release`
or when its connection ends for any reason (process killed, host lost), so a waiting clock takes
over on its next try.

On SQLite only one clock may run at all: the lock is an exclusive ``flock`` on a lock file next
to the database (``collab.db.clock-lock``), which the kernel releases when the holding process
ends however it ends. A second clock does not wait for it but refuses to start
(:meth:`ClockLock.busy_message` says why). An in-memory SQLite database has no file: its lock is
always granted.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.db import backend_name, normalise_url

log = logging.getLogger(__name__)

#: An arbitrary, fixed 64-bit key naming "the collab-bot clock" among advisory locks.
CLOCK_LOCK_KEY = 7_240_513_001


def lock_file_for(url: str) -> Path | None:
    """The lock file next to a SQLite database file (None for in-memory SQLite)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database + ".clock-lock")


class ClockLock:
    """``try_acquire()`` once leading; ``still_held()`` to check; ``release()`` on the way out."""

    def __init__(self, url: str, key: int = CLOCK_LOCK_KEY) -> None:
        self.url = normalise_url(url)
        self.key = key
        self.single_process = backend_name(self.url) != "postgresql"
        self._engine = (
            None if self.single_process else create_engine(self.url, poolclass=NullPool, hide_parameters=True)
        )
        self._conn: Connection | None = None
        self._held = False
        self.lock_file = lock_file_for(self.url) if self.single_process else None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._held

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never blocks."""
        if self._held:
            return True
        if self.single_process:
            self._held = self._lock_file()
            return self._held
        assert self._engine is not None
        try:
            conn = self._engine.connect()
        except Exception as exc:  # noqa: BLE001 - the database is down: try again later
            log.warning("clock lock: database not reachable (%s)", type(exc).__name__)
            return False
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            conn.commit()
        except Exception as exc:  # noqa: BLE001
            log.warning("clock lock: could not ask for the lock (%s)", type(exc).__name__)
            conn.close()
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        self._held = True
        return True

    def still_held(self) -> bool:
        """False once the lock's connection is gone (then another clock may already lead)."""
        if not self._held:
            return False
        if self.single_process or self._conn is None:
            return True
        try:
            self._conn.execute(text("SELECT 1")).scalar()
            self._conn.commit()
            return True
        except Exception as exc:  # noqa: BLE001 - any failure means the session (and lock) is gone
            log.warning("clock lock: lost the lock's connection (%s)", type(exc).__name__)
            self._drop()
            return False

    def backend_pid(self) -> int | None:
        """The PostgreSQL backend holding the lock (tests use it to simulate a dead clock)."""
        if self._conn is None:
            return None
        pid = self._conn.execute(text("SELECT pg_backend_pid()")).scalar()
        self._conn.commit()
        return int(pid) if pid is not None else None

    def _lock_file(self) -> bool:
        if self.lock_file is None:
            return True
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def busy_message(self) -> str:
        """Why a second clock on this SQLite database refuses to start."""
        holder = ""
        if self.lock_file is not None and self.lock_file.exists():
            pid = self.lock_file.read_text().strip()
            holder = f" (process {pid} holds {self.lock_file})" if pid else f" ({self.lock_file} is locked)"
        return (
            f"another clock is already running against this SQLite database{holder}. "
            "Run one `collab-bot scheduler` (or `collab-bot run`) per SQLite database; "
            "use PostgreSQL to run a standby clock."
        )

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
            except Exception:  # noqa: BLE001, S110 - closing the connection releases it anyway
                pass
        self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001, S110
                pass
        self._conn = None
        self._held = False

    def dispose(self) -> None:
        self.release()
        if self._engine is not None:
            self._engine.dispose()
