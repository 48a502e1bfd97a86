"""One running Amethyst per data folder: a second launch hands its request to the first one and exits.

The first instance listens on a local socket (``QLocalServer``: a Unix socket, a named pipe on Windows)
whose name comes from the user and the data folder, so a portable profile (``--data-dir``) runs beside
the usual one. A second launch connects, writes one JSON line (``{"place": "chat"}``) and exits; the first
emits ``message_received`` with that object, and the window comes to the front and opens the place.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
MAX_MESSAGE_BYTES = 64 * 1024


def server_name(data_dir: Path) -> str:
    """A socket name unique to this user and data folder, short enough for Unix socket paths."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (a container without passwd entry)
        user = ""
    digest = hashlib.sha256(f"{user}\0{Path(data_dir).resolve()}".encode()).hexdigest()[:16]
    return f"amethyst-{digest}"


def send_to_running(name: str, message: dict[str, Any], timeout_ms: int = CONNECT_TIMEOUT_MS) -> bool:
    """Hands ``message`` to the instance listening on ``name``; False when none is running."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(json.dumps(message).encode() + b"\n")
    socket.flush()
    delivered = socket.waitForBytesWritten(timeout_ms) or socket.bytesToWrite() == 0
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(timeout_ms)
    return delivered


def claim(name: str, message: dict[str, Any]) -> SingleInstance | None:
    """The listener when this is the first instance; None after handing ``message`` to a running one."""
    if send_to_running(name, message):
        return None
    instance = SingleInstance(name)
    instance.listen()
    return instance


class SingleInstance(QObject):
    """The first instance's listener; ``message_received`` carries each later launch's JSON object."""

    message_received = Signal(dict)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}
        self._pending: list[dict[str, Any]] | None = []  # messages that arrive before the window listens

    def listen(self) -> bool:
        """Starts listening; a socket file left by a crashed instance is removed first. Call it only after
        ``send_to_running`` found nobody answering (``claim`` does both)."""
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            log.warning("single-instance socket %s: %s", self.name, self._server.errorString())
            return False
        log.info("listening for later launches on %s", self.name)
        return True

    def take_pending(self) -> list[dict[str, Any]]:
        """Messages received so far; from now on every message is emitted on ``message_received``."""
        pending, self._pending = self._pending or [], None
        return pending

    def close(self) -> None:
        """Stops listening and drops open connections; their slots are disconnected first, so nothing of
        this object runs while Qt destroys them."""
        for socket in list(self._buffers):
            self._forget(socket)
            socket.abort()
        self._server.close()

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        for signal in (socket.readyRead, socket.disconnected):
            with contextlib.suppress(RuntimeError, TypeError):  # nothing connected any more
                signal.disconnect()
        socket.deleteLater()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._finish(s))
            self._read(socket)  # bytes may have arrived with the connection

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        self._buffers[socket] += bytes(socket.readAll().data())
        if len(self._buffers[socket]) > MAX_MESSAGE_BYTES:
            self._forget(socket)
            socket.abort()
            return
        if b"\n" in self._buffers[socket]:
            line = self._buffers[socket].split(b"\n", 1)[0]
            self._forget(socket)
            socket.disconnectFromServer()
            self._deliver(line)

    def _finish(self, socket: QLocalSocket) -> None:
        remainder = self._buffers.get(socket, b"")
        self._forget(socket)
        if remainder.strip():
            self._deliver(remainder)

    def _deliver(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            log.warning("single-instance: ignored a message that is not JSON")
            return
        if not isinstance(message, dict):
            return
        if self._pending is not None:
            self._pending.append(message)
        else:
            self.message_received.emit(message)
