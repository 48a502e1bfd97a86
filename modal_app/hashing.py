"""Password hashing (argon2id) on its own small thread pool.

argon2 is built to be slow and memory-hungry; run on the event loop's default executor, a dozen parallel
sign-ins fill every thread that database calls also wait for. Here hashing has its own bounded pool, and
past ``max_pending`` waiting hashes new ones are refused (``HashingBusy``) instead of queuing without end.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher

T = TypeVar("T")


class HashingBusy(Exception):
    """Too many password checks are waiting; the caller should try again in a moment."""


def default_hash_threads() -> int:
    """Half the CPUs, between 1 and 4: sign-ins never take every core from request handling."""
    return max(1, min(4, (os.cpu_count() or 2) // 2))


class PasswordHashing:
    """The argon2 hasher and the pool it runs on. ``hasher`` is for use inside ``run``."""

    def __init__(self, threads: int | None = None, max_pending: int = 64) -> None:
        # Moderate cost: one hash takes tens of milliseconds and 32 MiB on a small server.
        self.hasher = PasswordHasher(time_cost=2, memory_cost=32 * 1024, parallelism=1)
        self.threads = threads or default_hash_threads()
        self.max_pending = max_pending
        self._executor: ThreadPoolExecutor | None = None
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Hashing calls queued or running now."""
        return self._pending

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the hashing pool; raises HashingBusy when ``max_pending`` calls are waiting."""
        with self._lock:
            if self._pending >= self.max_pending:
                raise HashingBusy("too many sign-ins at once; try again in a moment")
            self._pending += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="argon2")
            executor = self._executor
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        finally:
            with self._lock:
                self._pending -= 1

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
