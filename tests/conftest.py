"""Shared fixtures: offscreen Qt, an in-memory keyring, a context on a temporary data folder, a qasync loop."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.fakes.memory_keyring.MemoryKeyring")

import pytest
import qasync

from app.context import AppContext, build_context
from app.log import Redactor
from app.paths import Paths
from tests.fakes.memory_keyring import MemoryKeyring

if TYPE_CHECKING:
    from app.views.main_window import MainWindow

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "data")


@pytest.fixture
def context(paths: Paths, memory_keyring: MemoryKeyring) -> Iterator[AppContext]:
    """A full app context on a fresh data folder; environment overrides are not read."""
    ctx = build_context(paths, redactor=Redactor(), keyring_backend=memory_keyring, environ={})
    yield ctx
    ctx.close()


@pytest.fixture
def window(context: AppContext, qtbot) -> Iterator[MainWindow]:
    """The main window on ``context``, 1280 × 800, shown and exposed (tests that need another size or
    start define their own)."""
    from app.views.main_window import MainWindow

    main = MainWindow(context)
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    qtbot.waitExposed(main)
    yield main


@pytest.fixture
def qloop(qapp) -> Iterator[qasync.QEventLoop]:
    """A qasync loop that counts as running while Qt processes events (qtbot.waitUntil / waitSignal)."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    # What run_forever does in the app: async generators dropped unfinished (an HTTP body left mid-stream)
    # are closed by a task on this loop, not thrown GeneratorExit by the garbage collector.
    old_hooks = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook, finalizer=loop._asyncgen_finalizer_hook)
    yield loop
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    # Let the cancelled tasks unwind (close their HTTP streams and generators) instead of leaving them to the
    # garbage collector; the loop runs only while Qt processes events.
    deadline = time.monotonic() + 2.0
    while any(not task.done() for task in pending) and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.005)
    # qasync keeps its default executor (address lookups run there) private; stop its threads here, since
    # a loop that was never run by run_forever cannot be closed.
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)
    sys.set_asyncgen_hooks(*old_hooks)
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def _loop_for_widget_tests(request: pytest.FixtureRequest) -> None:
    """Every test that drives widgets (asks for ``qtbot``) runs on the qasync loop: no view runs loop-less."""
    if "qtbot" in request.fixturenames:
        request.getfixturevalue("qloop")


@pytest.fixture
def screenshot_dir() -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session", autouse=True)
def themed_app(qapp):
    """Every view test runs with the real stylesheet, so screenshots look like the app."""
    from app.views.theme import apply_theme

    apply_theme(qapp)
    return qapp
