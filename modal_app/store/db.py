"""Opening the server database (SQLite or Postgres) and migrating it with alembic.

Two session factories: ``reads`` for plain reads, ``writes`` for check-then-act transactions. On SQLite
the latter begins with ``BEGIN IMMEDIATE`` so concurrent writers (threads or worker processes) are
serialized before they read; on Postgres the services lock the account row with ``FOR UPDATE``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_BEGIN_OPTION = "amethyst_sqlite_begin"


@dataclass
class Store:
    engine: Engine
    reads: sessionmaker[Session]
    writes: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def create_server_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so BEGIN IMMEDIATE is possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("modal_app") / "migrations"))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (an empty database and an older one both upgrade)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config(engine)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as connection:
        current: set[str] = set()
        if inspect(connection).has_table("alembic_version"):
            current = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    if current == heads:
        return
    log.info("migrating the server database to %s", sorted(heads))
    command.upgrade(config, "heads")


def open_store(url: str) -> Store:
    engine = create_server_engine(url)
    migrate(engine)
    writer = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
    return Store(
        engine=engine,
        reads=sessionmaker(engine, expire_on_commit=False),
        writes=sessionmaker(writer, expire_on_commit=False),
    )
