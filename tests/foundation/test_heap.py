"""The collector policy (app/services/heap.py): quiet loads keep automatic collection off while they run and
freeze what they made; overlapping loads from two threads turn it back on only when the last one ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from app.services import heap


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()  # frozen objects go back to the oldest generation: later tests see the usual collector
    if enabled:
        gc.enable()
    else:
        gc.disable()


class _Made:
    """A tracked object the load makes (with a cycle, as module objects have)."""

    def __init__(self) -> None:
        self.me = self


def test_settle_freezes_what_is_alive() -> None:
    made = [_Made() for _ in range(100)]
    before = gc.get_freeze_count()
    heap.settle("a test")
    assert gc.get_freeze_count() >= before + len(made)
    assert not any(any(obj is m for m in made) for obj in gc.get_objects(2))


def test_a_quiet_load_runs_without_automatic_collection_and_freezes_what_it_made() -> None:
    gc.enable()
    before = gc.get_freeze_count()
    with heap.quiet_load("a test load"):
        assert not gc.isenabled()
        made = [_Made() for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)


def test_a_failing_load_still_turns_collection_back_on() -> None:
    gc.enable()
    with pytest.raises(ZeroDivisionError), heap.quiet_load("a failing load"):
        _ = 1 / 0
    assert gc.isenabled()


def test_collection_that_was_off_stays_off() -> None:
    gc.disable()
    with heap.quiet_load("a load"):
        pass
    assert not gc.isenabled()


def test_overlapping_loads_turn_collection_on_when_the_last_ends() -> None:
    gc.enable()
    inside = threading.Event()
    finish = threading.Event()
    seen: list[bool] = []

    def other_load() -> None:
        with heap.quiet_load("the other load"):
            inside.set()
            finish.wait(30)

    worker = threading.Thread(target=other_load)
    worker.start()
    assert inside.wait(30)
    with heap.quiet_load("this load"):
        pass
    seen.append(gc.isenabled())  # the other load still runs: still off
    finish.set()
    worker.join(30)
    assert seen == [False]
    assert gc.isenabled()


def test_a_context_makes_threads_hand_the_gil_over_within_a_millisecond(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sys

    from app.context import build_context
    from app.paths import Paths
    from app.services.heap import UI_SWITCH_INTERVAL_S

    sys.setswitchinterval(0.005)
    try:
        build_context(Paths.resolve(tmp_path), environ={})
        assert sys.getswitchinterval() == UI_SWITCH_INTERVAL_S
    finally:
        sys.setswitchinterval(0.005)
