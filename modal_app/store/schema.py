"""Alembic's bookkeeping without importing alembic, for the two cases every start meets: a database already
at the newest revision, and a new empty SQLite file.

Importing alembic costs ~100 ms of CPU (its DDL implementations for every dialect, mako, pygments), and
running every migration on a new file another 40–60 ms per database; the desktop did both on its first
start, twice (the cache database and the embedded Studio API's), before the Studio API answered. Here:

- ``script_heads`` reads the head revision(s) from the migration files' ``revision`` / ``down_revision``
  assignments (what alembic's ``ScriptDirectory.get_heads`` reports, which a test checks), so an up-to-date
  database is recognised without alembic;
- ``create_fresh`` builds an empty SQLite database in one transaction from the ORM metadata (plus the DDL the
  models declare for what SQLAlchemy does not model, e.g. FTS tables) and stamps it with the heads, exactly
  as ``alembic stamp`` would. Tests compare the result with a database migrated step by step.

Any other case (an older schema, Postgres) still goes through alembic.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import Connection, MetaData, inspect, text

from modal_app.pyparse import parse

# alembic.runtime.migration.MigrationContext's version table, as alembic creates it on SQLite.
VERSION_TABLE_DDL = (
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)


def _revisions(path: Path) -> tuple[str, tuple[str, ...]]:
    """(revision, down revisions) assigned at the top level of one migration file."""
    values: dict[str, object] = {}
    for node in parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
            values[target.id] = ast.literal_eval(value)
    revision = values.get("revision")
    if not isinstance(revision, str):
        raise ValueError(f"{path} assigns no revision id")
    down = values.get("down_revision")
    downs = (down,) if isinstance(down, str) else tuple(down) if isinstance(down, list | tuple) else ()
    return revision, tuple(str(item) for item in downs)


def script_heads(versions: Path) -> set[str]:
    """The head revisions of the migration scripts in the folder ``versions``: those no other revises.

    Raises ``ValueError`` for a migration file without a literal ``revision`` assignment."""
    revised: set[str] = set()
    revisions: set[str] = set()
    for path in versions.glob("*.py"):
        if path.name.startswith("_"):
            continue
        revision, downs = _revisions(path)
        revisions.add(revision)
        revised.update(downs)
    return revisions - revised


def current_revisions(connection: Connection) -> set[str]:
    """The revisions the database is stamped with (empty when it has no ``alembic_version`` table)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def is_empty(connection: Connection) -> bool:
    """Whether the database has no tables at all (a new file; SQLite's own tables aside)."""
    return not [name for name in inspect(connection).get_table_names() if not name.startswith("sqlite_")]


def create_fresh(connection: Connection, metadata: MetaData, heads: set[str]) -> bool:
    """When the SQLite database is still empty, create every table of ``metadata`` (with the DDL attached to
    its tables' create events) and stamp it at ``heads``, in the caller's transaction; returns whether it did.

    The caller's transaction must hold SQLite's write lock from its start (``BEGIN IMMEDIATE``): then two
    processes opening one new file take turns, and the second finds the tables made (and returns False).
    Raises ``ValueError`` on any database but SQLite."""
    if connection.dialect.name != "sqlite":
        raise ValueError("create_fresh builds SQLite databases only; others are migrated with alembic")
    if current_revisions(connection) or not is_empty(connection):
        return False
    metadata.create_all(connection)
    connection.execute(text(VERSION_TABLE_DDL))
    for head in sorted(heads):
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
    return True
