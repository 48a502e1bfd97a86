"""A terminal-like log: a virtualized list over the controller's lines that follows the tail.

``LogModel`` reads the controller's list of lines (no copy); appended lines become one ``beginInsertRows``
per batch. ``LogView`` keeps to the bottom while the person is there; scrolling up pauses following (a note
says so), scrolling back to the end resumes it. Uniform item sizes keep layout O(1) for any length.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFontDatabase
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.services.builder.controller import LogLine
from app.views.widgets.qt_guard import qt_guarded

STREAM_COLORS = {"stderr": QColor("#f0a0a0"), "system": QColor("#c084fc")}


class LogModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: list[LogLine] = []
        self._shown = 0

    def set_lines(self, lines: list[LogLine]) -> None:
        self.beginResetModel()
        self._lines = lines
        self._shown = len(lines)
        self.endResetModel()

    def sync(self) -> None:
        """Show the lines appended to the list since the last call."""
        count = len(self._lines)
        if count > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, count - 1)
            self._shown = count
            self.endInsertRows()

    @qt_guarded(default=0)
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    @qt_guarded()
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        try:
            if not index.isValid() or index.row() >= self._shown:
                return None
            line = self._lines[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                return line.text
            if role == Qt.ItemDataRole.ForegroundRole:
                return STREAM_COLORS.get(line.stream)
            return None
        except Exception:  # an exception here would take PySide down
            return None

    def text(self) -> str:
        return "\n".join(line.text for line in self._lines[: self._shown])


class LogView(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BuildLog")
        self.setAccessibleName("Build log")
        self.log_model = LogModel(self)
        self.setModel(self.log_model)
        self.setUniformItemSizes(True)
        # Terminal-dense rows; the theme's roomy list-item padding is for pickable lists.
        self.setStyleSheet("QListView#BuildLog::item { padding: 0px 6px; margin: 0px; border: none; }")
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.following = True
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self._programmatic = False

    def _scrolled(self, value: int) -> None:
        if not self._programmatic:
            self.following = value >= self.verticalScrollBar().maximum() - 1

    def set_lines(self, lines: list[LogLine]) -> None:
        self.following = True
        self.log_model.set_lines(lines)
        self._to_end()

    def appended(self) -> None:
        follow = self.following
        self.log_model.sync()
        if follow:
            self._to_end()

    def _to_end(self) -> None:
        self._programmatic = True
        try:
            self.scrollToBottom()
        finally:
            self._programmatic = False
