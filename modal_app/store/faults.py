"""Database faults that mean "writes cannot succeed right now": a read-only file, a full disk, I/O errors,
a database server that is restarting or out of reach.

``storage_fault(error)`` classifies an exception (SQLite result codes, PostgreSQL SQLSTATEs); the API
answers such errors with 503 and Retry-After instead of a bare 500. ``StorageFaults`` logs an outage once
when it starts and once when writes work again, however many requests meet it in between.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

READ_ONLY, FULL, IO_ERROR = "read-only", "full", "io-error"
UNAVAILABLE = "unavailable"

MESSAGES = {
    READ_ONLY: "the server's database is read-only right now, so nothing can be saved; try again later",
    FULL: "the server's disk is full, so nothing can be saved; try again once space is freed",
    IO_ERROR: "the server cannot write its database right now (an I/O error); try again later",
    UNAVAILABLE: "the server's database is out of reach for a moment (restarting or busy); try again shortly",
}

# Seconds a client should wait before trying again: a full disk or a read-only mount is seldom fixed
# sooner; a restarting database server is back within seconds.
RETRY_AFTER = {READ_ONLY: 30, FULL: 30, IO_ERROR: 30, UNAVAILABLE: 2}

# https://www.sqlite.org/rescode.html (extended codes share the primary code's prefix)
_SQLITE_PREFIXES = (("SQLITE_READONLY", READ_ONLY), ("SQLITE_FULL", FULL), ("SQLITE_IOERR", IO_ERROR))
# https://www.postgresql.org/docs/current/errcodes-appendix.html
_PG_STATES = {"25006": READ_ONLY, "53100": FULL, "58030": IO_ERROR}
# Class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
# connections), 40001/40P01 (serialization failure, deadlock: the statement may simply be tried again).
_PG_UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01")


def _connection_lost(error: BaseException, original: BaseException | None) -> bool:
    """SQLAlchemy marks errors that broke the connection; psycopg's OperationalError without a SQLSTATE is
    a refused or dropped connection (no server answered)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return type(original).__name__ == "OperationalError" and type(original).__module__.startswith("psycopg")


def storage_fault(error: BaseException) -> str | None:
    """READ_ONLY, FULL, IO_ERROR or UNAVAILABLE when ``error`` (or its cause) is such a database fault,
    else None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        original = current.orig if isinstance(current, DBAPIError) else current
        name = getattr(original, "sqlite_errorname", None)
        if isinstance(name, str):
            for prefix, kind in _SQLITE_PREFIXES:
                if name.startswith(prefix):
                    return kind
        state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
        if isinstance(state, str) and state in _PG_STATES:
            return _PG_STATES[state]
        if isinstance(state, str) and state.startswith(_PG_UNAVAILABLE):
            return UNAVAILABLE
        if state is None and _connection_lost(current, original):
            return UNAVAILABLE
        current = current.__cause__ or current.__context__
    return None


@dataclass
class StorageFaults:
    """The current outage, if any; thread-safe."""

    current: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def report(self, kind: str, error: BaseException) -> None:
        """A write failed with a fault of ``kind``: logged once per outage."""
        with self._lock:
            if self.current == kind:
                return
            self.current = kind
        log.error("database writes are failing (%s): %s; answering 503 until they work again", kind, error)

    def recovered(self) -> None:
        """A write succeeded: end the outage (logged once)."""
        if self.current is None:
            return
        with self._lock:
            kind, self.current = self.current, None
        if kind is not None:
            log.warning("database writes work again (after %s)", kind)
