"""Studio API on loopback: job-status requests per second and p99 latency, uvicorn with 2 workers.

Starts ``python -m modal_app serve --workers 2`` on a SQLite file in a temporary folder, signs up, creates
one image job, then hammers ``GET /v1/images/{id}`` (no wait) from concurrent httpx clients.
"""

from __future__ import annotations

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

from bench._calibration import calibration_ms

WORKERS = 2
CONCURRENCY = 8
DURATION_S = 6.0
MAX_REQUESTS = 20_000
WARMUP_REQUESTS = 200


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


async def _hammer(url: str, headers: dict[str, str], job_id: str) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=10) as client:
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
        elapsed = time.perf_counter() - began
    return latencies, errors, elapsed


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="amethyst-bench-api-") as folder:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "AMETHYST_COMPUTE": "local", "AMETHYST_BILLING": "off"}
        env.pop("DATABASE_URL", None)
        root = Path(__file__).resolve().parent.parent
        command = [sys.executable, "-m", "modal_app", "serve", "--port", str(port), "--workers", str(WORKERS)]
        command += ["--data-dir", folder, "--log-level", "warning"]
        process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_healthy(url, process)
            signup = httpx.post(f"{url}/v1/accounts", json={"email": "bench@example.com", "password": "benchmark!"})
            headers = {"Authorization": f"Bearer {signup.json()['token']}"}
            job = httpx.post(
                f"{url}/v1/images", json={"model": "flux-schnell", "prompt": "bench"}, headers=headers
            ).json()
            latencies, errors, elapsed = asyncio.run(_hammer(url, headers, job["id"]))
        finally:
            process.terminate()
            process.wait(timeout=30)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {
        "name": "api",
        "rps": round(len(latencies) / elapsed, 1),
        "p99_ms": round(p99 * 1000, 2),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "requests": len(latencies),
        "errors": errors,
        "workers": WORKERS,
        "concurrency": CONCURRENCY,
        "calibration_ms": calibration_ms(),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
