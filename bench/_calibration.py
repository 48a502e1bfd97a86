"""One fixed pure-Python workload, timed in the same run as a benchmark, so figures from machines that
differ by more than 2× can be compared (divide a figure by its run's ``calibration_ms``).

Every benchmark's result has ``"calibration_ms": calibration_ms()``, measured at the end of its own run.
"""

from __future__ import annotations

import statistics
import time

ROUNDS = 15


def _workload() -> int:
    """A few milliseconds of interpreter work: arithmetic, a dict, string building and a sort."""
    counts: dict[int, int] = {}
    total = 0
    for number in range(80_000):
        total += (number * number) % 7
        counts[number % 97] = counts.get(number % 97, 0) + 1
    words = sorted(f"w{(number * 7919) % 10_007}" for number in range(20_000))
    return total + len(counts) + len(words[0])


def calibration_ms(rounds: int = ROUNDS) -> float:
    """The median wall-clock time of one run of the fixed workload, in milliseconds (after one warm-up)."""
    _workload()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        _workload()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)
