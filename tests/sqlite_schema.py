"""The schema of a SQLite file as comparable data: two databases made different ways (alembic's migrations,
or ``create_all`` on an empty file) must read the same here. Column order is left out (``ALTER TABLE ADD
COLUMN`` appends, ``create_all`` follows the model), as is the SQL text of tables and indexes (alembic and
SQLAlchemy format it differently); everything else SQLite keeps is compared."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any


def _normal(sql: str | None) -> str:
    return re.sub(r"\s+", " ", (sql or "").replace('"', "")).strip().upper()


def sqlite_schema(path: Path) -> dict[str, Any]:
    """{name: description} of every table, index, view, trigger and virtual table in the file at ``path``."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT name, type, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        schema: dict[str, Any] = {}
        for name, kind, table, sql in rows:
            if kind == "table" and not _normal(sql).startswith("CREATE VIRTUAL"):
                columns = sorted(tuple(row[1:]) for row in connection.execute(f"PRAGMA table_info('{name}')"))
                keys = sorted(tuple(row[2:]) for row in connection.execute(f"PRAGMA foreign_key_list('{name}')"))
                implicit = sorted(  # UNIQUE and PRIMARY KEY constraints: (unique, origin, partial, columns)
                    (row[2], row[3], row[4], _index_columns(connection, row[1]))
                    for row in connection.execute(f"PRAGMA index_list('{name}')")
                    if row[1].startswith("sqlite_autoindex")
                )
                autoincrement = "AUTOINCREMENT" in _normal(sql)
                schema[name] = ("table", columns, keys, implicit, autoincrement)
            elif kind == "index":
                unique = next(row[2] for row in connection.execute(f"PRAGMA index_list('{table}')") if row[1] == name)
                where = _normal(sql).split(" WHERE ", 1)[1] if " WHERE " in _normal(sql) else ""
                schema[name] = ("index", table, unique, _index_columns(connection, name), where)
            else:  # triggers, views and virtual tables: their SQL is what they are
                schema[name] = (kind, table, _normal(sql))
        return schema
    finally:
        connection.close()


def _index_columns(connection: sqlite3.Connection, index: str) -> tuple[str, ...]:
    return tuple(row[2] for row in connection.execute(f"PRAGMA index_info('{index}')"))
