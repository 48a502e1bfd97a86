"""Fixtures for the Studio API: settings on a temporary folder, the fake Modal cloud, clients.

Every test that builds its settings with ``settings_factory`` runs twice: on a SQLite file and on a fresh
database of a real PostgreSQL server that the session starts itself (tests/server/pgcluster.py). Postgres
runs what can differ there: money, concurrency, idempotency, the jobs' life cycle, long-polls, migrations,
column types and faults. A test whose outcome no database decides (validation before any statement, the
OpenAPI description, tables in code, in-memory limiters, SQLite's own files) says so with
``@pytest.mark.sqlite_only("reason")`` and runs once, which keeps the suite's time in budget. Without
PostgreSQL's binaries the Postgres runs are skipped, unless AMETHYST_REQUIRE_POSTGRES=1 (CI) makes that a
failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from modal_app.api import create_app
from modal_app.compute.modal_compute import ModalImageCompute
from modal_app.settings import ServerSettings
from modal_app.store.db import open_store
from tests.fakes.chat_servers import listening_socket
from tests.fakes.modal_fake import FakeModalCloud
from tests.server.pgcluster import PostgresCluster, find_bin_dir

TEMPLATE = "amethyst_template"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): the test exercises something only SQLite has")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server_db" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("server_db", ["sqlite"] if only else ["sqlite", "postgres"], indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """The session's PostgreSQL server, with a migrated template database to copy per test."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("AMETHYST_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    cluster = PostgresCluster(bin_dir).start()
    try:
        cluster.admin(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0')
        open_store(cluster.url(TEMPLATE)).close()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> Iterator[str]:
    """A fresh, migrated Postgres database for one test (a copy of the template); dropped afterwards."""
    url = postgres.create_database(template=TEMPLATE)
    yield url
    postgres.drop_database(url)


@pytest.fixture
def server_db(request: pytest.FixtureRequest) -> str | None:
    """None for the SQLite file in the data folder, else the URL of a fresh Postgres database."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def cloud() -> FakeModalCloud:
    return FakeModalCloud()


def modal_compute(cloud: FakeModalCloud) -> ModalImageCompute:
    return ModalImageCompute("amethyst-studio", cls_from_name=cloud.cls_from_name, call_from_id=cloud.call_from_id)


@pytest.fixture
def settings_factory(tmp_path: Path, cloud: FakeModalCloud, server_db: str | None) -> Callable[..., ServerSettings]:
    def make(**overrides: Any) -> ServerSettings:
        overrides.setdefault("compute", modal_compute(cloud))
        overrides.setdefault("billing_enabled", True)
        overrides.setdefault("poll_interval", 0.05)
        settings = ServerSettings.for_data_dir(tmp_path / "studio", **overrides)
        if server_db is not None:
            settings.database_url = server_db
        return settings

    return make


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running, behind httpx's ASGI transport."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://studio.test", timeout=60) as client:
            yield client
    app.state.services.close()


@pytest.fixture
async def api(settings_factory: Callable[..., ServerSettings]) -> AsyncIterator[httpx.AsyncClient]:
    """A billing-on app with Modal compute on the fake cloud."""
    async with running(create_app(settings_factory())) as client:
        yield client


async def sign_up(client: httpx.AsyncClient, email: str = "ada@example.com", password: str = "correct horse") -> str:
    response = await client.post("/v1/accounts", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def grant(client: httpx.AsyncClient, email: str, amount: int, key: str | None = None) -> None:
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    account = services.accounts.find_by_email(email)
    services.ledger.grant(account.id, amount, "test grant", idempotency_key=key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """The app under a real uvicorn on loopback, in a thread; yields its base URL; stops it on exit."""
    sock = listening_socket()  # handed over bound: a port picked and bound again later could be taken between
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


async def wait_until(predicate: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Yield to the loop until ``predicate`` holds; fail (not a timing assertion) if it never does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.01)
