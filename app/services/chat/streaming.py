"""The growing text of one streamed reply: batched to the view per frame, saved to the database throttled."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.services.chat.reply_host import ReplyHost


class ReplyWriter:
    """Collects deltas of ``message_id``; emits ``message_delta`` at most once a frame and writes the whole
    text to the database at most every ``flush_interval`` seconds (never blocking the stream)."""

    def __init__(self, service: ReplyHost, message_id: int, prefix: str = "") -> None:
        self._service = service
        self.message_id = message_id
        self._parts: list[str] = [prefix] if prefix else []
        self._pending: list[str] = []
        self._frame: asyncio.TimerHandle | None = None
        self._last_write = time.monotonic()
        self._write: asyncio.Future[Any] | None = None
        self.received = False

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def add(self, delta: str) -> None:
        self.received = True
        self._parts.append(delta)
        self._pending.append(delta)
        loop = asyncio.get_running_loop()
        if self._frame is None:
            self._frame = loop.call_later(self._service.frame_interval, self._emit)
        now = time.monotonic()
        if now - self._last_write >= self._service.flush_interval and (self._write is None or self._write.done()):
            self._last_write = now
            service = self._service
            self._write = service.tasks.start(
                f"chat-write-{self.message_id}",
                service.workers.db(service.store.write_content, self.message_id, self.text),
            )

    def _emit(self) -> None:
        self._frame = None
        if self._pending:
            delta = "".join(self._pending)
            self._pending.clear()
            self._service.message_delta.emit(self.message_id, delta)

    async def close(self) -> str:
        """Sends what is pending to the view and waits for the last throttled write; returns the text."""
        if self._frame is not None:
            self._frame.cancel()
        self._emit()
        if self._write is not None and not self._write.done():
            with contextlib.suppress(Exception):  # the final write that follows carries the same text
                await asyncio.shield(self._write)
        return self.text
