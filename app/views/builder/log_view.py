"""A terminal-like build log: a read-only ``QPlainTextEdit`` fed from the controller's list of lines.

Why this shape (measured with ``python -m bench builder``): a ``QListView`` over a Python list model re-laid
its rows on every append, calling the Python ``rowCount`` hundreds of thousands of times — tens of ms per
batch on the UI thread. Here the controller's ``log_appended`` only starts a frame timer; at most once per
``FRAME_MS`` the lines not yet shown are joined and inserted with one cursor edit (one insert per run of
lines of the same stream, which sets their colour), at most ``LINES_PER_FRAME`` per frame. The document keeps
the last ``MAX_SHOWN`` lines (``setMaximumBlockCount``); copy and save take every line from the controller.
``QPlainTextDocumentLayout`` lays out only what is visible, and without wrapping a line is one row.

Following: the view keeps to the end while the person is there; scrolling up pauses it (new lines wait,
the page stays still), scrolling back to the end resumes it and shows what waited.
"""

from __future__ import annotations

from itertools import groupby

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.services.builder.controller import LogLine

STREAM_COLORS = {"stderr": QColor("#f0a0a0"), "system": QColor("#c084fc")}
FRAME_MS = 16
LINES_PER_FRAME = 2000
MAX_SHOWN = 20_000


def _format(stream: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    color = STREAM_COLORS.get(stream)
    if color is not None:
        fmt.setForeground(color)
    return fmt


class LogView(QPlainTextEdit):
    """Shows a list of ``LogLine`` that grows in place (``set_lines`` once, then ``appended`` per batch)."""

    following_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BuildLog")
        self.setAccessibleName("Build log")
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setMaximumBlockCount(MAX_SHOWN)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self._formats = {stream: _format(stream) for stream in ("stdout", "stderr", "system")}
        self._lines: list[LogLine] = []
        self._shown = 0  # lines[:_shown] were handed to the document (the oldest may have been trimmed)
        self.following = True
        self._programmatic = False
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self._show_more)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)

    # --- what the build view calls -------------------------------------------------------------------
    @property
    def lines(self) -> list[LogLine]:
        return self._lines

    @property
    def shown(self) -> int:
        """How many of the lines were put on screen so far (the oldest may be trimmed from the document)."""
        return self._shown

    @property
    def waiting(self) -> int:
        """Lines not shown yet (while paused, or before the next frame)."""
        return len(self._lines) - self._shown

    def set_lines(self, lines: list[LogLine]) -> None:
        """Show this list (the controller's, shared, not copied) from its start, following the end."""
        self._lines = lines
        self._shown = 0
        self.clear()
        self._set_following(True)
        self.appended()

    def appended(self) -> None:
        """Lines were added to the list: show them on the next frame (nothing else happens here)."""
        if self.following and self.waiting > 0 and not self._frame.isActive():
            self._frame.start()

    def text(self) -> str:
        """Every line of the log (not only what the document keeps), for copy and save."""
        return "\n".join(line.text for line in self._lines)

    # --- painting in frames --------------------------------------------------------------------------
    def _show_more(self) -> None:
        if not self.following:
            return
        start = max(self._shown, len(self._lines) - MAX_SHOWN)  # what the document would trim anyway
        fresh = self._shown == 0 or start > self._shown
        if fresh:
            self.clear()
        batch = self._lines[start : start + LINES_PER_FRAME]
        if not batch:
            return
        self._programmatic = True
        try:
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.beginEditBlock()
            first = fresh
            for stream, run in groupby(batch, key=lambda line: line.stream):
                text = "\n".join(line.text for line in run)
                cursor.insertText(text if first else "\n" + text, self._formats.get(stream, self._formats["stdout"]))
                first = False
            cursor.endEditBlock()
            self._shown = start + len(batch)
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())
        finally:
            self._programmatic = False
        if self.waiting > 0:
            self._frame.start()

    # --- following -----------------------------------------------------------------------------------
    def _scrolled(self, value: int) -> None:
        if not self._programmatic:
            self._set_following(value >= self.verticalScrollBar().maximum())

    def _set_following(self, following: bool) -> None:
        if following == self.following:
            return
        self.following = following
        self.following_changed.emit(following)
        if following:
            self.appended()
