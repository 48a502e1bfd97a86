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

HEAD = "0008_webhooks13_token_kind"


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


def test_0005_widens_the_paging_keys_and_their_sequences(empty_url: str) -> None:
    old = create_server_engine(empty_url)
    command.upgrade(_alembic_config(old), "0004_pg17_result_storage")
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, plan, local, created_at)"
                " VALUES ('a', 'a@b.cd', 'free', false, '2026-01-01')"
            )
        )
        connection.execute(_LEDGER_ROW, {"id": 1, "key": "old"})
    old.dispose()

    store = open_store(empty_url)
    try:
        with store.engine.begin() as connection:
            connection.execute(_LEDGER_ROW, {"id": 3_000_000_000, "key": "past int32"})  # INTEGER stops at 2**31-1
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), 3000000000)"))
            connection.execute(
                text(
                    "INSERT INTO ledger_entries (account_id, amount, reason, idempotency_key, created_at)"
                    " VALUES ('a', 1, 'grant', 'next', '2026-01-01')"
                )
            )
            ids = [row[0] for row in connection.execute(text("SELECT id FROM ledger_entries ORDER BY id"))]
        assert ids == [1, 3_000_000_000, 3_000_000_001]
        columns = {
            (table, c["name"]): str(c["type"])
            for table in ("image_jobs", "ledger_entries", "reservations")
            for c in inspect(store.engine).get_columns(table)
        }
        widened = [columns[key] for key in (("image_jobs", "seq"), ("ledger_entries", "id"), ("reservations", "id"))]
        assert widened == (["BIGINT"] * 3 if store.engine.dialect.name == "postgresql" else ["INTEGER"] * 3)
    finally:
        store.close()


_LEDGER_ROW = text(
    "INSERT INTO ledger_entries (id, account_id, amount, reason, idempotency_key, created_at)"
    " VALUES (:id, 'a', 1, 'grant', :key, '2026-01-01')"
)


def test_0008_keeps_every_existing_token_a_sign_in_token(empty_url: str) -> None:
    old = create_server_engine(empty_url)
    command.upgrade(_alembic_config(old), "0007_builder14_builds")
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, plan, local, created_at)"
                " VALUES ('a', 'a@b.c', 'free', false, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO api_tokens (id, account_id, token_hash, label, created_at)"
                " VALUES ('t', 'a', 'x', 'sign-in', '2026-01-01')"
            )
        )
    old.dispose()
    store = open_store(empty_url)
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT kind FROM api_tokens WHERE id = 't'")).scalar() == "session"
    finally:
        store.close()
