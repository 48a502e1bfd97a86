"""A new database is made in one step from the models (``create_fresh``) and must be exactly what alembic's
migrations make step by step; an up-to-date one is recognised without importing alembic. For both the cache
database and the embedded Studio API's (SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import db as cache_db
from app.models.chat import ChatMessage, ChatSession
from modal_app.store import db as server_db
from modal_app.store.schema import script_heads
from tests.sqlite_schema import sqlite_schema

ROOT = Path(__file__).resolve().parents[2]


def _stamps(path: Path) -> set[str]:
    engine = cache_db.create_sqlite_engine(path)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    finally:
        engine.dispose()


def test_the_heads_read_from_the_files_are_alembics(tmp_path: Path) -> None:
    cache = cache_db._alembic_config(cache_db.create_sqlite_engine(tmp_path / "a.db"))
    server = server_db._alembic_config(server_db.create_server_engine(f"sqlite:///{tmp_path / 'b.db'}"))
    assert cache_db.head_revisions() == set(ScriptDirectory.from_config(cache).get_heads())
    assert script_heads(server_db.MIGRATIONS / "versions") == set(ScriptDirectory.from_config(server).get_heads())


def test_script_heads_follows_merges_and_refuses_a_file_without_a_revision(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    assert script_heads(tmp_path) == {"b", "c"}
    (tmp_path / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n')
    assert script_heads(tmp_path) == {"d"}
    (tmp_path / "__init__.py").write_text("")
    assert script_heads(tmp_path) == {"d"}
    (tmp_path / "e.py").write_text("down_revision = 'd'\n")
    with pytest.raises(ValueError, match="assigns no revision id"):
        script_heads(tmp_path)


def test_a_new_cache_database_is_the_migrated_one(tmp_path: Path) -> None:
    migrated = cache_db.create_sqlite_engine(tmp_path / "migrated.db")
    command.upgrade(cache_db._alembic_config(migrated), "head")
    migrated.dispose()
    fresh = cache_db.open_engine(tmp_path / "fresh.db")
    fresh.dispose()
    assert sqlite_schema(tmp_path / "fresh.db") == sqlite_schema(tmp_path / "migrated.db")
    assert "chat_messages_fts_insert" in sqlite_schema(tmp_path / "fresh.db")  # the FTS triggers came too
    assert _stamps(tmp_path / "fresh.db") == cache_db.head_revisions()


def test_a_new_server_database_is_the_migrated_one(tmp_path: Path) -> None:
    migrated = server_db.create_server_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    command.upgrade(server_db._alembic_config(migrated), "heads")
    migrated.dispose()
    store = server_db.open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    store.close()
    assert sqlite_schema(tmp_path / "fresh.db") == sqlite_schema(tmp_path / "migrated.db")
    assert _stamps(tmp_path / "fresh.db") == script_heads(server_db.MIGRATIONS / "versions")


def test_the_fts_index_of_a_new_cache_database_follows_its_messages(tmp_path: Path) -> None:
    engine = cache_db.open_engine(tmp_path / "cache.db")
    try:
        with Session(engine) as session, session.begin():
            chat = ChatSession(title="t")
            chat.messages.append(ChatMessage(role="user", content="amethyst crystals"))
            session.add(chat)
        search = "SELECT rowid FROM chat_messages_fts WHERE chat_messages_fts MATCH 'crystal*'"
        with engine.connect() as connection:
            assert len(connection.execute(text(search)).all()) == 1
            connection.execute(text("UPDATE chat_messages SET content = 'quartz'"))
            assert connection.execute(text(search)).all() == []
    finally:
        engine.dispose()


def test_opening_new_and_current_databases_does_not_import_alembic(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app.models.db import open_engine\n"
        "from modal_app.store.db import open_store\n"
        "folder = Path(sys.argv[1])\n"
        "for _ in range(2):  # new, then up to date\n"
        "    open_engine(folder / 'cache.db').dispose()\n"
        "    open_store(f'sqlite:///{folder / \"server.db\"}').close()\n"
        "print(int('alembic' in sys.modules))\n"
    )
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=environment, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0"]
    assert _stamps(tmp_path / "cache.db") == cache_db.head_revisions()


def test_an_older_cache_database_still_upgrades_through_alembic(tmp_path: Path) -> None:
    engine = cache_db.create_sqlite_engine(tmp_path / "cache.db")
    command.upgrade(cache_db._alembic_config(engine), "0003_chat")
    cache_db.migrate(engine)
    engine.dispose()
    assert _stamps(tmp_path / "cache.db") == cache_db.head_revisions()


def test_two_openers_of_one_new_server_file_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engines = [server_db.create_server_engine(url) for _ in range(4)]
    start = threading.Barrier(len(engines))
    failures: list[BaseException] = []

    def open_one(engine) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            server_db.migrate(engine)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=open_one, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert not failures, failures
    assert _stamps(tmp_path / "server.db") == script_heads(server_db.MIGRATIONS / "versions")
