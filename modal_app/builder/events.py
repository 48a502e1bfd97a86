"""A running build's event log: lines are buffered and written in batches; waiters are woken on each write.

``add`` is synchronous (the sandbox's output callbacks call it for every line); a flusher writes what has
gathered every ``FLUSH_INTERVAL`` seconds, or at once past ``FLUSH_LINES``. ``update`` writes the pending
lines and a change of the build (step or state, with its event) in one transaction, so the stored order is
the order things happened. ``Notifier`` lets a Server-Sent Events stream sleep until something new is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from modal_app.builder.models import BuildRow
from modal_app.builder.store import BuildStore

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.1
FLUSH_LINES = 500
MAX_PENDING = 50_000  # lines held while the database is slow; beyond, lines are dropped and counted


class Notifier:
    """One asyncio.Event per build, set (and replaced) whenever that build's events were stored."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def changed(self, build_id: str) -> asyncio.Event:
        """The event to wait on for the next change (take it before reading, so no change is missed)."""
        event = self._events.get(build_id)
        if event is None:
            event = self._events[build_id] = asyncio.Event()
        return event

    def notify(self, build_id: str) -> None:
        event = self._events.pop(build_id, None)
        if event is not None:
            event.set()


class EventLog:
    def __init__(self, build_id: str, store: BuildStore, notifier: Notifier) -> None:
        self.build_id = build_id
        self.store = store
        self.notifier = notifier
        self.step: str | None = None
        self.lines = 0
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._dropped = 0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._flush_forever(), name=f"build-log-{build_id}")

    def add(self, stream: str, line: str) -> None:
        """One line of output of the current step (``stream``: stdout, stderr or system)."""
        if len(self._pending) >= MAX_PENDING:
            self._dropped += 1
            return
        self.lines += 1
        self._pending.append(("log", {"step": self.step, "stream": stream, "line": line}))
        if len(self._pending) >= FLUSH_LINES:
            self._wake.set()

    async def _flush_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # the database may recover; the lines stay pending until then
                log.exception("writing the log of build %s failed; retrying", self.build_id)
                await asyncio.sleep(1.0)

    async def flush(self) -> None:
        async with self._lock:
            batch = self._take()
            if batch:
                await asyncio.to_thread(self.store.append, self.build_id, batch)
                self.notifier.notify(self.build_id)

    def _take(self) -> list[tuple[str, dict[str, Any]]]:
        batch, self._pending = self._pending, []
        if self._dropped:
            batch.append(("log", {"step": self.step, "stream": "system", "line": f"[{self._dropped} lines dropped]"}))
            self._dropped = 0
        return batch

    async def update(self, events: list[tuple[str, dict[str, Any]]], **fields: Any) -> BuildRow | None:
        """Store the pending lines, then these fields and events, in one transaction."""
        async with self._lock:
            batch = self._take() + events
            row = await asyncio.to_thread(lambda: self.store.update(self.build_id, batch, **fields))
            self.notifier.notify(self.build_id)
            return row

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        with contextlib.suppress(Exception):
            await self.flush()
