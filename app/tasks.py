"""The one way to start background work: named asyncio tasks, and the executors for blocking calls.

- ``TaskRunner.start(name, coroutine)`` runs a coroutine on the running event loop (qasync's, in the app
  and in every view test). A new task of the same name replaces (cancels) its predecessor, every task is
  referenced until it ends, and a failure is logged and handed to the one error reporter.
- ``Workers`` owns the executors that blocking work runs on: ``db`` is one thread, so database work stays
  in the order it was asked for; ``blocking`` is a few threads for Pillow, parsing, keyring reads and
  other calls that would stall the UI thread. ``AppContext`` builds one and shuts it down in ``close()``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Executor, ThreadPoolExecutor

log = logging.getLogger(__name__)

ErrorReporter = Callable[[str, BaseException], None]
P = ParamSpec("P")
T = TypeVar("T")


class TaskRunner:
    """Keeps a reference to every task, cancels the predecessor of a named task, reports failures.

    ``start("search", coro)`` cancels a running task of the same name first, so a new search replaces
    the old one (``replace=False`` keeps the running one and drops the new coroutine instead). A task that
    raises is logged and handed to the error reporter, which the window turns into a visible message.
    Starting work needs a running event loop: ``RuntimeError`` otherwise.
    """

    def __init__(self, report_error: ErrorReporter | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._named: dict[str, asyncio.Task[Any]] = {}
        self.report_error: ErrorReporter | None = report_error

    def start(self, name: str, coroutine: Coroutine[Any, Any, Any], *, replace: bool = True) -> asyncio.Task[Any]:
        import asyncio  # imported on first use: the window paints before asyncio is needed

        previous = self._named.get(name)
        if previous is not None and not previous.done():
            if not replace:
                coroutine.close()
                return previous
            previous.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coroutine.close()  # never started: no "was never awaited" warning on top of the error
            raise
        task = loop.create_task(coroutine, name=name)
        self._tasks.add(task)
        self._named[name] = task
        task.add_done_callback(self._finished)
        return task

    def running(self, name: str) -> bool:
        task = self._named.get(name)
        return task is not None and not task.done()

    def get(self, name: str) -> asyncio.Task[Any] | None:
        """The running task of that name, or None."""
        task = self._named.get(name)
        return task if task is not None and not task.done() else None

    def cancel(self, name: str) -> bool:
        """Cancels the named task; True when one was running."""
        task = self._named.get(name)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def cancel_prefix(self, prefix: str) -> None:
        """Cancels every running task whose name starts with ``prefix`` (a place's or a service's work)."""
        for name, task in list(self._named.items()):
            if name.startswith(prefix):
                task.cancel()

    def names(self, prefix: str = "") -> list[str]:
        """Names of the running tasks that start with ``prefix``."""
        return [name for name, task in self._named.items() if name.startswith(prefix) and not task.done()]

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if self._named.get(task.get_name()) is task:
            del self._named[task.get_name()]
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if isinstance(error, WorkersClosed):
            log.debug("task %s ended: the app is closing", task.get_name())
            return
        log.error("task %s failed", task.get_name(), exc_info=error)
        if self.report_error is not None:
            self.report_error(task.get_name(), error)


class WorkersClosed(RuntimeError):
    """Blocking work was asked for after ``Workers.shutdown()`` (the app is closing)."""


class Workers:
    """The executors for blocking calls, owned by ``AppContext`` and shut down once in ``close()``.

    ``await workers.db(fn, *args)`` runs on the single database thread (work stays ordered, SQLite sees
    one writer from the app); ``await workers.blocking(fn, *args)`` runs on a small pool (Pillow, parsing,
    keyring). Threads start on first use, so an unused pool costs nothing at start-up. After
    ``shutdown()`` both raise ``WorkersClosed``.
    """

    def __init__(self, blocking_threads: int | None = None) -> None:
        self._blocking_threads = blocking_threads or min(4, (os.cpu_count() or 2) + 1)
        self._db: ThreadPoolExecutor | None = None
        self._blocking: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def db_executor(self) -> Executor:
        """The database thread, for APIs that take an executor (``loop.run_in_executor``)."""
        with self._lock:
            if self._db is None:
                self._db = self._make(1, "db")
            return self._db

    @property
    def blocking_executor(self) -> Executor:
        with self._lock:
            if self._blocking is None:
                self._blocking = self._make(self._blocking_threads, "blocking")
            return self._blocking

    def _make(self, threads: int, name: str) -> ThreadPoolExecutor:
        from concurrent.futures import ThreadPoolExecutor  # imported on first use: start-up stays fast

        if self._closed:
            raise WorkersClosed("the app is closing")
        return ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)

    async def db(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(self.db_executor, function, *args, **kwargs)

    async def blocking(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(self.blocking_executor, function, *args, **kwargs)

    async def _run(self, executor: Executor, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        import asyncio

        if self._closed:
            raise WorkersClosed("the app is closing")
        return await asyncio.get_running_loop().run_in_executor(executor, partial(function, *args, **kwargs))

    def shutdown(self) -> None:
        """Finishes queued database work (a write asked for is a write kept), drops queued blocking calls,
        and waits for the threads. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._blocking is not None:
            self._blocking.shutdown(wait=True, cancel_futures=True)
        if self._db is not None:
            self._db.shutdown(wait=True)
