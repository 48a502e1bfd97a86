"""Failed sign-ins counted per account and per client address, in a sliding window.

Checked before the password is hashed, so a refused attempt costs no argon2 work. The counts live in the
server process (several worker processes each count on their own, so the effective limit is at most the
limit times the number of workers) and are forgotten at a restart.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

# Bounds the memory an attacker can make us spend by cycling through addresses or emails.
MAX_KEYS = 100_000


class SignInLimiter:
    """``attempt(email, address)`` says how long to wait before another try (0 = go ahead)."""

    def __init__(
        self,
        per_account: int = 10,
        per_address: int = 30,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.window_s = window_s
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def attempt(self, email: str, address: str | None) -> int:
        """Count a sign-in attempt as a failure until ``succeeded``; returns 0 when it may go ahead, else
        the whole seconds to wait (and then it is not counted)."""
        now = self._clock()
        with self._lock:
            wait = self._wait(f"account:{email}", self.per_account, now)
            if address:
                wait = max(wait, self._wait(f"address:{address}", self.per_address, now))
            if wait:
                return wait
            self._add(f"account:{email}", now)
            if address:
                self._add(f"address:{address}", now)
        return 0

    def succeeded(self, email: str, address: str | None) -> None:
        """A right password clears the account's failures and takes back this attempt from the address
        (its earlier failures stay: one address guessing many accounts stays limited)."""
        with self._lock:
            self._failures.pop(f"account:{email}", None)
            times = self._failures.get(f"address:{address}") if address else None
            if times:
                times.pop()

    def _wait(self, key: str, limit: int, now: float) -> int:
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        if len(times) < limit:
            return 0
        # Wait until enough failures leave the window that one more try is allowed.
        return max(1, math.ceil(times[len(times) - limit] + self.window_s - now))

    def _add(self, key: str, now: float) -> None:
        times = self._failures.get(key)
        if times is None:
            times = self._failures[key] = deque()
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)
        else:
            self._failures.move_to_end(key)
        times.append(now)
        # Older entries than the limit never decide a wait: keep the deque short.
        while len(times) > max(self.per_account, self.per_address):
            times.popleft()
