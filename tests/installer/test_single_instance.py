"""One Amethyst per data folder: a second launch hands its place to the running one and exits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.single_instance import SingleInstance, claim, send_to_running, server_name

# This module launches the app twice as real processes:
# on a loaded machine that can outlast the suite's 60 s hang guard (pyproject); its own waits, which allow
# longer, are what bound it.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]


def test_names_differ_per_data_folder(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert server_name(tmp_path / "a") == server_name(tmp_path / "a" / ".." / "a")


def test_second_claim_hands_over_its_message(qtbot, tmp_path: Path) -> None:
    name = server_name(tmp_path)
    first = claim(name, {"place": ""})
    assert isinstance(first, SingleInstance)
    assert first.take_pending() == []
    try:
        with qtbot.waitSignal(first.message_received) as received:
            assert claim(name, {"place": "chat"}) is None
        assert received.args == [{"place": "chat"}]
    finally:
        first.close()
    assert not send_to_running(name, {"place": "chat"})  # nobody listens any more


def test_a_stale_socket_file_does_not_block_the_next_start(qtbot, tmp_path: Path) -> None:
    name = server_name(tmp_path)
    if sys.platform != "win32":  # what a crashed instance leaves behind on Unix
        from PySide6.QtCore import QDir

        Path(QDir.tempPath(), name).touch()
    instance = claim(name, {})
    assert instance is not None
    instance.close()


def test_second_launch_of_the_app_focuses_the_first(tmp_path: Path) -> None:
    environment = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        AMETHYST_CONNECTION_KIND="cloud",  # no embedded server needed here
    )
    data = tmp_path / "data"
    command = [sys.executable, "-m", "app", "--data-dir", str(data)]
    first = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    log_file = data / "logs" / "amethyst.log"
    try:
        deadline = time.monotonic() + 120
        while not (log_file.exists() and "listening for later launches" in log_file.read_text()):
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < deadline, "the first instance did not start"
            time.sleep(0.2)
        second = subprocess.run([*command, "--place", "settings"], env=environment, cwd=ROOT, timeout=120)
        assert second.returncode == 0
        while "a second launch asked for {'place': 'settings'}" not in log_file.read_text():
            assert first.poll() is None
            assert time.monotonic() < deadline, "the first instance never heard of the second launch"
            time.sleep(0.2)
        assert "already running with this data folder" in log_file.read_text()
    finally:
        first.terminate()
        first.wait(30)


def test_messages_before_the_window_listens_are_kept(qtbot, tmp_path: Path) -> None:
    name = server_name(tmp_path)
    first = claim(name, {})
    assert first is not None
    try:
        assert claim(name, {"place": "studio"}) is None
        qtbot.waitUntil(lambda: bool(first._pending))
        assert first.take_pending() == [{"place": "studio"}]
    finally:
        first.close()
