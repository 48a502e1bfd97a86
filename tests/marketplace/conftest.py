"""Marketplace fixtures: catalog files to break, and a real HTTP server serving an OpenRouter-style listing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from app.services.catalog.loader import bundled_catalog_path

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalog_data() -> dict[str, Any]:
    """The shipped catalog as plain data, to change and write elsewhere."""
    return json.loads(bundled_catalog_path().read_text(encoding="utf-8"))


@pytest.fixture
def listing() -> dict[str, Any]:
    return json.loads((FIXTURES / "openrouter_models.json").read_text(encoding="utf-8"))


class ListingServer:
    """Serves ``/api/v1/models`` on 127.0.0.1 with a behaviour the test picks: good, malformed, slow, …"""

    def __init__(self, listing: dict[str, Any]) -> None:
        self.listing = listing
        self.mode = "good"
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if server.mode == "slow":
                    time.sleep(1.5)
                if server.mode == "error":
                    self._send(500, b"internal error", "text/plain")
                elif server.mode == "malformed":
                    self._send(200, b'{"data": [ {"id": "openai/gpt-4o", ', "application/json")
                elif server.mode == "no-data":
                    self._send(200, json.dumps({"error": {"message": "nope"}}).encode(), "application/json")
                else:
                    self._send(200, json.dumps(server.listing).encode(), "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/api/v1/models"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> ListingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def listing_server(listing: dict[str, Any]) -> Iterator[ListingServer]:
    with ListingServer(listing) as server:
        yield server


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens: the offline case."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1/models"
