"""A database made by an older server gains the new columns when a newer server opens it, on SQLite and on
PostgreSQL; result images kept in the database by older servers move to the result storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from modal_app.services import build_services
from modal_app.settings import ServerSettings
from modal_app.store.db import _alembic_config, create_server_engine, open_store
from tests.fakes.modal_fake import tiny_png
from tests.server.pgcluster import PostgresCluster

HEAD = "0005_billing13_billing"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new Postgres database (nothing migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'studio.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


def _versions(url: str) -> set[str]:
    store = open_store(url)
    try:
        with store.engine.connect() as connection:
            return {r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))}
    finally:
        store.close()


def test_an_empty_database_upgrades_to_the_head(empty_url: str) -> None:
    assert _versions(empty_url) == {HEAD}
    assert _versions(empty_url) == {HEAD}  # a second open finds nothing to do


def test_first_schema_upgrades_and_keeps_its_jobs(empty_url: str) -> None:
    old = create_server_engine(empty_url)
    command.upgrade(_alembic_config(old), "0001_studio_api")
    with old.begin() as connection:
        assert "negative_prompt" not in {c["name"] for c in inspect(connection).get_columns("image_jobs")}
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, plan, local, created_at)"
                " VALUES ('a', 'a@b.cd', 'free', false, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO image_jobs (id, account_id, request_hash, model, prompt, size, aspect_ratio, width,"
                " height, count, seed, steps, cost, state, charged, image_count, created_at, updated_at)"
                " VALUES ('j', 'a', 'h', 'flux-schnell', 'old job', '1K', '1:1', 1024, 1024, 1, 5, 4, 0,"
                " 'completed', false, 0, '2026-01-01', '2026-01-01')"
            )
        )
    old.dispose()

    store = open_store(empty_url)
    try:
        with store.engine.connect() as connection:
            row = connection.execute(text("SELECT prompt, negative_prompt FROM image_jobs")).one()
        assert tuple(row) == ("old job", "")
    finally:
        store.close()
    assert _versions(empty_url) == {HEAD}


def test_0003_revokes_a_squatters_local_token_and_blobs_move_to_the_storage(empty_url: str, tmp_path: Path) -> None:
    old = create_server_engine(empty_url)
    command.upgrade(_alembic_config(old), "0002_negative_prompt")
    pngs = [tiny_png((255, 0, 0)), tiny_png((0, 255, 0))]
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, plan, local, created_at)"
                " VALUES ('a', 'local@amethyst.local', 'free', false, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO api_tokens (id, account_id, token_hash, label, created_at)"
                " VALUES ('t', 'a', 'x', 'local desktop', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO image_jobs (id, account_id, request_hash, model, prompt, negative_prompt, size,"
                " aspect_ratio, width, height, count, seed, steps, cost, state, charged, image_count, created_at,"
                " updated_at) VALUES ('j', 'a', 'h', 'flux-schnell', 'old', '', '1K', '1:1', 1024, 1024, 2, 5, 4,"
                " 0, 'completed', false, 2, '2026-01-01', '2026-01-01')"
            )
        )
        for index, png in enumerate(pngs):
            connection.execute(
                text("""INSERT INTO job_images (job_id, "index", png) VALUES ('j', :index, :png)"""),
                {"index": index, "png": png},
            )
    old.dispose()

    settings = ServerSettings.for_data_dir(tmp_path / "data", compute="local")
    settings.database_url = empty_url
    services = build_services(settings)
    try:
        with services.store.engine.connect() as connection:
            revoked = connection.execute(text("SELECT revoked_at FROM api_tokens WHERE id = 't'")).scalar()
            rows = connection.execute(text('SELECT "index", png, object_key FROM job_images ORDER BY 1')).all()
        assert revoked is not None
        assert [(r[0], r[1], r[2]) for r in rows] == [(0, None, "j/0.png"), (1, None, "j/1.png")]
        assert (tmp_path / "data" / "results" / "j" / "1.png").read_bytes() == pngs[1]
        assert services.jobs.image("a", "j", 0) == pngs[0]
    finally:
        services.close()
