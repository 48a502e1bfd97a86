"""The growing text of one streamed reply: batched to the view per frame, saved to the database throttled.

Reasoning arrives on its own (``add_reasoning``: reasoning_content, thinking blocks) or inside the content
as ``<think>…</think>``, which the writer splits out (``reasoning.ThinkSplitter``); both are kept apart
from the answer, emitted as ``reasoning_delta`` and stored in the message's ``reasoning`` column. When an
orphan ``</think>`` shows that the text so far was thinking, the writer moves it and sets ``rewritten``: the
reply then tells the view the whole text and reasoning once (``message_updated``), since deltas only append.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from app.services.chat.reasoning import ThinkSplitter

if TYPE_CHECKING:
    from app.services.chat.reply_host import ReplyHost


class ReplyWriter:
    """Collects deltas of ``message_id``; emits ``message_delta``/``reasoning_delta`` at most once a frame
    and writes the whole text to the database at most every ``flush_interval`` seconds (never blocking
    the stream)."""

    def __init__(self, service: ReplyHost, message_id: int, prefix: str = "", reasoning: str = "") -> None:
        self._service = service
        self.message_id = message_id
        self._parts: list[str] = [prefix] if prefix else []
        self._thoughts: list[str] = [reasoning] if reasoning else []
        self._pending: list[str] = []
        self._pending_thoughts: list[str] = []
        self._splitter = ThinkSplitter()
        self._frame: asyncio.TimerHandle | None = None
        self._last_write = time.monotonic()
        self._write: asyncio.Future[Any] | None = None
        self.received = False  # any answer or reasoning text arrived
        self.answered = False  # answer text arrived
        self.rewritten = False  # text already handed to the view moved to the reasoning: show it whole again

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def reasoning(self) -> str:
        return "".join(self._thoughts)

    def add(self, delta: str) -> None:
        """Content from the server; ``<think>`` blocks in it go to the reasoning."""
        split = self._splitter.feed(delta)
        if split.retract:
            self._retract(split.retract)
        self._append(split.answer, split.reasoning)

    def _retract(self, count: int) -> None:
        """Moves the last ``count`` characters of the answer to the end of the reasoning. The view gets the
        whole state afresh (``rewritten``), so nothing pending is sent as a delta any more."""
        text = self.text
        self._parts = [text[: len(text) - count]]
        self._thoughts.append(text[len(text) - count :])
        self._pending.clear()
        self._pending_thoughts.clear()
        self.answered = bool(self._parts[0])
        self.rewritten = True

    def add_reasoning(self, delta: str) -> None:
        self._append("", delta)

    def _append(self, answer: str, thought: str) -> None:
        if not (answer or thought):
            return
        self.received = True
        if answer:
            self.answered = True
            self._parts.append(answer)
            self._pending.append(answer)
        if thought:
            self._thoughts.append(thought)
            self._pending_thoughts.append(thought)
        loop = asyncio.get_running_loop()
        if self._frame is None:
            self._frame = loop.call_later(self._service.frame_interval, self._emit)
        now = time.monotonic()
        if now - self._last_write >= self._service.flush_interval and (self._write is None or self._write.done()):
            self._last_write = now
            service = self._service
            self._write = service.tasks.start(
                f"chat-write-{self.message_id}",
                service.workers.db(service.store.write_content, self.message_id, self.text, self.reasoning),
            )

    def _emit(self) -> None:
        self._frame = None
        if self._pending_thoughts:
            thought = "".join(self._pending_thoughts)
            self._pending_thoughts.clear()
            self._service.reasoning_delta.emit(self.message_id, thought)
        if self._pending:
            delta = "".join(self._pending)
            self._pending.clear()
            self._service.message_delta.emit(self.message_id, delta)

    async def close(self) -> str:
        """Sends what is pending to the view and waits for the last throttled write; returns the text."""
        split = self._splitter.flush()
        self._append(split.answer, split.reasoning)
        if self._frame is not None:
            self._frame.cancel()
        self._emit()
        if self._write is not None and not self._write.done():
            with contextlib.suppress(Exception):  # the final write that follows carries the same text
                await asyncio.shield(self._write)
        return self.text
