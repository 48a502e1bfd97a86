"""Opening the server database (SQLite or Postgres) and migrating it with alembic (a new SQLite file is made
in one step: ``migrate``).

Two session factories: ``reads`` for plain reads, ``writes`` for check-then-act transactions. On SQLite
the latter begins with ``BEGIN IMMEDIATE`` so concurrent writers (threads or worker processes) are
serialized before they read; on Postgres the services lock the account row with ``FOR UPDATE``.
``single_reads`` is for one SELECT on its own (a status poll, a token): on Postgres it runs in autocommit,
which spares the BEGIN and ROLLBACK round trips a transaction around one statement costs; on SQLite it
sends no BEGIN (the statement is its own implicit transaction).

An existing SQLite file is checked before use (``PRAGMA quick_check``): a corrupt or empty file stops the
start with ``StoreCorrupt`` and is left as it is, never replaced by a new database.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from modal_app.store.faults import StorageFaults
from modal_app.store.schema import create_fresh, current_revisions, script_heads

log = logging.getLogger(__name__)

_BEGIN_OPTION = "amethyst_sqlite_begin"


@dataclass
class Store:
    engine: Engine
    reads: sessionmaker[Session]
    writes: sessionmaker[Session]
    single_reads: Engine
    faults: StorageFaults = field(default_factory=StorageFaults)

    def close(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True)
class PoolSettings:
    """Connection pool of one server process (Postgres only; SQLite files need no pool).

    ``size`` connections are kept open, ``overflow`` more may be opened under load; a request that finds
    all of them busy waits ``timeout`` seconds and is then answered 503 (sqlalchemy.exc.TimeoutError).
    ``connect_timeout`` bounds a new connection (a database that is down is a 503, not a hang) and
    ``statement_timeout`` (seconds, 0 = none) any one statement. With N processes the database sees up to
    N x (size + overflow) + N listener connections: keep that under its ``max_connections``.
    """

    size: int = 5
    overflow: int = 5
    timeout: float = 10.0
    connect_timeout: float = 5.0
    statement_timeout: float = 30.0


def normalize_url(url: str) -> str:
    """Postgres URLs as hosting services print them (``postgres://``, ``postgresql://``) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_postgres(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "postgresql"


def create_server_engine(url: str, pool: PoolSettings | None = None) -> Engine:
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        pool = pool or PoolSettings()
        connect_args: dict[str, Any] = {}
        if make_url(url).get_driver_name() == "psycopg":
            connect_args["connect_timeout"] = max(1, round(pool.connect_timeout))
            if pool.statement_timeout > 0:
                connect_args["options"] = f"-c statement_timeout={round(pool.statement_timeout * 1000)}"
        engine = create_engine(
            url, pool_size=pool.size, max_overflow=pool.overflow, pool_timeout=pool.timeout, connect_args=connect_args
        )
        _ping_idle_connections(engine)
        return engine
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
        if mode:  # "": a single read, its own implicit transaction (see open_store)
            connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


# A pooled connection unused for longer than this is tried with a round trip before it is handed out (a
# database restart, or a hosted proxy's idle timeout, closes connections silently); one in steady use is
# not, which spares every request that round trip (SQLAlchemy's pool_pre_ping pings on every checkout). A
# connection that breaks anyway fails its request with a 503, and SQLAlchemy then renews the whole pool.
IDLE_PING_S = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as error:
            # The pool drops this connection and checks out another (SQLAlchemy's documented way).
            raise DisconnectionError("a pooled connection was closed by the database") from error


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


# Any fixed 64-bit number: server processes starting together on one Postgres database migrate in turn.
_MIGRATION_LOCK = 0x616D657468797374


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (an empty database and an older one both upgrade).

    Up to date: nothing, and alembic is not imported (the heads are read from the migration files). A new
    SQLite file: every table made in one step from the models and stamped at the head (``create_fresh``,
    under SQLite's write lock; a test checks it equals the migrated schema). Otherwise alembic upgrades.
    On Postgres the check and the upgrade run in one transaction holding an advisory lock, so several
    workers starting at once do not race to create the same tables; the later ones find it done.
    """
    heads = script_heads(MIGRATIONS / "versions")
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            current = current_revisions(connection)
        if current == heads:
            return
        if not current:
            from modal_app.billing import tables as _billing_tables  # noqa: F401  every table on Base.metadata
            from modal_app.builder import models as _builder_models  # noqa: F401
            from modal_app.store.models import Base

            with engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}).begin() as connection:
                if create_fresh(connection, Base.metadata, heads):
                    log.info("created the server database at %s", sorted(heads))
                    return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        if current_revisions(connection) == heads:
            return
        from alembic import command

        log.info("migrating the server database to %s", sorted(heads))
        config = _alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


class StoreCorrupt(RuntimeError):
    """The existing database file cannot be used; the message says which file and what to do."""


def check_sqlite_file(url: str) -> None:
    """Refuse an existing SQLite file that is empty or fails ``PRAGMA quick_check`` (raises StoreCorrupt).

    A missing file is fine (a new database is made). A zero-length file is refused, not treated as a new
    database: it usually means a copy or a disk went wrong, and starting over would hide that.
    """
    database = make_url(url).database
    if not url.startswith("sqlite") or not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        return
    advice = "it was left untouched; restore it from a backup, or move it away to start with an empty database"
    if path.stat().st_size == 0:
        raise StoreCorrupt(f"the database file {path} is empty (0 bytes); {advice}")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise StoreCorrupt(f"the database file {path} cannot be read ({error}); {advice}") from error
    if rows != ["ok"]:
        raise StoreCorrupt(f"the database file {path} is damaged ({'; '.join(map(str, rows))}); {advice}")


def open_store(url: str, pool: PoolSettings | None = None) -> Store:
    """Check (SQLite), open and migrate the database; raises StoreCorrupt for a damaged SQLite file."""
    url = normalize_url(url)
    check_sqlite_file(url)
    engine = create_server_engine(url, pool)
    migrate(engine)
    writer = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
    store = Store(
        engine=engine,
        reads=sessionmaker(engine, expire_on_commit=False),
        writes=sessionmaker(writer, expire_on_commit=False),
        # One statement needs no transaction around it: SQLite runs it in an implicit one of its own (no
        # BEGIN statement), Postgres in autocommit (no BEGIN and ROLLBACK round trips).
        single_reads=engine.execution_options(**{_BEGIN_OPTION: ""})
        if engine.dialect.name == "sqlite"
        else engine.execution_options(isolation_level="AUTOCOMMIT"),
    )
    # Any committed transaction proves writes work again after an outage.
    event.listen(engine, "commit", lambda _connection: store.faults.recovered())
    return store
