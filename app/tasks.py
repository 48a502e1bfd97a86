"""Background asyncio work started from the UI: named, referenced, and never failing silently."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

ErrorReporter = Callable[[str, BaseException], None]


class TaskRunner:
    """Keeps a reference to every task, cancels the predecessor of a named task, reports failures.

    ``start("search", coro)`` cancels a running task of the same name first, so a new search replaces
    the old one. A task that raises is logged and handed to the error reporter, which the window turns
    into a visible message.
    """

    def __init__(self, report_error: ErrorReporter | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._named: dict[str, asyncio.Task[Any]] = {}
        self.report_error: ErrorReporter | None = report_error

    def start(self, name: str, coroutine: Coroutine[Any, Any, Any], *, replace: bool = True) -> asyncio.Task[Any]:
        previous = self._named.get(name)
        if previous is not None and not previous.done():
            if replace:
                previous.cancel()
            else:
                coroutine.close()
                return previous
        import asyncio  # imported on first use: the window paints before asyncio is needed

        task = asyncio.get_event_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        self._named[name] = task
        task.add_done_callback(self._finished)
        return task

    def running(self, name: str) -> bool:
        task = self._named.get(name)
        return task is not None and not task.done()

    def cancel(self, name: str) -> None:
        task = self._named.get(name)
        if task is not None:
            task.cancel()

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
        log.error("task %s failed", task.get_name(), exc_info=error)
        if self.report_error is not None:
            self.report_error(task.get_name(), error)
