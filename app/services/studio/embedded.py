"""The Studio API served on loopback from a background thread: the Local connection.

The same FastAPI app as in the cloud, run by uvicorn on 127.0.0.1 on a free port, so the desktop talks to
it over real HTTP with the same client. The socket is bound before the thread starts (no port race).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

log = logging.getLogger(__name__)

# (data folder) -> (ASGI app, bearer token of the local account)
LocalAppFactory = Callable[[Path], tuple[Any, str]]


def default_local_app(data_dir: Path) -> tuple[Any, str]:
    """The real Studio API for this computer (imported lazily: the server code is only loaded when used)."""
    from app.models.db import SCHEMA_LOCK
    from modal_app.local import LocalStudio

    with SCHEMA_LOCK:  # its migrations must not overlap the cache database's (see SCHEMA_LOCK)
        app, token = LocalStudio(data_dir).start()
    return app, token


class EmbeddedServerError(RuntimeError):
    pass


class EmbeddedServer:
    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 20.0) -> str:
        """Serve the app and wait until it accepts connections (blocking: call from a worker thread)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="on",
            access_log=False,
            timeout_keep_alive=30,
            timeout_graceful_shutdown=1,  # long polls in flight must not hold up quitting
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="studio-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._failure is not None or not self._thread.is_alive():
                raise EmbeddedServerError(f"The local Studio API did not start: {self._failure or 'it stopped'}")
            if time.monotonic() > deadline:
                self.stop()
                raise EmbeddedServerError("The local Studio API did not start in time.")
            time.sleep(0.01)
        log.info("local Studio API on %s", self.url)
        return self.url

    def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        try:
            self._server.run(sockets=[sock])
        except BaseException as error:  # SystemExit from a failed lifespan start-up included
            self._failure = error
            log.exception("local Studio API stopped")
        finally:
            sock.close()

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
