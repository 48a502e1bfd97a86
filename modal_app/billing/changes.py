"""Waking the long-polls of ``GET /v1/billing?wait=…&since=…`` when a webhook changed an account.

A webhook applied in this process wakes that account's waiters at once (``changed``); one applied by another
server process (several workers on Postgres) is seen by the waiter's own re-read, every ``RECHECK_SECONDS``
at most. Everything here runs on the app's event loop (no locks needed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

RECHECK_SECONDS = 1.0  # how late a change made by another process may be seen
MAX_WAIT_SECONDS = 25.0  # under the usual 30 s proxy idle timeouts

T = TypeVar("T")


class BillingChanges:
    """Per-account waiters, woken by ``changed(account_id)``."""

    def __init__(self, recheck: float = RECHECK_SECONDS) -> None:
        self.recheck = recheck
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}

    def changed(self, account_id: str) -> None:
        """Wake every long-poll of the account (call after the change is committed)."""
        for waiter in self._waiters.pop(account_id, set()):
            if not waiter.done():
                waiter.set_result(None)

    def waiting(self, account_id: str) -> int:
        """How many long-polls of the account are waiting now (for tests and diagnostics)."""
        return len(self._waiters.get(account_id, ()))

    async def wait_until_changed(
        self,
        account_id: str,
        read: Callable[[], Awaitable[T]],
        version: Callable[[T], str],
        since: str,
        wait: float,
        gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> T:
        """``read()`` as soon as its ``version`` differs from ``since``, or when ``wait`` seconds have passed,
        or when ``gone()`` says the caller left (the client hung up: Cancel in the app), checked each re-read.

        The waiter is registered before each read, so a change committed between the read and the wait
        still wakes it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(wait, 0.0), MAX_WAIT_SECONDS)
        while True:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.setdefault(account_id, set()).add(waiter)
            try:
                value = await read()
                remaining = deadline - loop.time()
                if version(value) != since or remaining <= 0 or (gone is not None and await gone()):
                    return value
                await asyncio.wait({waiter}, timeout=min(remaining, self.recheck))
            finally:
                waiters = self._waiters.get(account_id)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiters[account_id]
