"""A database made by an older server gains the new columns when a newer server opens it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from modal_app.store.db import _alembic_config, create_server_engine, open_store


def test_first_schema_upgrades_and_keeps_its_jobs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    old = create_server_engine(url)
    command.upgrade(_alembic_config(old), "0001_studio_api")
    with old.begin() as connection:
        assert "negative_prompt" not in {c["name"] for c in inspect(connection).get_columns("image_jobs")}
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, plan, local, created_at)"
                " VALUES ('a', 'a@b.cd', 'free', 0, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO image_jobs (id, account_id, request_hash, model, prompt, size, aspect_ratio, width,"
                " height, count, seed, steps, cost, state, charged, image_count, created_at, updated_at)"
                " VALUES ('j', 'a', 'h', 'flux-schnell', 'old job', '1K', '1:1', 1024, 1024, 1, 5, 4, 0,"
                " 'completed', 0, 0, '2026-01-01', '2026-01-01')"
            )
        )
    old.dispose()

    store = open_store(url)
    try:
        with store.engine.connect() as connection:
            row = connection.execute(text("SELECT prompt, negative_prompt FROM image_jobs")).one()
            versions = {r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))}
        assert tuple(row) == ("old job", "")
        assert versions == {"0004_builder14_builds"}
    finally:
        store.close()
