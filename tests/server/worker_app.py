"""The Studio API as real uvicorn worker processes on one database, Modal compute on a fake cloud per process
whose calls never end (GPU jobs that take long). Used by the multi-process tests and ``bench api``.

``python -m tests.server.worker_app DATA_DIR PORT [--workers N] [--billing] [--database-url URL]``; each
worker process builds its own app from the environment (uvicorn's ``factory``), as ``uvicorn --workers`` does.
``started_workers`` runs that command and waits until every worker is up.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from modal_app.api import create_app
from modal_app.compute.modal_compute import ModalImageCompute
from modal_app.serving import NO_DELAY_PROTOCOL
from modal_app.settings import ServerSettings
from tests.fakes.modal_fake import FakeModalCloud


def app_from_env() -> FastAPI:
    """The app of one worker process, from AMETHYST_WORKER_DATA, AMETHYST_WORKER_BILLING and DATABASE_URL."""
    cloud = FakeModalCloud()
    compute = ModalImageCompute("amethyst-studio", cls_from_name=cloud.cls_from_name, call_from_id=cloud.call_from_id)
    # Each process has its own fake cloud, so no process can look at another's calls.
    compute.shared_calls = False
    billing = os.environ.get("AMETHYST_WORKER_BILLING") == "1"
    settings = ServerSettings.for_data_dir(
        Path(os.environ["AMETHYST_WORKER_DATA"]), compute=compute, billing_enabled=billing, db_pool_overflow=20
    )
    if os.environ.get("DATABASE_URL"):
        settings.database_url = os.environ["DATABASE_URL"]
    app = create_app(settings)
    # <data>/ready-<pid> once this worker has started (resumed its jobs): the tests send load only when
    # every worker is up, since a worker starting later would adopt calls its fake cloud does not know.
    started = app.router.lifespan_context
    marker = Path(os.environ["AMETHYST_WORKER_DATA"]) / f"ready-{os.getpid()}"

    @asynccontextmanager
    async def lifespan(inner: FastAPI) -> AsyncIterator[Any]:
        async with started(inner) as state:
            marker.touch()
            yield state
        marker.unlink(missing_ok=True)

    app.router.lifespan_context = lifespan
    return app


ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def started_workers(data_dir: Path, database_url: str | None, count: int, billing: bool = True) -> Iterator[str]:
    """``count`` uvicorn worker processes on one port (as ``uvicorn --workers``) and one database (None: the
    SQLite file in ``data_dir``); yields the base URL once every worker has started; stops them on exit.
    Raises RuntimeError when they exit or are not up within two minutes."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [sys.executable, "-m", "tests.server.worker_app", str(data_dir), str(port), "--workers", str(count)]
    command += ["--billing"] if billing else []
    command += ["--database-url", database_url] if database_url else []
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while len(list(data_dir.glob("ready-*"))) < count:
            if process.poll() is not None:
                raise RuntimeError(f"the workers exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.server.worker_app")
    parser.add_argument("data_dir")
    parser.add_argument("port", type=int)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--billing", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    os.environ["AMETHYST_WORKER_DATA"] = args.data_dir
    os.environ["AMETHYST_WORKER_BILLING"] = "1" if args.billing else "0"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if args.workers > 1:
        # Migrate once before the workers start (they would also take turns, see store.db.migrate).
        from modal_app.store.db import open_store

        open_store(os.environ.get("DATABASE_URL") or f"sqlite:///{Path(args.data_dir) / 'studio.db'}").close()
    uvicorn.run(
        "tests.server.worker_app:app_from_env",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        http=NO_DELAY_PROTOCOL,
    )


if __name__ == "__main__":
    main()
