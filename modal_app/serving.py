"""Entry points that build the app from the environment (uvicorn factories, the CLI)."""

from __future__ import annotations

import asyncio
import socket

from fastapi import FastAPI
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from modal_app.api import create_app
from modal_app.settings import ServerSettings

NO_DELAY_PROTOCOL = "modal_app.serving:NoDelayHTTPProtocol"


def app_from_env() -> FastAPI:
    """``uvicorn --factory modal_app.serving:app_from_env``; every worker process calls it."""
    return create_app(ServerSettings.from_env())


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol with TCP_NODELAY on every connection.

    With several workers uvicorn shares a listening socket made with proto 0, and asyncio then skips
    TCP_NODELAY on accepted connections: small responses written in two parts wait for the client's
    delayed ACK (about 40 ms each).
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
