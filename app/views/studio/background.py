"""Starting async work from Studio widgets, tolerant of a window built without an asyncio loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from app.tasks import TaskRunner

log = logging.getLogger(__name__)


def start(tasks: TaskRunner, name: str, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """``tasks.start`` — or, where no event loop exists (a bare window in a test), skip the work."""
    try:
        return tasks.start(name, coroutine)
    except RuntimeError as error:
        coroutine.close()
        log.warning("studio: %s not started: %s", name, error)
        return None
