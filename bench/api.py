"""Studio API on loopback: job-status latency with jobs in flight beside none, and the server's idle CPU.

``python -m bench api [--inflight N]`` (default 1,000) starts one uvicorn process on a SQLite file in a
temporary folder, with Modal compute on the fake cloud whose calls never end (bench/_api_server.py). It
signs up, creates one job and hammers ``GET /v1/images/{id}`` from concurrent clients (the baseline),
submits N more jobs that stay in flight, measures the server's CPU while nothing is asked of it, and
hammers again. Budgets (DESIGN.md): p99 within 1.5x the baseline, idle CPU under 10 % of one core.

``python -m bench api --db postgres --workers 4`` measures N worker processes on PostgreSQL beside SQLite
instead (bench/_api_db.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench._calibration import calibration_ms

CONCURRENCY = 8
DURATION_S = 5.0
MAX_REQUESTS = 20_000
WARMUP_REQUESTS = 200
IDLE_S = 5.0
SETTLE_S = 2.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become healthy")


async def _hammer(client: httpx.AsyncClient, job_id: str) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    for _ in range(WARMUP_REQUESTS):
        await client.get(f"/v1/images/{job_id}")
    stop_at = time.perf_counter() + DURATION_S

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at and len(latencies) < MAX_REQUESTS:
            started = time.perf_counter()
            response = await client.get(f"/v1/images/{job_id}")
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies, errors, time.perf_counter() - began


async def _submit(client: httpx.AsyncClient, count: int) -> None:
    limit = asyncio.Semaphore(16)

    async def one(n: int) -> None:
        async with limit:
            answer = await client.post("/v1/images", json={"model": "flux-schnell", "prompt": f"in flight {n}"})
            answer.raise_for_status()

    await asyncio.gather(*(one(n) for n in range(count)))


def _p(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 2)


async def _measure(url: str, token: str, inflight: int, server: psutil.Process) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:
        job = (await client.post("/v1/images", json={"model": "flux-schnell", "prompt": "bench"})).json()
        baseline, _, _ = await _hammer(client, job["id"])
        await _submit(client, inflight)
        await asyncio.sleep(SETTLE_S)
        before = server.cpu_times()
        started = time.perf_counter()
        await asyncio.sleep(IDLE_S)
        after = server.cpu_times()
        idle = (after.user + after.system - before.user - before.system) / (time.perf_counter() - started)
        loaded, errors, elapsed = await _hammer(client, job["id"])
    return {
        "name": "api",
        "inflight": inflight,
        "rps": round(len(loaded) / elapsed, 1),
        "p99_ms": _p(loaded, 0.99),
        "p50_ms": _p(loaded, 0.5),
        "idle_cpu_pct": round(idle * 100, 2),
        "baseline_p99_ms": _p(baseline, 0.99),
        "baseline_p50_ms": _p(baseline, 0.5),
        "requests": len(loaded),
        "errors": errors,
        "concurrency": CONCURRENCY,
        "calibration_ms": calibration_ms(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench api")
    parser.add_argument("--inflight", type=int, default=1000, help="jobs left running while measuring")
    parser.add_argument("--db", choices=("sqlite", "postgres"), help="N workers on this database, beside SQLite")
    parser.add_argument("--workers", type=int, default=4, help="uvicorn worker processes (with --db)")
    parser.add_argument(
        "--sqlite-workers",
        type=int,
        default=1,
        help="SQLite's worker processes beside them (with --db; as deployed: 1)",
    )
    args = parser.parse_args(argv or [])
    if args.db is not None:  # status and submits of N workers on Postgres beside SQLite: bench/_api_db.py
        from bench import _api_db

        return _api_db.main(args.db, args.workers, args.sqlite_workers)
    with tempfile.TemporaryDirectory(prefix="amethyst-bench-api-") as folder:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        root = Path(__file__).resolve().parent.parent
        command = [sys.executable, "-m", "bench._api_server", folder, str(port)]
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_healthy(url, process)
            signup = httpx.post(
                f"{url}/v1/accounts", json={"email": "bench@example.com", "password": "status under load 42"}
            )
            signup.raise_for_status()
            result = asyncio.run(_measure(url, signup.json()["token"], args.inflight, psutil.Process(process.pid)))
        finally:
            process.terminate()
            process.wait(timeout=30)
    result["calibration_ms"] = calibration_ms()
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
