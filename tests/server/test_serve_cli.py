"""`python -m modal_app serve` as a real process with two workers, and the schema on Postgres's dialect."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from modal_app.store.models import Base
from tests.server.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serve_with_two_workers_and_a_local_account(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "AMETHYST_COMPUTE": "local", "AMETHYST_BILLING": "off"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "modal_app", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(
        [*command, "--data-dir", str(tmp_path), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the server never answered"
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = (tmp_path / "local-token").read_text().strip()
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
            # Several requests, so both worker processes answer some of them.
            answers = [client.get("/v1/me").json() for _ in range(20)]
            signup = client.post("/v1/accounts", json={"email": "ada@example.com", "password": "long enough"})
        assert all(a["account"]["local"] and a["billing_enabled"] is False for a in answers)
        assert signup.status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0


def test_schema_compiles_for_postgres() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    ddl = "\n".join(str(CreateTable(table).compile(dialect=dialect)) for table in Base.metadata.sorted_tables)
    assert "seed BIGINT NOT NULL" in ddl
    assert "CONSTRAINT uq_image_jobs_idempotency UNIQUE (account_id, idempotency_key)" in ddl
    assert "png BYTEA," in ddl and "object_key VARCHAR(200)" in ddl  # images live in the result storage
