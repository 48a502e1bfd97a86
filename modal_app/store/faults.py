"""Database faults that mean "writes cannot succeed right now": a read-only file, a full disk, I/O errors.

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

MESSAGES = {
    READ_ONLY: "the server's database is read-only right now, so nothing can be saved; try again later",
    FULL: "the server's disk is full, so nothing can be saved; try again once space is freed",
    IO_ERROR: "the server cannot write its database right now (an I/O error); try again later",
}

# https://www.sqlite.org/rescode.html (extended codes share the primary code's prefix)
_SQLITE_PREFIXES = (("SQLITE_READONLY", READ_ONLY), ("SQLITE_FULL", FULL), ("SQLITE_IOERR", IO_ERROR))
# https://www.postgresql.org/docs/current/errcodes-appendix.html
_PG_STATES = {"25006": READ_ONLY, "53100": FULL, "58030": IO_ERROR}


def storage_fault(error: BaseException) -> str | None:
    """READ_ONLY, FULL or IO_ERROR when ``error`` (or its cause) is such a database fault, else None."""
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
