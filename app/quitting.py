"""Quitting the one way: SIGTERM and SIGINT (Ctrl+C in a terminal) go through the app's normal quit path,
and no child process outlives the app.

Python runs a signal handler only when the interpreter gets control, and under Qt's event loop it may not
for a long time (the loop waits in C++). ``install_quit_signals`` makes the signal wake the loop:
``signal.set_wakeup_fd`` has the C-level handler write a byte to a socket pair that a ``QSocketNotifier``
watches, and the slot that drains it lets Python run the handler at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _SignalWake(QObject):
    """Owns the socket pair and the notifier; ``close()`` restores the previous handlers and wake-up fd."""

    def __init__(self, quit_app: Callable[[str], None]) -> None:
        super().__init__()
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._previous = {number: signal.signal(number, self._handle) for number in QUIT_SIGNALS}
        self._quit_app = quit_app
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _handle(self, number: int, _frame: object) -> None:
        name = signal.Signals(number).name
        log.info("quitting on %s", name)
        self._quit_app(name)

    def _drain(self) -> None:
        # By the time this slot runs, Python has run the handler of every signal whose byte is here.
        try:
            while self._read.recv(64):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        self._notifier.setEnabled(False)
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        signal.set_wakeup_fd(self._previous_fd)
        self._read.close()
        self._write.close()


def install_quit_signals(quit_app: Callable[[str], None]) -> Callable[[], None]:
    """SIGTERM/SIGINT call ``quit_app(signal name)`` on the Qt thread, promptly, while the event loop runs.
    Needs a QCoreApplication; call on the main thread. Returns a function that undoes it."""
    wake = _SignalWake(quit_app)
    return wake.close


def end_child_processes(grace_s: float = 3.0) -> list[int]:
    """End every child process this process started through ``multiprocessing`` (the local image worker
    of the embedded Studio API among them) that is still running after the app's own shutdown: terminate,
    wait up to ``grace_s`` seconds, then kill. Returns their process ids.

    multiprocessing's resource tracker is not one of them: it ends by itself when the last process holding
    its pipe (this one and the workers) has exited.
    """
    children = multiprocessing.active_children()
    for child in children:
        log.info("ending child process %s (%s)", child.pid, child.name)
        child.terminate()
    for child in children:
        child.join(grace_s)
        if child.is_alive():
            log.warning("child process %s did not end; killing it", child.pid)
            child.kill()
            child.join(grace_s)
    return [child.pid for child in children if child.pid is not None]
