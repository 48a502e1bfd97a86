"""Markdown of long replies rendered on the blocking pool, so parsing and highlighting never stall the UI.

Rendering a 3,000-line code block is tens of milliseconds of pure Python (markdown-it, pygments); run on a
worker it only competes for the GIL, which the interpreter hands back to the UI thread every few
milliseconds. Until it arrives the reply is shown as plain text, and short replies are still rendered on
the spot (below ``OFF_THREAD_CHARS`` a render costs well under a millisecond).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.tasks import TaskRunner, Workers, WorkersClosed
from app.views.chat.markdown import Rendered, plain_parts, render_markdown

log = logging.getLogger(__name__)

OFF_THREAD_CHARS = 6_000
Done = Callable[[int, str, Rendered], None]  # message id, the text rendered, its rendering


class MarkdownRenderer:
    """Starts ``chat-render-<message id>`` tasks that render on ``workers.blocking`` and hand the result to
    ``done`` on the UI thread (a newer request for the same message replaces an older one)."""

    def __init__(self, tasks: TaskRunner, workers: Workers) -> None:
        self._tasks = tasks
        self._workers = workers

    def request(self, message_id: int, text: str, done: Done) -> None:
        self._tasks.start(f"chat-render-{message_id}", self._render(message_id, text, done))

    async def _render(self, message_id: int, text: str, done: Done) -> None:
        try:
            rendered = await self._workers.blocking(render_markdown, text)
        except WorkersClosed:  # the app is closing
            return
        except Exception:  # a bug in rendering costs the formatting, never the text
            log.exception("rendering the Markdown of message %s failed; it is shown as plain text", message_id)
            rendered = Rendered(tuple(plain_parts(text)), ())
        done(message_id, text, rendered)
