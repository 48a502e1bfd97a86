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


def listing_item(entry: dict[str, Any], route: dict[str, Any]) -> dict[str, Any]:
    """An OpenRouter ``/models`` item for the catalog's OpenRouter ``route``, with the catalog's own numbers."""
    price = route.get("pricing") or {}
    item: dict[str, Any] = {
        "id": route["model"],
        "name": entry["name"],
        "context_length": route.get("context_window") or entry.get("context_window"),
        "architecture": {
            "input_modalities": entry["input_modalities"],
            "output_modalities": entry["output_modalities"],
        },
        "pricing": {
            "prompt": f"{(price.get('input') or 0) / 1e6:.12f}",
            "completion": f"{(price.get('output') or 0) / 1e6:.12f}",
        },
    }
    if route.get("max_output_tokens"):
        item["top_provider"] = {"max_completion_tokens": route["max_output_tokens"]}
    return item


def complete_listing(catalog: dict[str, Any], fixture: dict[str, Any]) -> dict[str, Any]:
    """What OpenRouter really answers: every model it serves. The fixture's items (new numbers, new models,
    unreadable ones), plus an item for each other OpenRouter route of ``catalog`` with unchanged numbers."""
    present = {item.get("id") for item in fixture["data"] if isinstance(item, dict)}
    extra = [
        listing_item(entry, route)
        for entry in catalog["models"]
        for route in entry["served_by"]
        if route["provider"] == "openrouter" and route["model"] not in present
    ]
    return {"data": [*fixture["data"], *extra]}


@pytest.fixture
def listing() -> dict[str, Any]:
    """The fixture file's items: new numbers for two known models, two new models, two unreadable items."""
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
def listing_server(listing: dict[str, Any], catalog_data: dict[str, Any]) -> Iterator[ListingServer]:
    """Serves the fixture's items plus every other OpenRouter model of the catalog, as OpenRouter would."""
    with ListingServer(complete_listing(catalog_data, listing)) as server:
        yield server


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens: the offline case."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1/models"
