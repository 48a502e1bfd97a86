"""Real SQLite write faults on a running server's engine, switched on and off by a test.

``read_only()`` sets ``PRAGMA query_only`` on every connection (SQLite answers writes with
SQLITE_READONLY, "attempt to write a readonly database"); ``full()`` caps ``PRAGMA max_page_count`` at the
file's current size (a write that needs a new page gets SQLITE_FULL, "database or disk is full"), the
same result codes a read-only mount or a full disk give. ``clear()`` ends the fault. The pragmas are
per connection, so each pooled connection is brought up to date before its next statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

# SQLite's default maximum page count (https://www.sqlite.org/pragma.html#pragma_max_page_count).
DEFAULT_MAX_PAGES = 4294967294


class SqliteFaults:
    def __init__(self, engine: Engine) -> None:
        self.mode: str | None = None
        self._generation = 0
        event.listen(engine, "before_cursor_execute", self._apply)

    def read_only(self) -> None:
        self._set("read-only")

    def full(self) -> None:
        self._set("full")

    def clear(self) -> None:
        self._set(None)

    def _set(self, mode: str | None) -> None:
        self.mode = mode
        self._generation += 1

    def _apply(self, connection: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        info = connection.connection.info
        if info.get("faults_generation") == self._generation:
            return
        info["faults_generation"] = self._generation
        raw = connection.connection.dbapi_connection
        raw.execute(f"PRAGMA query_only = {1 if self.mode == 'read-only' else 0}")
        if self.mode == "full":
            pages = raw.execute("PRAGMA page_count").fetchone()[0]
            raw.execute(f"PRAGMA max_page_count = {pages}")
        else:
            raw.execute(f"PRAGMA max_page_count = {DEFAULT_MAX_PAGES}")
