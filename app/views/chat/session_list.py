"""The left column: new chat, search across every message (FTS5), and the list of sessions.

The sessions are a model/view list (``SessionListModel``): pages come in as the list scrolls, and a
created, renamed or deleted chat changes one row. Search hits are a second, small list in the same place.
Each row's text takes its own direction (an Arabic or Hebrew title is right-aligned and elided at its end).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.services.chat.store import SearchHit, SessionInfo
from app.views.chat.session_model import DIRECTION_ROLE, MESSAGE_ROLE, SESSION_ROLE, SessionListModel
from app.views.widgets.elided_label import leading_alignment, text_direction
from app.views.widgets.empty_state import EmptyState
from app.views.widgets.icons import icon
from app.views.widgets.qt_guard import qt_guarded

__all__ = ["MESSAGE_ROLE", "SESSION_ROLE", "SessionList"]


class DirectionalDelegate(QStyledItemDelegate):
    """Lays each row's text out in its own direction (``DIRECTION_ROLE``), so the style aligns and elides
    a right-to-left title on its right-to-left side."""

    @qt_guarded()
    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        direction = index.data(DIRECTION_ROLE)
        if direction is not None:
            option.direction = Qt.LayoutDirection(direction)  # type: ignore[attr-defined]


class _ListView(QListView):
    """A list whose Enter opens the current row, and whose menu key (or Shift+F10) opens its context menu."""

    activated_row = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex())
            return
        if event.key() == Qt.Key.Key_Menu or (
            event.key() == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            index = self.currentIndex()
            if index.isValid():
                self.customContextMenuRequested.emit(self.visualRect(index).center())
                return
        super().keyPressEvent(event)


def _list_view(name: str, model: QAbstractItemModel, menu: Callable[[QPoint], None] | None) -> _ListView:
    view = _ListView()
    view.setAccessibleName(name)
    view.setModel(model)
    view.setItemDelegate(DirectionalDelegate(view))
    view.setUniformItemSizes(True)  # 20,000 rows: no per-row size measuring
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setWordWrap(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if menu is not None:
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(menu)
    return view


class SessionList(QWidget):
    new_requested = Signal()
    import_requested = Signal()
    usage_requested = Signal()
    selected = Signal(int)  # session id
    hit_selected = Signal(int, int)  # session id, message id
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    export_requested = Signal(int, str)  # session id, "md" | "json"
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatSessions")
        self.setMinimumWidth(170)
        self.setMaximumWidth(280)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 6, 12)
        layout.setSpacing(8)
        self.new_button = QPushButton(icon("plus"), " New chat")
        self.new_button.setProperty("kind", "primary")
        self.new_button.clicked.connect(self.new_requested)
        layout.addWidget(self.new_button)
        self.new_button.setAccessibleName("New chat")
        self.search = QLineEdit()
        self.search.setAccessibleName("Search chats")
        self.search.setPlaceholderText("Search… (Ctrl+K)")
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(lambda: self.search_changed.emit(self.search.text().strip()))
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        layout.addWidget(self.search)

        self.stack = QStackedWidget()
        self.model = SessionListModel(page_size=200)
        self.list = _list_view("Chats", self.model, self._menu)
        self.list.setToolTip("Your chats, newest first. Enter opens one; the menu key renames, exports or deletes.")
        self.hits = QStandardItemModel(self)
        self.hit_list = _list_view("Search results", self.hits, None)
        self.hit_list.setWordWrap(True)
        self.hit_list.setUniformItemSizes(False)
        for view in (self.list, self.hit_list):
            view.clicked.connect(self._clicked)
            view.activated_row.connect(self._clicked)
            view.selectionModel().currentChanged.connect(self._current_changed)
        self.empty = EmptyState("chat", "No chats yet", "Start a conversation with any model.", None)
        self.no_hits = EmptyState("search", "Nothing found", "No message contains these words.", None)
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.hit_list)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.no_hits)
        layout.addWidget(self.stack, 1)

        bottom = QHBoxLayout()
        self.import_button = QPushButton("Import")
        self.import_button.setToolTip("Import a chat exported as JSON")
        self.import_button.setProperty("kind", "ghost")
        self.import_button.clicked.connect(self.import_requested)
        self.usage_button = QPushButton("Usage")
        self.usage_button.setToolTip("Spend per provider and model over time")
        self.usage_button.setProperty("kind", "ghost")
        self.usage_button.clicked.connect(self.usage_requested)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.usage_button)
        layout.addLayout(bottom)
        self._current: int | None = None
        self._filling = False
        self._titles: dict[int, str] = {}

    def bind_pages(self, more: Callable[[SessionInfo], None], page_size: int) -> None:
        """Where the list asks for the page after a row (the controller's ``more_sessions``)."""
        self.model.more = more
        self.model.page_size = page_size

    def show_sessions(self, sessions: list[SessionInfo], current: int | None) -> None:
        """A fresh list: the first page of sessions."""
        self._filling = True
        self.model.reset(sessions)
        self._current = current
        self._select_row(current)
        self.stack.setCurrentWidget(self.list if sessions else self.empty)
        self._filling = False

    def append_sessions(self, sessions: list[SessionInfo]) -> None:
        """The next page, below the rows listed so far."""
        self.model.append(sessions)

    def upsert_session(self, session: SessionInfo) -> None:
        """One created, renamed or restored chat, in its place; nothing else in the list changes."""
        self._filling = True
        self.model.upsert(session)
        self._select_row(self._current)
        if self.stack.currentWidget() is self.empty:
            self.stack.setCurrentWidget(self.list)
        self._filling = False

    def remove_session(self, session_id: int) -> None:
        self._filling = True
        self.model.remove(session_id)
        self._filling = False
        if self.model.rowCount() == 0 and self.stack.currentWidget() is self.list:
            self.stack.setCurrentWidget(self.empty)

    def set_current(self, session: SessionInfo | None) -> None:
        """Marks the open chat's row (the controller's ``session_shown``)."""
        self._current = session.id if session is not None else None
        self._filling = True
        self._select_row(self._current)
        self._filling = False

    def _select_row(self, session_id: int | None) -> None:
        row = self.model.row_of(session_id) if session_id is not None else None
        if row is None:
            self.list.clearSelection()
            return
        index = self.model.index(row, 0)
        if self.list.currentIndex() != index:
            self.list.setCurrentIndex(index)

    def show_hits(self, hits: list[SearchHit]) -> None:
        self._filling = True
        self.hits.clear()
        for hit in hits:
            snippet = " ".join(hit.snippet.split())
            item = QStandardItem(f"{hit.session_title}\n{snippet}")
            item.setEditable(False)
            item.setData(hit.session_id, SESSION_ROLE)
            item.setData(hit.message_id, MESSAGE_ROLE)
            direction = text_direction(hit.session_title + snippet)
            item.setData(direction, DIRECTION_ROLE)
            item.setData(
                int(leading_alignment(direction) | Qt.AlignmentFlag.AlignVCenter), Qt.ItemDataRole.TextAlignmentRole
            )
            item.setData(f"{hit.session_title}: {snippet}", Qt.ItemDataRole.AccessibleTextRole)
            item.setToolTip(f"{hit.session_title}\n{snippet}")
            self.hits.appendRow(item)
        self.stack.setCurrentWidget(self.hit_list if hits else self.no_hits)
        self._filling = False

    def show_list(self) -> None:
        """Back from search hits to the chats."""
        self.stack.setCurrentWidget(self.list if self.model.rowCount() else self.empty)

    def visible_view(self) -> QListView | None:
        """The list now shown (chats or search hits), None while an empty state shows."""
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, QListView) else None

    def row_count(self) -> int:
        view = self.visible_view()
        return view.model().rowCount() if view is not None else 0

    def row_text(self, row: int) -> str:
        view = self.visible_view()
        return str(view.model().index(row, 0).data()) if view is not None else ""

    def title_of(self, session_id: int) -> str:
        row = self.model.row_of(session_id)
        return self.model.session_at(row).title if row is not None else ""

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _current_changed(self, index: QModelIndex, _previous: QModelIndex) -> None:
        # Arrow keys move the current row; it opens as the mouse would (search hits too).
        if index.isValid():
            self._clicked(index)

    def _clicked(self, index: QModelIndex) -> None:
        if self._filling or not index.isValid():
            return
        session_id = index.data(SESSION_ROLE)
        message_id = index.data(MESSAGE_ROLE)
        if message_id is not None:
            self.hit_selected.emit(int(session_id), int(message_id))
        elif session_id != self._current:
            self._current = int(session_id)
            self.selected.emit(int(session_id))

    def _menu(self, position: QPoint) -> None:
        index = self.list.indexAt(position)
        if not index.isValid():
            return
        session_id = int(index.data(SESSION_ROLE))
        menu = QMenu(self)
        menu.setAccessibleName("Chat actions")
        menu.addAction("Rename…", lambda: self.rename_requested.emit(session_id))
        menu.addAction("Export as Markdown…", lambda: self.export_requested.emit(session_id, "md"))
        menu.addAction("Export as JSON…", lambda: self.export_requested.emit(session_id, "json"))
        menu.addSeparator()
        menu.addAction(icon("trash"), "Delete", lambda: self.delete_requested.emit(session_id))
        menu.exec(self.list.mapToGlobal(position))
