"""Opening the local cache database: SQLite in WAL mode, migrated to the newest schema with alembic."""

from __future__ import annotations

import logging
import threading
from importlib.resources import files
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text

log = logging.getLogger(__name__)

DB_FILENAME = "amethyst.db"


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
    config.set_main_option("script_location", str(files("app.models") / "migrations"))
    config.attributes["engine"] = engine
    return config


def head_revisions(engine: Engine) -> set[str]:
    """The newest revision(s); one, since every area's revision continues the single line of history."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config(engine)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


# Alembic keeps the running migration's context in module globals (``alembic.context``, ``alembic.op``), so
# two migrations in one process must never overlap: the cache database's and the embedded Studio API's
# (services/studio/embedded.py) both run under this lock, whichever thread opens them first.
SCHEMA_LOCK = threading.RLock()


def migrate(engine: Engine) -> None:
    """Bring the schema to the head revision; an empty file and an older schema both upgrade."""
    from alembic import command

    with SCHEMA_LOCK:
        if current_revisions(engine) == head_revisions(engine):
            return
        log.info("migrating the cache database to %s", sorted(head_revisions(engine)))
        command.upgrade(_alembic_config(engine), "head")


def open_engine(path: Path) -> Engine:
    """The cache database at ``path``, created or upgraded to the newest schema."""
    engine = create_sqlite_engine(path)
    migrate(engine)
    return engine
