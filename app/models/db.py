"""Opening the local cache database: SQLite in WAL mode, at the newest schema (made in one step when new,
migrated with alembic when older)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from modal_app.store.schema import create_fresh, is_empty, script_heads
from modal_app.store.schema import current_revisions as stamped_revisions

log = logging.getLogger(__name__)

DB_FILENAME = "amethyst.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_sqlite_engine(path: Path) -> Engine:
    """An engine on the SQLite file at ``path`` with WAL, foreign keys and a busy timeout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 15, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revisions(engine: Engine | None = None) -> set[str]:
    """The newest revision(s), read from the migration files without importing alembic (~100 ms); one, since
    every area's revision continues the single line of history. ``engine`` is not used (kept for callers)."""
    return script_heads(MIGRATIONS / "versions")


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return stamped_revisions(connection)


# Alembic keeps the running migration's context in module globals (``alembic.context``, ``alembic.op``), so
# two migrations in one process must never overlap: the cache database's and the embedded Studio API's
# (services/studio/embedded.py) both run under this lock, whichever thread opens them first.
SCHEMA_LOCK = threading.RLock()


def migrate(engine: Engine) -> None:
    """Bring the schema to the head revision; an empty file and an older schema both upgrade.

    Up to date: nothing (alembic is not even imported). A new empty file: every table made in one step from
    the models and stamped at the head (``create_fresh``: what the migrations would make, which a test
    checks). An older schema: alembic's upgrade."""
    with SCHEMA_LOCK:
        heads = head_revisions()
        with engine.connect() as connection:
            current = stamped_revisions(connection)
            if current == heads:
                return
            if not current and is_empty(connection):
                import app.models  # noqa: F401  every table registered on Base.metadata
                from app.models.base import Base

                connection.rollback()  # pysqlite began nothing; the write lock is taken from the start:
                with connection.begin():
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                    if create_fresh(connection, Base.metadata, heads):
                        log.info("created the cache database at %s", sorted(heads))
                        return
        from alembic import command

        log.info("migrating the cache database to %s", sorted(heads))
        command.upgrade(_alembic_config(engine), "head")


def open_engine(path: Path) -> Engine:
    """The cache database at ``path``, created or upgraded to the newest schema."""
    engine = create_sqlite_engine(path)
    migrate(engine)
    return engine
