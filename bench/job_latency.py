"""From the compute finishing an image job to the desktop seeing it: median over 20 jobs.

The real path: the embedded Studio API under uvicorn on loopback (with the server's default compute poll
interval), the desktop's ``JobQueue`` long-polling it through ``StudioClient``, and a fake compute whose
jobs finish when told to. The clock starts when the compute finishes and stops when the queue reports
the job completed.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._calibration import calibration_ms

JOBS = 20


async def _measure(data_dir: Path, poll_interval: float | None = None) -> list[float]:
    from app.context import build_context
    from app.paths import Paths
    from app.services.clients.studio_types import ImageRequest, JobState
    from app.services.studio.connection import ConnectionState, StudioConnection
    from app.services.studio.jobs import JobQueue
    from modal_app.settings import ServerSettings
    from tests.fakes.image_compute import FakeImageCompute
    from tests.fakes.memory_keyring import MemoryKeyring
    from tests.studio.embedded import EmbeddedApi

    context = build_context(Paths.resolve(data_dir), keyring_backend=MemoryKeyring(), environ={})
    compute = FakeImageCompute(hold=True)
    default_poll = ServerSettings(database_url="sqlite://").poll_interval
    api = EmbeddedApi(compute, poll_interval=poll_interval or default_poll)
    connection = StudioConnection(
        context.settings,
        context.secrets,
        context.paths.folder("studio-api"),
        context.tasks,
        context.workers,
        local_app_factory=api,
    )
    jobs = JobQueue(connection, context.gallery, context.sessions, context.tasks, context.workers)
    seen: dict[str, float] = {}
    jobs.job_changed.connect(
        lambda job: job.state == JobState.COMPLETED and seen.setdefault(job.server_id, time.perf_counter())
    )
    await connection.reconnect()
    assert connection.state == ConnectionState.CONNECTED, connection.error_message
    latencies: list[float] = []
    try:
        for index in range(JOBS):
            request = ImageRequest(model="flux-schnell", prompt=f"latency probe {index}", seed=index)
            job = await jobs.submit(request)
            while not compute.held():
                await asyncio.sleep(0.005)
            await asyncio.sleep(random.uniform(0.05, 0.3))  # let the long poll settle in, at a random phase
            call_id = compute.finish()
            while job.server_id not in seen:
                await asyncio.sleep(0.001)
            latencies.append((seen[job.server_id] - compute.finished_at.get(call_id, 0.0)) * 1000)
    finally:
        await jobs.close()
        await connection.close()
        context.close()
    return latencies


def main() -> dict[str, Any]:
    """``median_ms`` with the server's default compute poll (0.2 s, the cloud); ``local_median_ms`` with the
    embedded Local connection's faster poll."""
    from modal_app.local import LOCAL_POLL_INTERVAL

    with tempfile.TemporaryDirectory(prefix="amethyst-bench-latency-") as folder:
        latencies = asyncio.run(_measure(Path(folder) / "cloud"))
        local = asyncio.run(_measure(Path(folder) / "local", LOCAL_POLL_INTERVAL))
    return {
        "name": "job_latency",
        "jobs": len(latencies),
        "median_ms": round(statistics.median(latencies), 1),
        "p90_ms": round(sorted(latencies)[int(len(latencies) * 0.9) - 1], 1),
        "max_ms": round(max(latencies), 1),
        "local_median_ms": round(statistics.median(local), 1),
        "calibration_ms": calibration_ms(),
    }
