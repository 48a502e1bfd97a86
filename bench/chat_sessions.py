"""Chat session list benchmark: 20,000 chats (issue 20).

The chats (each with one message, so search has something to find) are written straight into a SQLite
file; then the Chat place opens (``open_ms``: from building the page to its first page of chats listed and
the newest chat shown). Every page of the list is then scrolled in, so all 20,000 rows are in the model, and
chats are renamed — the newest, one in the middle and the oldest (``rename_max_stall_ms``) — and a search is
typed and cleared (``search_max_stall_ms``). A 1 ms QTimer heartbeat on the UI thread records the gaps
between its ticks; the longest gap is the stall. Budget: stalls < 16 ms, open < 300 ms.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench._calibration import calibration_ms

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SESSIONS = 20_000
ROOT = Path(__file__).resolve().parent.parent
WORDS = ("amber", "basalt", "cobalt", "dune", "ember", "fjord", "garnet", "harbor", "indigo", "jasper")


def _fill(sessions: Any, count: int) -> None:
    """``count`` chats with one user message each, in two bulk inserts (FTS triggers index the text)."""
    from sqlalchemy import insert

    from app.models.chat import ChatMessage, ChatSession, utcnow

    now = utcnow()
    rows = [
        {
            "id": number + 1,
            "title": f"Chat {number} about {WORDS[number % len(WORDS)]}",
            "provider": "custom",
            "model": "echo",
            "system_prompt": "",
            "created_at": now - timedelta(minutes=count - number),
            "updated_at": now - timedelta(minutes=count - number),
        }
        for number in range(count)
    ]
    messages = [
        {
            "session_id": number + 1,
            "role": "user",
            "content": f"Tell me about {WORDS[number % len(WORDS)]} number {number}",
            "status": "complete",
            "created_at": now,
        }
        for number in range(count)
    ]
    with sessions.begin() as db:
        db.execute(insert(ChatSession), rows)
        db.execute(insert(ChatMessage), messages)


def main() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.context import build_context
    from app.paths import Paths
    from app.views.chat.page import ChatPage
    from app.views.theme import apply_theme
    from tests.fakes.memory_keyring import MemoryKeyring

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    folder = tempfile.TemporaryDirectory(prefix="amethyst-bench-")
    context = build_context(Paths.resolve(Path(folder.name)), keyring_backend=MemoryKeyring(), environ={})
    _fill(context.sessions, SESSIONS)
    gaps: list[float] = []
    last = time.perf_counter()

    def beat() -> None:
        nonlocal last
        now = time.perf_counter()
        gaps.append((now - last) * 1000)
        last = now

    heartbeat = QTimer(interval=1)
    heartbeat.timeout.connect(beat)

    def begin() -> None:
        nonlocal last
        gaps.clear()
        last = time.perf_counter()
        heartbeat.start()

    def end() -> float:
        heartbeat.stop()
        return max(gaps[1:], default=0.0)

    async def settle(rounds: int = 20) -> None:
        for _ in range(rounds):
            await asyncio.sleep(0.005)

    async def run() -> dict[str, Any]:
        started = time.perf_counter()
        page = ChatPage(context)
        page.resize(1280, 820)
        page.show()
        built_ms = (time.perf_counter() - started) * 1000
        model = page.sessions.model
        while model.rowCount() == 0:
            await asyncio.sleep(0.001)
        listed_ms = (time.perf_counter() - started) * 1000
        while page.current is None:
            await asyncio.sleep(0.001)
        open_ms = (time.perf_counter() - started) * 1000
        await settle()

        while model.canFetchMore(model.index(-1, 0).parent()) or page.controller.tasks.names("chat-sessions-more"):
            page.sessions.list.scrollToBottom()
            model.fetchMore(model.index(-1, 0).parent())
            await asyncio.sleep(0.002)
        listed = model.rowCount()
        await settle()

        renames = 0.0
        for session_id in (SESSIONS, SESSIONS // 2, 1):  # the newest, one in the middle, the oldest
            title = f"Renamed {session_id} ✓"
            begin()
            page.controller.rename(session_id, title)
            while model.rowCount() == 0 or model.session_at(0).title != title:
                await asyncio.sleep(0.001)
            await settle()
            renames = max(renames, end())

        begin()
        page.sessions.search.setFocus()
        for char in "garnet":
            page.sessions.search.insert(char)
            await asyncio.sleep(0.03)
        while page.sessions.stack.currentWidget() is not page.sessions.hit_list:
            await asyncio.sleep(0.001)
        page.sessions.search.clear()
        while page.sessions.stack.currentWidget() is not page.sessions.list:
            await asyncio.sleep(0.001)
        await settle()
        search = end()
        hits = page.sessions.hits.rowCount()
        page.close()
        context.chat.shutdown()
        return {
            "name": "chat_sessions",
            "sessions": SESSIONS,
            "listed": listed,
            "hits": hits,
            "rename_max_stall_ms": round(renames, 2),
            "search_max_stall_ms": round(search, 2),
            "open_ms": round(open_ms, 1),
            "open_page_built_ms": round(built_ms, 1),
            "open_listed_ms": round(listed_ms, 1),
            "load_average": round(os.getloadavg()[0], 2),
            "calibration_ms": calibration_ms(),
        }

    try:
        with qasync.QEventLoop(app) as loop:  # type: ignore[arg-type]
            asyncio.set_event_loop(loop)
            return loop.run_until_complete(run())
    finally:
        context.close()
        folder.cleanup()


if __name__ == "__main__":
    import json

    print(json.dumps(main()))
