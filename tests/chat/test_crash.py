"""A process killed mid-stream (SIGKILL) leaves its partial reply in the database, shown as interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.context import build_context
from app.models.chat import MessageStatus
from app.paths import Paths
from app.services.chat.service import ChatService
from tests.chat.helpers import fake_factory
from tests.fakes.chat_servers import Script, ServerThread
from tests.fakes.memory_keyring import MemoryKeyring

# This module streams in a child process that is killed and then reopened:
# on a loaded machine that can outlast the suite's 60 s hang guard (pyproject); its own waits, which allow
# longer, are what bound it.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]


def partial_reply(database: Path) -> tuple[str, str] | None:
    if not database.exists():
        return None
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            row = connection.execute("SELECT content, status FROM chat_messages WHERE role = 'assistant'").fetchone()
    except sqlite3.OperationalError:  # tables not created yet
        return None
    return (row[0], row[1]) if row else None


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
async def test_killed_mid_stream_keeps_partial_reply(
    tmp_path: Path, openai_server: ServerThread, script: Script
) -> None:
    script.tokens = 10_000
    script.delay_s = 0.01
    data_dir = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.chat.stream_child", str(data_dir), f"{openai_server.url}/v1"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"streaming"
        deadline = time.monotonic() + 60
        seen: tuple[str, str] | None = None
        while time.monotonic() < deadline:
            seen = partial_reply(data_dir / "amethyst.db")
            if seen and seen[1] == MessageStatus.STREAMING and seen[0].count("tok") >= 20:
                break
            time.sleep(0.05)
        assert seen is not None and seen[0].count("tok") >= 20, seen
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    saved = partial_reply(data_dir / "amethyst.db")
    assert saved is not None and saved[1] == MessageStatus.STREAMING
    assert saved[0].startswith(" tok0 tok1 tok2")
    assert len(saved[0]) >= len(seen[0])

    # The next run opens the same data folder: the reply is kept, marked interrupted.
    context = build_context(Paths.resolve(data_dir), keyring_backend=MemoryKeyring(), environ={})
    service = ChatService(context.sessions, fake_factory(openai_server), tasks=context.tasks, workers=context.workers)
    try:
        assert await service.open() == 1
        session = (await service.list_sessions())[0]
        reply = (await service.messages(session.id))[-1]
        assert reply.status == MessageStatus.INTERRUPTED
        assert reply.content == saved[0]
    finally:
        service.shutdown()
        context.close()
