"""The left column: new chat, search across every message (FTS5), and the list of sessions."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.chat.store import SearchHit, SessionInfo
from app.views.widgets.empty_state import EmptyState
from app.views.widgets.icons import icon

SESSION_ROLE = 0x0101
MESSAGE_ROLE = 0x0102


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
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search… (Ctrl+K)")
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(lambda: self.search_changed.emit(self.search.text().strip()))
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        layout.addWidget(self.search)

        self.stack = QStackedWidget()
        self.list = QListWidget()
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setWordWrap(False)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemClicked.connect(self._clicked)
        self.list.currentItemChanged.connect(self._current_changed)
        self.empty = EmptyState("chat", "No chats yet", "Start a conversation with any model.", None)
        self.no_hits = EmptyState("search", "Nothing found", "No message contains these words.", None)
        self.stack.addWidget(self.list)
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

    def show_sessions(self, sessions: list[SessionInfo], current: int | None) -> None:
        self._filling = True
        self.list.clear()
        self._titles = {session.id: session.title for session in sessions}
        for session in sessions:
            item = QListWidgetItem(session.title)
            item.setData(SESSION_ROLE, session.id)
            item.setToolTip(f"{session.provider}/{session.model}")
            self.list.addItem(item)
            if session.id == current:
                self.list.setCurrentItem(item)
        self._current = current
        self.stack.setCurrentWidget(self.list if sessions else self.empty)
        self._filling = False

    def show_hits(self, hits: list[SearchHit]) -> None:
        self._filling = True
        self.list.clear()
        for hit in hits:
            snippet = " ".join(hit.snippet.split())
            item = QListWidgetItem(f"{hit.session_title}\n{snippet}")
            item.setData(SESSION_ROLE, hit.session_id)
            item.setData(MESSAGE_ROLE, hit.message_id)
            self.list.addItem(item)
        self.stack.setCurrentWidget(self.list if hits else self.no_hits)
        self._filling = False

    def title_of(self, session_id: int) -> str:
        return self._titles.get(session_id, "")

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _current_changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self._clicked(item)

    def _clicked(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        session_id = item.data(SESSION_ROLE)
        message_id = item.data(MESSAGE_ROLE)
        if message_id is not None:
            self.hit_selected.emit(int(session_id), int(message_id))
        elif session_id != self._current:
            self._current = int(session_id)
            self.selected.emit(int(session_id))

    def _menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        session_id = int(item.data(SESSION_ROLE))
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.rename_requested.emit(session_id))
        menu.addAction("Export as Markdown…", lambda: self.export_requested.emit(session_id, "md"))
        menu.addAction("Export as JSON…", lambda: self.export_requested.emit(session_id, "json"))
        menu.addSeparator()
        menu.addAction(icon("trash"), "Delete", lambda: self.delete_requested.emit(session_id))
        menu.exec(self.list.mapToGlobal(position))
