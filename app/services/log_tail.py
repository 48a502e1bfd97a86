"""Following the app's log file as it grows, for the viewer in Settings (QtCore only).

``LogTail`` keeps the last ``max_lines`` lines of the file in memory (never more) and, on each ``poll()``,
reads only the bytes written since the last one. A rotated file (``RotatingFileHandler`` renames it to
``amethyst.log.1`` and starts an empty one) or a truncated one is noticed by its inode or a size below the
read position, and read again from its start. A last line without its newline waits for the next poll.
The owner decides when to poll (``start``/``stop`` run a timer: the viewer polls only while it is shown).
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

FIRST_READ_BYTES = 200_000  # how far back the first read goes (the rest of a 1 MB file is older news)
MAX_READ_BYTES = 1_000_000  # at most this much per poll: a burst of logging is taken in steps
POLL_MS = 500


class LogTail(QObject):
    """``appended(list[str])``: new complete lines. ``reset(list[str])``: the lines kept were replaced (first
    read, rotation, truncation, ``reload``); both carry at most ``max_lines`` lines."""

    appended = Signal(list)
    reset = Signal(list)

    def __init__(self, path: Path | None, max_lines: int = 5000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.max_lines = max_lines
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._offset = 0
        self._inode: int | None = None
        self._partial = b""
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def lines(self) -> list[str]:
        """The lines kept, oldest first (at most ``max_lines``)."""
        return list(self._lines)

    @property
    def following(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        """Polls now and then every ``POLL_MS`` ms until ``stop``."""
        self.poll()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reload(self) -> None:
        """Forgets what was read and reads the file's end again (emits ``reset``)."""
        self._inode = None
        self.poll()

    def poll(self) -> None:
        """Reads what was written since the last poll; emits ``reset`` or ``appended`` when lines came."""
        if self.path is None:
            return
        try:
            stat = os.stat(self.path)
        except OSError:  # not written yet, or between a rotation's rename and the new file
            return
        fresh = self._inode != stat.st_ino or stat.st_size < self._offset
        if fresh:
            self._lines.clear()
            self._partial = b""
            self._inode = stat.st_ino
            self._offset = max(0, stat.st_size - FIRST_READ_BYTES)
        if stat.st_size == self._offset and not fresh:
            return
        skip_partial_first = fresh and self._offset > 0  # started mid-file: the first line is cut
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self._offset)
                data = stream.read(MAX_READ_BYTES)
        except OSError:
            return
        self._offset += len(data)
        data = self._partial + data
        complete, _, self._partial = data.rpartition(b"\n")
        new = complete.decode("utf-8", errors="replace").split("\n") if complete else []
        if skip_partial_first and new:
            new = new[1:]
        new = new[-self.max_lines :]
        self._lines.extend(new)
        if fresh:
            self.reset.emit(list(self._lines))
        elif new:
            self.appended.emit(new)
