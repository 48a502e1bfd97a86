"""The collector's policy for a long-running UI process: what lives as long as the app is frozen out of
full collections, so a full pass never walks it.

CPython (3.11) runs a full (generation 2) collection on whichever thread happens to allocate when enough
objects have survived two younger passes, and it holds the GIL throughout: every other thread, the UI thread
included, waits. Its cost grows with every tracked object alive. An imported package (openai's pydantic
models, the embedded Studio API's FastAPI and SQLAlchemy), the Qt wrappers of built places and a loaded
conversation are tens of thousands of objects that live as long as the app; walked on every full pass, they
cost 30–200 ms of stall (measured with ``bench/chat_stream``: a full pass of 63,000 objects, left by the
provider SDK imported after the start-up freeze, stalled the UI thread 58 ms in a reply's first second).

``settle`` moves every object alive now into the permanent generation (``gc.freeze``, Python 3.7+): full
passes then walk only what came after. Call it after a large, long-lived load has finished (start-up, a
conversation opened) — never in a loop. The price: a reference cycle among frozen objects that later becomes
garbage is not reclaimed (objects freed by reference counting are), which is why it is called at these few
points and not on a timer.

A large import on a worker thread (a provider SDK, the embedded Studio API) sets off full collections while
it runs: its own new objects push the collector over its thresholds, and each pass walks everything the
import made so far, holding the GIL. ``quiet_load`` keeps automatic collection off for such a load and
settles once it is done, so the load costs the UI thread no collector pause at all. Cyclic garbage made by
any thread during the load is frozen with it: the load's duration (well under a second unloaded) bounds it.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
_loads_lock = threading.Lock()
_loads = [0, True]  # loads running now, whether automatic collection was on before the first began


def settle(reason: str) -> None:
    """Freezes every object alive now out of full collections (see the module's docstring); ``reason``
    (what just loaded) goes to the debug log. O(1) and safe from any thread. (``gc.get_freeze_count`` is
    not: it walks the whole frozen list, 200,000 objects in ~10 ms, so it is never called here.)"""
    gc.freeze()
    log.debug("heap settled after %s", reason)


@contextmanager
def quiet_load(reason: str) -> Iterator[None]:
    """Runs the ``with`` body (a large one-time load: imports, an app built) with automatic collection off,
    then settles (see the module's docstring) and turns collection back on — only when no other quiet load
    is still running, and only if it was on before the first one began. Safe from any thread; loads may
    overlap. Exceptions from the body propagate (the heap is settled all the same)."""
    with _loads_lock:
        if _loads[0] == 0:
            _loads[1] = gc.isenabled()
            gc.disable()
        _loads[0] += 1
    try:
        yield
    finally:
        with _loads_lock:
            _loads[0] -= 1
            if _loads[0] == 0:
                settle(reason)  # before enabling: the first young pass must not walk what the load made
                if _loads[1]:
                    gc.enable()


UI_SWITCH_INTERVAL_S = 0.001


def favour_the_ui_thread() -> None:
    """Makes a thread that holds the GIL hand it over after 1 ms instead of CPython's 5 ms default
    (``sys.setswitchinterval``). The UI thread shares the interpreter with the embedded Studio API, its
    database threads and the parsing pool; when several of them run Python at once, the UI thread waited a
    full interval behind each in turn. Measured with ``bench builder`` (10,000 log lines streaming from an
    in-process build), three interleaved runs each: the longest UI stall was 15.2 / 18.8 / 13.2 ms at 5 ms
    and 14.7 / 12.1 / 13.3 ms at 1 ms, p99 5.3–6.1 → 3.5–4.1 ms, build time unchanged; ``bench chat_stream``
    unchanged. Process-wide; idempotent."""
    import sys

    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
