"""``python -m bench api --db postgres --workers 4``: the Studio API as N uvicorn worker processes on
PostgreSQL beside the same on SQLite, in one run.

For each database: N workers of tests/server/worker_app.py (billing on, Modal compute on a fake cloud whose
calls never end) on a fresh database — Postgres from tests/server/pgcluster.py, a throwaway server in a
temporary folder — then

- status: ``CONCURRENCY`` keep-alive connections ask ``GET /v1/images/{id}`` as fast as answers come for
  ``DURATION_S`` (requests/s and p99, after a warm-up). The load comes from a small raw HTTP/1.1 client on
  asyncio streams, so the figure is the server's and not httpx's (httpx spends more CPU per request than
  the app does, and the client shares the machine's cores with the workers);
- submits: ``SUBMITS`` ``POST /v1/images`` from ``SUBMIT_CONCURRENCY`` clients, each a reservation under
  the account's row lock (Postgres) or the file's write lock (SQLite): submits/s.

Budgets (issue 17): Postgres status ≥ 2x SQLite's of the same run, p99 < 50 ms, submits ≥ 100/s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from modal_app.accounts import Accounts
from modal_app.ledger import Ledger
from modal_app.store.db import open_store
from tests.server.pgcluster import PostgresCluster, find_bin_dir
from tests.server.worker_app import started_workers

try:  # the shared workload (bench/_calibration.py), where this branch has it
    from bench._calibration import calibration_ms  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - depends on the branch
    calibration_ms = None

CONCURRENCY = 16
DURATION_S = 5.0
WARMUP_S = 1.0
SUBMITS = 400
SUBMIT_CONCURRENCY = 16
EMAIL, PASSWORD = "bench@example.com", "status under load 42"
JOB = {"model": "flux-schnell", "prompt": "bench", "size": "1K"}


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends the same GET again and again (uvicorn answers JSON
    with a Content-Length, never chunked). Raises RuntimeError on an answer other than 200."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self._reader, self._writer, self._request = reader, writer, request

    @classmethod
    async def open(cls, url: str, path: str, token: str) -> _Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        return cls(reader, writer, request)

    async def get(self) -> None:
        self._writer.write(self._request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = head[9:12]
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self._reader.readexactly(length)
        if status != b"200":
            raise RuntimeError(f"status {status.decode()} from {self._request.split(b' ')[1].decode()}")

    def close(self) -> None:
        self._writer.close()


async def _status_load(url: str, token: str, job_id: str) -> tuple[float, float]:
    """Requests per second and p99 in ms."""
    connections = [await _Connection.open(url, f"/v1/images/{job_id}", token) for _ in range(CONCURRENCY)]
    latencies: list[float] = []

    async def client(connection: _Connection, until: float, timed: bool) -> None:
        while (now := time.perf_counter()) < until:
            await connection.get()
            if timed:
                latencies.append(time.perf_counter() - now)

    try:
        warm_until = time.perf_counter() + WARMUP_S
        await asyncio.gather(*(client(c, warm_until, False) for c in connections))
        began = time.perf_counter()
        await asyncio.gather(*(client(c, began + DURATION_S, True) for c in connections))
        elapsed = time.perf_counter() - began
    finally:
        for connection in connections:
            connection.close()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(latencies) / elapsed, p99 * 1000


async def _submit_load(url: str, token: str) -> float:
    """Accepted submits per second (every one must be 201)."""
    limit = asyncio.Semaphore(SUBMIT_CONCURRENCY)
    pool = httpx.Limits(max_connections=SUBMIT_CONCURRENCY, max_keepalive_connections=SUBMIT_CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=pool, timeout=60) as client:
        headers = {"Authorization": f"Bearer {token}"}

        async def one(n: int) -> None:
            async with limit:
                answer = await client.post("/v1/images", json={**JOB, "prompt": f"bench {n}"}, headers=headers)
                if answer.status_code != 201:
                    raise RuntimeError(f"submit answered {answer.status_code}: {answer.text[:200]}")

        began = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(SUBMITS)))
        return SUBMITS / (time.perf_counter() - began)


def _measure(data_dir: Path, database_url: str | None, workers: int) -> dict[str, float]:
    with started_workers(data_dir, database_url, workers, billing=True) as url:
        signup = httpx.post(f"{url}/v1/accounts", json={"email": EMAIL, "password": PASSWORD}, timeout=60)
        signup.raise_for_status()
        token = signup.json()["token"]
        store = open_store(database_url or f"sqlite:///{data_dir / 'studio.db'}")
        try:
            account = Accounts(store).find_by_email(EMAIL)
            assert account is not None
            Ledger(store).grant(account.id, 10 * SUBMITS, "bench")
        finally:
            store.close()
        headers = {"Authorization": f"Bearer {token}"}
        job = httpx.post(f"{url}/v1/images", json=JOB, headers=headers, timeout=60)
        job.raise_for_status()
        rps, p99_ms = asyncio.run(_status_load(url, token, job.json()["id"]))
        submits_per_s = asyncio.run(_submit_load(url, token))
    return {"rps": round(rps, 1), "p99_ms": round(p99_ms, 2), "submits_per_s": round(submits_per_s, 1)}


def main(db: str, workers: int) -> dict[str, Any]:
    """The figures of one run (see the module docstring); raises RuntimeError without PostgreSQL's binaries."""
    with tempfile.TemporaryDirectory(prefix="amethyst-bench-api-db-") as folder:
        sqlite = _measure(Path(folder) / "sqlite", None, workers)
        result: dict[str, Any] = {"name": "api", "db": db, "workers": workers}
        if db == "postgres":
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
            cluster = PostgresCluster(bin_dir).start()
            try:
                url = cluster.create_database()
                result.update(_measure(Path(folder) / "postgres", url, workers))
            finally:
                cluster.stop()
        else:
            result.update(sqlite)
        result.update(sqlite_rps=sqlite["rps"], sqlite_p99_ms=sqlite["p99_ms"])
        result.update(sqlite_submits_per_s=sqlite["submits_per_s"], concurrency=CONCURRENCY)
    if calibration_ms is not None:
        result["calibration_ms"] = calibration_ms()
    return result
