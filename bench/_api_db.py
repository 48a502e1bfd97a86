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

SQLite runs as it is deployed, one process (``--sqlite-workers`` to change it), so the status budget asks
whether N workers on Postgres scale past it. Beside each status figure: the cores busy in the load
generator (``client_cpu_cores``), the workers (``server_cpu_cores``) and Postgres (``postgres_cpu_cores``),
and the CPU milliseconds per request of the workers and of Postgres: on a small machine these say where
the cores went.

Budgets (issue 17): Postgres status ≥ 2x SQLite's of the same run, p99 < 50 ms, submits ≥ 100/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench._calibration import calibration_ms
from modal_app.accounts import Accounts
from modal_app.ledger import Ledger
from modal_app.store.db import open_store
from tests.server.pgcluster import PostgresCluster, find_bin_dir
from tests.server.worker_app import started_workers

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


class _CpuMeter:
    """CPU seconds spent by this process (the load generator), the server's worker processes (this
    process's children) and Postgres (the postmaster and its backends), between ``start`` and ``stop``."""

    def __init__(self, postgres_pid: int | None) -> None:
        self._postgres_pid = postgres_pid
        self._began: dict[str, dict[int, float]] = {}

    def _tree(self, root: psutil.Process, include_root: bool) -> dict[int, float]:
        times: dict[int, float] = {}
        for process in ([root] if include_root else []) + root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                cpu = process.cpu_times()
                times[process.pid] = cpu.user + cpu.system
        return times

    def _now(self) -> dict[str, dict[int, float]]:
        me = psutil.Process()
        cpu = me.cpu_times()
        groups = {"client": {me.pid: cpu.user + cpu.system}, "server": self._tree(me, include_root=False)}
        if self._postgres_pid is not None:
            with contextlib.suppress(psutil.Error):
                groups["postgres"] = self._tree(psutil.Process(self._postgres_pid), include_root=True)
        return groups

    def start(self) -> None:
        self._began = self._now()

    def stop(self) -> dict[str, float]:
        """CPU seconds per group (a process started meanwhile counts whole)."""
        ended = self._now()
        return {
            group: sum(seconds - self._began.get(group, {}).get(pid, 0.0) for pid, seconds in times.items())
            for group, times in ended.items()
        }


async def _status_load(url: str, token: str, job_id: str, meter: _CpuMeter) -> tuple[float, float, dict[str, float]]:
    """Requests per second, p99 in ms and the CPU figures of the timed part (cores busy, and the server's
    CPU milliseconds per request)."""
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
        meter.start()
        began = time.perf_counter()
        await asyncio.gather(*(client(c, began + DURATION_S, True) for c in connections))
        elapsed = time.perf_counter() - began
        spent = meter.stop()
    finally:
        for connection in connections:
            connection.close()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    cpu = {f"{group}_cpu_cores": round(seconds / elapsed, 2) for group, seconds in spent.items()}
    cpu["server_cpu_ms_per_request"] = round(1000 * spent["server"] / len(latencies), 3)
    if "postgres" in spent:
        cpu["postgres_cpu_ms_per_request"] = round(1000 * spent["postgres"] / len(latencies), 3)
    return len(latencies) / elapsed, p99 * 1000, cpu


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


def _measure(
    data_dir: Path, database_url: str | None, workers: int, postgres_pid: int | None = None
) -> dict[str, float]:
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
        rps, p99_ms, cpu = asyncio.run(_status_load(url, token, job.json()["id"], _CpuMeter(postgres_pid)))
        submits_per_s = asyncio.run(_submit_load(url, token))
    return {"rps": round(rps, 1), "p99_ms": round(p99_ms, 2), "submits_per_s": round(submits_per_s, 1), **cpu}


def main(db: str, workers: int, sqlite_workers: int = 1) -> dict[str, Any]:
    """The figures of one run (see the module docstring); raises RuntimeError without PostgreSQL's binaries.

    SQLite runs with ``sqlite_workers`` processes: one by default, as a SQLite deployment runs (one
    container on Modal, ``max_containers=1``; one process for the Local connection), so the budget asks
    whether N workers on Postgres scale past that. The ``sqlite_*`` keys are SQLite's figures.
    """
    with tempfile.TemporaryDirectory(prefix="amethyst-bench-api-db-") as folder:
        sqlite = _measure(Path(folder) / "sqlite", None, sqlite_workers)
        result: dict[str, Any] = {"name": "api", "db": db, "workers": workers, "sqlite_workers": sqlite_workers}
        if db == "postgres":
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
            cluster = PostgresCluster(bin_dir).start()
            try:
                url = cluster.create_database()
                result.update(_measure(Path(folder) / "postgres", url, workers, cluster.server_pid()))
            finally:
                cluster.stop()
        else:
            result.update(sqlite)
        result.update({f"sqlite_{key}": value for key, value in sqlite.items()}, concurrency=CONCURRENCY)
    result["calibration_ms"] = calibration_ms()
    return result
