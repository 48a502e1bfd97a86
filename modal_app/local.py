"""The local connection: the Studio API embedded in the desktop, on its own data folder.

    studio = LocalStudio(data_dir)
    app, token = studio.start()   # an ASGI app (serve it or use httpx.ASGITransport) and its bearer token
    base_url = studio.serve()     # or: a real uvicorn on 127.0.0.1 in a background thread
    ...
    studio.stop()

Billing is off, compute is local (a worker process; AMETHYST_LOCAL_IMAGE_MODEL names a diffusers folder),
and the single local account is created on first start. The token is kept in <data_dir>/local-token.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from modal_app.api import create_app
from modal_app.services import build_services
from modal_app.settings import ServerSettings

LOCAL_POLL_INTERVAL = 0.05


class LocalStudio:
    def __init__(self, data_dir: Path, local_image_model: str | None = None, **overrides: Any) -> None:
        self.data_dir = data_dir
        model = local_image_model or os.environ.get("AMETHYST_LOCAL_IMAGE_MODEL") or None
        # Polling a local worker is a dictionary lookup, so look often: finished jobs show up sooner.
        overrides.setdefault("poll_interval", LOCAL_POLL_INTERVAL)
        self.settings = ServerSettings.for_data_dir(
            data_dir,
            compute=overrides.pop("compute", "local"),
            billing_enabled=False,
            local_account=True,
            local_image_model=model,
            **overrides,
        )
        self.app: FastAPI | None = None
        self.token: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> tuple[FastAPI, str]:
        """Open (and migrate) the database, ensure the local account; returns (app, token)."""
        if self.app is None:
            services = build_services(self.settings)
            assert services.local_token is not None
            self.app = create_app(self.settings, services)
            self.token = services.local_token
        assert self.token is not None
        return self.app, self.token

    def serve(self, host: str = "127.0.0.1", port: int = 0, ready_timeout: float = 30.0) -> str:
        """Run the app under uvicorn in a background thread; returns its base URL (port 0 = any free)."""
        app, _token = self.start()
        if self._server is not None:
            raise RuntimeError("already serving")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((host, port))
        bound_port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="amethyst-local-studio", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + ready_timeout
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            self.stop()
            raise RuntimeError("the local Studio server did not start")
        return f"http://{host}:{bound_port}"

    def stop(self) -> None:
        """Stop the background server (jobs in flight resume at the next start)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
        self._server, self._thread = None, None
        if self.app is not None:
            self.app.state.services.close()
            self.app = None
            self.token = None
