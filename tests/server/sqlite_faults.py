"""Real SQLite write faults on a running server's engine, switched on and off by a test.

``read_only()`` sets ``PRAGMA query_only`` on every connection (SQLite answers writes with
SQLITE_READONLY, "attempt to write a readonly database"); ``full()`` caps ``PRAGMA max_page_count`` at the
file's current size (a write that needs a new page gets SQLITE_FULL, "database or disk is full"), the
same result codes a read-only mount or a full disk give. ``clear()`` ends the fault. The pragmas are
per connection, so each pooled connection is brought up to date before its next statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, text

# SQLite's default maximum page count (https://www.sqlite.org/pragma.html#pragma_max_page_count).
DEFAULT_MAX_PAGES = 4294967294
_GROWTH = "amethyst_fault_growth"  # the table and trigger ``full(finishing_grows=True)`` adds, dropped by clear()


class SqliteFaults:
    def __init__(self, engine: Engine) -> None:
        self.mode: str | None = None
        self._engine = engine
        self._generation = 0
        self._growth = False
        event.listen(engine, "before_cursor_execute", self._apply)

    def read_only(self) -> None:
        self._set("read-only")

    def full(self, finishing_grows: bool = False) -> None:
        """A full disk. With ``finishing_grows`` the write that finishes a job (its UPDATE to a final state)
        also needs new pages, as it did while result PNGs were stored in the database: since they are
        in the result storage, that write's rows fit in pages that have room and a capped file would
        not touch it. A trigger on that UPDATE stores a block larger than every free page, so SQLite itself
        answers that transaction (and any other that needs a page) with SQLITE_FULL."""
        if finishing_grows:
            with self._engine.begin() as connection:
                page_size = connection.execute(text("PRAGMA page_size")).scalar_one()
                free_pages = connection.execute(text("PRAGMA freelist_count")).scalar_one()
                block = (int(free_pages) + 16) * int(page_size)
                connection.execute(text(f"CREATE TABLE {_GROWTH} (block BLOB)"))
                connection.execute(
                    text(
                        f"CREATE TRIGGER {_GROWTH} AFTER UPDATE OF state ON image_jobs"
                        " WHEN NEW.state IN ('completed', 'failed', 'cancelled')"
                        f" BEGIN INSERT INTO {_GROWTH} (block) VALUES (zeroblob({block})); END"
                    )
                )
            self._growth = True
        self._set("full")

    def clear(self) -> None:
        self._set(None)
        if self._growth:
            with self._engine.begin() as connection:
                connection.execute(text(f"DROP TRIGGER {_GROWTH}"))
                connection.execute(text(f"DROP TABLE {_GROWTH}"))
            self._growth = False

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
