"""Chat messages from the keyboard: the message list takes focus, keys run a message's actions, and a
context menu lists every link painted in the message (so nothing is reachable only by mouse).

Keys while the conversation has focus (Up/Down/Home/End/PgUp/PgDn move between messages):

| key | action (when the message shows it) |
| --- | --- |
| Ctrl+C or C | Copy the message |
| E | Edit (your message) |
| R | Regenerate (or Retry after an error) |
| N | Continue a reply that was cut off |
| 1…9 | Copy the message's first…ninth code block |
| T | Show or hide the reply's "Thinking" |
| Enter, Menu, Shift+F10 | The context menu with every action and link of the message |

An action runs exactly as a click on its painted link does: the delegate's ``link_activated`` signal, which
``ChatPage`` hands to ``links.follow_link``. The focused message gets the theme's focus ring.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPoint, QRectF, Qt
from PySide6.QtGui import QKeyEvent, QPainter, QTextDocument
from PySide6.QtWidgets import QListView, QMenu

from app.views.chat.message_doc import MessageDocument
from app.views.chat.message_model import ROW_ROLE, MessageRow
from app.views.widgets.focus import paint_focus_ring

KEYS: dict[Qt.Key, tuple[str, ...]] = {
    Qt.Key.Key_C: ("action:copy",),
    Qt.Key.Key_E: ("action:edit",),
    Qt.Key.Key_R: ("action:regenerate", "action:retry", "action:retry-trimmed"),
    Qt.Key.Key_N: ("action:continue",),
    Qt.Key.Key_T: ("action:toggle-thinking",),
}
LABELS = {
    "action:copy": "Copy message",
    "action:edit": "Edit",
    "action:regenerate": "Regenerate",
    "action:retry": "Retry",
    "action:retry-trimmed": "Retry with a shorter history",
    "action:continue": "Continue",
    "action:toggle-thinking": "Show or hide the thinking",
    "action:add-key": "Add an API key",
}
SHORTCUTS = {"action:copy": "C", "action:edit": "E", "action:regenerate": "R", "action:retry": "R"}
SHORTCUTS.update({"action:continue": "N", "action:toggle-thinking": "T", "action:retry-trimmed": "R"})


@dataclass(frozen=True)
class MessageAction:
    """One link painted in a message: its ``href`` (what a click does) and a label to read or show."""

    href: str
    label: str


def actions_in(doc: QTextDocument | MessageDocument) -> list[MessageAction]:
    """Every link in ``doc`` (one document, or a message's parts top to bottom) in reading order, once each:
    the app's actions (``action:…``), code blocks' Copy (``copy-code:N``) and the message's own web links."""
    found: list[MessageAction] = []
    seen: set[str] = set()
    for part in doc.part_documents() if isinstance(doc, MessageDocument) else [doc]:
        block = part.begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                href = fragment.charFormat().anchorHref() if fragment.isValid() else ""
                if href and href not in seen:
                    seen.add(href)
                    found.append(MessageAction(href, _label(href, fragment.text())))
                iterator += 1
            block = block.next()
    return found


def _label(href: str, text: str) -> str:
    if href.startswith("copy-code:"):
        number = href.split(":", 1)[1]
        return f"Copy code block {int(number) + 1}" if number.isdigit() else "Copy code"
    if href in LABELS:
        return LABELS[href]
    text = " ".join(text.split())
    return f"Open link: {text or href}" if text == href or not text else f"Open link “{text}” ({href})"


class MessageActions(QObject):
    """Keyboard and context-menu access to the messages of ``view`` (a ``MessageListView``)."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.view = view
        view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        view.setAccessibleName("Conversation")
        view.setAccessibleDescription(
            "Up and Down move between messages. C copies, E edits, R regenerates, N continues, 1 to 9 copy a "
            "code block, Enter or the menu key lists every action."
        )
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._menu_at)
        self.last_menu: QMenu | None = None  # the open (or last) context menu, for tests and screenshots

    # what a message offers ---------------------------------------------------------------------------------
    def row_at(self, index: QModelIndex | QPersistentModelIndex) -> MessageRow | None:
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, MessageRow) else None

    def actions(self, index: QModelIndex | QPersistentModelIndex) -> list[MessageAction]:
        row = self.row_at(index)
        if row is None:
            return []
        return actions_in(self.view.delegate.document(row))  # type: ignore[attr-defined]

    def trigger(self, index: QModelIndex | QPersistentModelIndex, href: str, *_checked: object) -> bool:
        """Runs ``href`` of the message at ``index`` as a click on it would; False when it is not shown."""
        row = self.row_at(index)
        if row is None or all(action.href != href for action in self.actions(index)):
            return False
        self.view.delegate.link_activated.emit(row, href)  # type: ignore[attr-defined]
        return True

    # keys --------------------------------------------------------------------------------------------------
    def focus_in(self) -> None:
        """The list got focus: the newest message becomes current when none is."""
        model = self.view.model()
        if not self.view.currentIndex().isValid() and model.rowCount() > 0:
            self.view.setCurrentIndex(model.index(model.rowCount() - 1, 0))

    def key(self, event: QKeyEvent) -> bool:
        """Handles a key of the message list; True when it was one of the message keys."""
        index = self.view.currentIndex()
        if not index.isValid():
            return False
        key = Qt.Key(event.key())
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Menu) or (
            key == Qt.Key.Key_F10 and modifiers == Qt.KeyboardModifier.ShiftModifier
        ):
            self.open_menu(index)
            return True
        if modifiers == Qt.KeyboardModifier.ControlModifier and key == Qt.Key.Key_C:
            return self.trigger(index, "action:copy")
        if modifiers not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return False
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            return self.trigger(index, f"copy-code:{int(key) - int(Qt.Key.Key_1)}")
        shown = {action.href for action in self.actions(index)}
        for href in KEYS.get(key, ()):
            if href in shown:
                return self.trigger(index, href)
        return False

    # context menu ------------------------------------------------------------------------------------------
    def _menu_at(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.open_menu(index, self.view.viewport().mapToGlobal(position))

    def build_menu(self, index: QModelIndex) -> QMenu:
        """A menu with every action and link of the message at ``index`` (its key, when it has one)."""
        menu = QMenu(self.view)
        menu.setAccessibleName("Message actions")
        for action in self.actions(index):
            item = menu.addAction(action.label)
            item.triggered.connect(partial(self.trigger, QPersistentModelIndex(index), action.href))
            if action.href in SHORTCUTS:
                item.setShortcut(SHORTCUTS[action.href])
            elif action.href.startswith("copy-code:") and action.href[10:].isdigit() and int(action.href[10:]) < 9:
                item.setShortcut(str(int(action.href[10:]) + 1))
        if menu.isEmpty():
            menu.addAction("No actions for this message").setEnabled(False)
        return menu

    def open_menu(self, index: QModelIndex, where: QPoint | None = None) -> None:
        menu = self.build_menu(index)
        self.last_menu = menu
        if where is None:
            rect = self.view.visualRect(index)
            where = self.view.viewport().mapToGlobal(rect.topLeft() + QPoint(24, min(rect.height(), 40)))
        menu.popup(where)

    # focus ring --------------------------------------------------------------------------------------------
    def paint_focus(self) -> None:
        """Rings the current message's bubble while the list has the keyboard focus."""
        index = self.view.currentIndex()
        row = self.row_at(index)
        if row is None or not self.view.hasFocus():
            return
        bubble = self.view.delegate.bubble_rect(self.view.visualRect(index), row)  # type: ignore[attr-defined]
        painter = QPainter(self.view.viewport())
        try:
            paint_focus_ring(painter, QRectF(bubble).adjusted(-3, -3, 3, 3), 12)
        finally:
            painter.end()
