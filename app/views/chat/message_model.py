"""The messages of the open session as a list model; a streaming reply grows in place.

Only the newest ``WINDOW`` messages are rows at first; older ones become rows when the person scrolls to the
top (``show_earlier``) or a search hit needs one (``reveal``). Whenever a row's height changes QListView lays
out every row again, calling the delegate's ``sizeHint`` through Python once per row: with 1,000 rows that is
10–20 ms of the UI thread, several times a second while a reply streams; with 200 it is a fifth of that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.services.chat.reasoning import split_think
from app.services.chat.store import MessageInfo
from app.views.chat.markdown import Rendered, render_markdown
from app.views.chat.message_render import OFF_THREAD_CHARS, MarkdownRenderer
from app.views.widgets.qt_guard import qt_guarded

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
WINDOW = 200  # messages shown as rows when a chat opens; older ones on demand
Index = QModelIndex | QPersistentModelIndex


@dataclass
class MessageRow:
    info: MessageInfo
    text: str
    version: int = 0  # bumps whenever what is drawn changes
    waiting: int = 0  # seconds left of a rate-limit wait
    is_last: bool = False
    reasoning: str = ""  # the "Thinking" part, shown apart and collapsed unless ``thinking_open``
    thinking_open: bool = False
    phase: str = ""  # what a silent streaming reply waits for ("Loading the model…")
    pending: bool = False  # its Markdown is being rendered off the UI thread: shown as plain text until then
    _rendered: Rendered | None = None

    @classmethod
    def of(cls, info: MessageInfo, **fields: Any) -> MessageRow:
        """A row for ``info``; ``<think>`` blocks left in older or imported text are shown apart too."""
        text, reasoning = info.content, info.reasoning or ""
        if info.role == "assistant" and not reasoning and ("<think" in text or "</think" in text):
            text, reasoning = split_think(text)
        return cls(info, text, reasoning=reasoning, **fields)

    @property
    def streaming(self) -> bool:
        return self.info.status == "streaming"

    def rendered(self) -> Rendered:
        """Markdown → HTML, done once per finished message (streaming text is drawn as plain text)."""
        if self._rendered is None:
            self._rendered = render_markdown(self.text)
        return self._rendered


class MessageListModel(QAbstractListModel):
    # Streamed text changes a row without ``dataChanged``: QListView answers every ``dataChanged`` by laying
    # out all rows again (1,000 size hints), which is too slow to do on every frame of a stream.
    row_grew = Signal(int)

    def __init__(self, parent: Any = None, renderer: MarkdownRenderer | None = None) -> None:
        """``renderer`` renders long replies off the UI thread; without one they are rendered when drawn."""
        super().__init__(parent)
        self.rows: list[MessageRow] = []
        self.earlier: list[MessageRow] = []  # older messages, not rows yet
        self._by_id: dict[int, int] = {}
        self._renderer = renderer

    # Qt interface ---------------------------------------------------------------------------------------
    @qt_guarded(default=0)
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    @qt_guarded()
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.text
        return None

    # changes ---------------------------------------------------------------------------------------------
    def set_messages(self, messages: list[MessageInfo]) -> None:
        self.beginResetModel()
        self.earlier = [MessageRow.of(info) for info in messages[: max(0, len(messages) - WINDOW)]]
        self.rows[:] = [MessageRow.of(info) for info in messages[len(self.earlier) :]]
        self._reindex()
        for row in self.rows:
            self._render_later(row)
        self.endResetModel()

    def _render_later(self, row: MessageRow) -> None:
        """Sends a long finished reply's Markdown to the renderer; the row shows plain text meanwhile."""
        if (
            self._renderer is not None
            and row.info.role == "assistant"
            and not row.streaming
            and row._rendered is None
            and len(row.text) > OFF_THREAD_CHARS
        ):
            row.pending = True
            self._renderer.request(row.info.id, row.text, self._rendered)

    def _rendered(self, message_id: int, text: str, rendered: Rendered) -> None:
        number = self._by_id.get(message_id)
        if number is None:
            return
        row = self.rows[number]
        if row.pending and row.text == text:
            row._rendered = rendered
            row.pending = False
            row.version += 1
            self._changed(number)

    def _reindex(self) -> None:
        self._by_id = {row.info.id: number for number, row in enumerate(self.rows)}
        for number, row in enumerate(self.rows):
            row.is_last = number == len(self.rows) - 1

    def row_of(self, message_id: int) -> int | None:
        return self._by_id.get(message_id)

    def message_count(self) -> int:
        """Every message of the chat, shown as a row or not yet."""
        return len(self.earlier) + len(self.rows)

    def show_earlier(self, count: int = WINDOW) -> int:
        """Makes up to ``count`` older messages rows at the top; returns how many."""
        count = min(count, len(self.earlier))
        if count <= 0:
            return 0
        self.beginInsertRows(QModelIndex(), 0, count - 1)
        self.rows[:0] = self.earlier[-count:]
        del self.earlier[-count:]
        self._reindex()
        for row in self.rows[:count]:
            self._render_later(row)
        self.endInsertRows()
        return count

    def reveal(self, message_id: int) -> int | None:
        """The row of ``message_id``, making it (and the messages after it) rows first when needed."""
        if message_id not in self._by_id:
            position = next((n for n, row in enumerate(self.earlier) if row.info.id == message_id), None)
            if position is None:
                return None
            self.show_earlier(len(self.earlier) - position)
        return self._by_id.get(message_id)

    def append(self, info: MessageInfo) -> None:
        if info.id in self._by_id:
            self.update(info)
            return
        position = len(self.rows)
        self.beginInsertRows(QModelIndex(), position, position)
        if self.rows:
            self.rows[-1].is_last = False
            self.rows[-1].version += 1
        self.rows.append(MessageRow.of(info, is_last=True))
        self._by_id[info.id] = position
        self._render_later(self.rows[-1])
        self.endInsertRows()
        if position > 0:
            self._changed(position - 1)

    def update(self, info: MessageInfo) -> None:
        number = self._by_id.get(info.id)
        if number is None:
            for position, old in enumerate(self.earlier):  # not a row yet: kept for when it is shown
                if old.info.id == info.id:
                    self.earlier[position] = MessageRow.of(info)
            return
        row = self.rows[number]
        fresh = MessageRow.of(info)
        self.rows[number] = replace(
            row,
            info=info,
            text=fresh.text,
            reasoning=fresh.reasoning or (row.reasoning if info.status == "streaming" else ""),
            version=row.version + 1,
            waiting=0,
            phase="",
            pending=False,
            _rendered=None,
        )
        self._render_later(self.rows[number])
        self._changed(number)

    def append_delta(self, message_id: int, delta: str) -> int | None:
        number = self._by_id.get(message_id)
        if number is None:
            return None
        row = self.rows[number]
        row.text += delta
        row.version += 1
        self.row_grew.emit(number)
        return number

    def append_reasoning(self, message_id: int, delta: str) -> None:
        number = self._by_id.get(message_id)
        if number is not None:
            row = self.rows[number]
            row.reasoning += delta
            row.version += 1
            self.row_grew.emit(number)

    def set_phase(self, message_id: int, text: str) -> None:
        number = self._by_id.get(message_id)
        if number is not None and self.rows[number].phase != text:
            self.rows[number].phase = text
            self.rows[number].version += 1
            self.row_grew.emit(number)

    def toggle_thinking(self, message_id: int) -> None:
        number = self._by_id.get(message_id)
        if number is not None:
            row = self.rows[number]
            row.thinking_open = not row.thinking_open
            row.version += 1
            if row.streaming:
                self.row_grew.emit(number)
            else:
                self._changed(number)

    def set_waiting(self, message_id: int, seconds: int) -> None:
        number = self._by_id.get(message_id)
        if number is not None:
            self.rows[number].waiting = seconds
            self.rows[number].version += 1
            self.row_grew.emit(number)

    def _changed(self, number: int) -> None:
        index = self.index(number)
        self.dataChanged.emit(index, index, [ROW_ROLE])
