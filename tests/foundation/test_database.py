import sqlite3

from alembic import command
from sqlalchemy import inspect, text

from app.models import Base
from app.models.db import _alembic_config, create_sqlite_engine, current_revisions, head_revisions, migrate, open_engine


def test_migrations_from_an_empty_file_create_every_table(tmp_path) -> None:
    engine = open_engine(tmp_path / "cache.db")
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revisions(engine) == head_revisions(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_an_older_schema_is_upgraded_and_keeps_its_rows(tmp_path) -> None:
    path = tmp_path / "cache.db"
    engine = create_sqlite_engine(path)
    command.upgrade(_alembic_config(engine), "0001_foundation")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO app_meta (key, value) VALUES ('created_with', '0.0.1')"))
    assert current_revisions(engine) == {"0001_foundation"}
    migrate(engine)
    assert current_revisions(engine) == head_revisions(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT value FROM app_meta")).scalar() == "0.0.1"
    engine.dispose()


def test_the_orm_and_the_migrations_agree(tmp_path) -> None:
    """Every ORM column exists in the migrated schema (a model changed without a migration fails here)."""
    engine = open_engine(tmp_path / "cache.db")
    inspector = inspect(engine)
    for name, table in Base.metadata.tables.items():
        migrated = {column["name"] for column in inspector.get_columns(name)}
        assert {column.name for column in table.columns} <= migrated, name
    engine.dispose()


def test_migrating_twice_changes_nothing(tmp_path) -> None:
    path = tmp_path / "cache.db"
    open_engine(path).dispose()
    before = "\n".join(sqlite3.connect(path).iterdump())
    open_engine(path).dispose()
    assert "\n".join(sqlite3.connect(path).iterdump()) == before


def test_the_history_is_one_line(tmp_path) -> None:
    """A second head means two revisions continue the same parent: add a merge revision (alembic merge heads)."""
    from alembic.script import ScriptDirectory

    engine = create_sqlite_engine(tmp_path / "cache.db")
    script = ScriptDirectory.from_config(_alembic_config(engine))
    assert len(script.get_heads()) == 1, script.get_heads()
    engine.dispose()


def test_the_studio_api_history_is_one_line() -> None:
    from importlib.resources import files

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(files("modal_app") / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
