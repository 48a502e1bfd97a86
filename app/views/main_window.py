"""The one window: sidebar, header and the places, built the first time each is opened."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from app.config import GENERAL_CLOSE_TO_TRAY
from app.context import AppContext
from app.views.header import Header
from app.views.places import PLACES, PlaceSpec, place
from app.views.sidebar import Sidebar, SidebarMode
from app.views.widgets.icons import icon
from app.views.window_geometry import MINIMUM, first_geometry, fits_a_screen

if TYPE_CHECKING:
    # Event types only annotate; building their PySide types costs ~3 ms before the first paint.
    from PySide6.QtGui import QCloseEvent, QResizeEvent

    from app.views.get_started import GetStartedCard
    from app.views.widgets.toast import Toast

log = logging.getLogger(__name__)

DEFAULT_PLACE = "marketplace"
COMPACT_BELOW = 820  # px of window height under which the Get started card shows titles and buttons only


class MainWindow(QMainWindow):
    place_changed = Signal(str)
    quit_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, open_initial_place: bool = True) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Amethyst")
        self.setWindowIcon(icon("amethyst"))
        self.setMinimumSize(MINIMUM)
        self.tray_available = False  # set by the tray controller
        self._pages: dict[str, QWidget] = {}
        self._current = ""
        self._shortcuts_installed = False

        self.sidebar = Sidebar()
        self.header = Header()
        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        self.get_started_card: GetStartedCard | None = None  # built after the first paint (open_initial_place)
        self._column = column
        column.addWidget(self.stack, 1)
        row.addLayout(column, 1)
        self.setCentralWidget(central)
        # Toasts float just below the header: at the bottom they covered the chat composer (issue 12).
        central.setProperty("toast_top", self.header.sizeHint().height() + 12)

        self.sidebar.place_selected.connect(self.open_place)
        self.sidebar.mode_changed.connect(self._sidebar_mode_changed)
        self.header.show_sidebar_requested.connect(lambda: self.sidebar.set_mode(SidebarMode.EXPANDED))
        self.header.get_started_requested.connect(self.show_get_started)
        context.navigator.requested.connect(self.open_place)
        self.header.credits_clicked.connect(lambda: context.navigator.open("billing"))  # billing (issue 13)
        self._restore_chrome()
        if open_initial_place:
            self.open_initial_place()

    # places -------------------------------------------------------------------------------------------

    def page(self, key: str) -> QWidget:
        """The place's widget, built on first use."""
        if key not in self._pages:
            spec = place(key)
            widget = spec.build(self.context)
            widget.setObjectName(f"page-{key}")
            self._pages[key] = widget
            self.stack.addWidget(widget)
            if key == "chat":  # a first question asked ends the first-run guide
                self.context.chat.message_added.connect(self._maybe_chatted)
        return self._pages[key]

    def open_place(self, key: str, payload: dict[str, Any] | None = None) -> None:
        spec: PlaceSpec = place(key)
        widget = self.page(key)
        self._release_focus_of(self.stack.currentWidget(), widget)
        self.stack.setCurrentWidget(widget)
        self.sidebar.set_current(key)
        self.header.set_place(spec.title, spec.subtitle)
        if payload and hasattr(widget, "activate"):
            widget.activate(payload)
        self._move_focus_into(widget, self.sidebar.buttons[key])
        if key != self._current:
            self._current = key
            self.context.ui_state.set("place", key)
            self.place_changed.emit(key)

    @staticmethod
    def _release_focus_of(leaving: QWidget | None, arriving: QWidget) -> None:
        """Hiding the page that holds the focus makes Qt hand it to the next control in the chain as if the
        keyboard went there (a ringed button in the new place); released first, ``_move_focus_into`` decides."""
        from PySide6.QtWidgets import QApplication

        focused = QApplication.focusWidget()
        if leaving is not None and leaving is not arriving and focused is not None and leaving.isAncestorOf(focused):
            focused.clearFocus()

    def _move_focus_into(self, page: QWidget, place_button: QWidget) -> None:
        """After a switch by mouse or shortcut, the keyboard goes to the new place: its first text field
        (the search, the prompt) or, having none, nowhere yet (Tab starts at the top). A click on a place
        cannot focus its button (buttons take focus from the keyboard only), so focus still on that button
        means the keyboard chose it (Space, arrows): it stays there, ringed. Focus already inside the page
        (an ``activate`` payload put it somewhere) stays too."""
        from PySide6.QtCore import Qt  # not at the top: the Qt namespace costs ~15 ms before the first paint
        from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit, QTextEdit

        focused = QApplication.focusWidget()
        if focused is place_button or (focused is not None and page.isAncestorOf(focused)):
            return
        candidate = page.nextInFocusChain()
        for _ in range(500):  # the chain is the window's; a page holds fewer controls than this
            if candidate is None or candidate is page:
                break
            if (
                page.isAncestorOf(candidate)
                and isinstance(candidate, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox))
                and candidate.isVisibleTo(self)
                and candidate.isEnabled()
                and candidate.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus
            ):
                candidate.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            candidate = candidate.nextInFocusChain()
        if focused is not None and not page.isAncestorOf(focused) and not self.header.isAncestorOf(focused):
            focused.clearFocus()

    @property
    def current_place(self) -> str:
        return self._current

    def built_places(self) -> list[str]:
        return list(self._pages)

    # shortcuts and state ------------------------------------------------------------------------------

    def _install_shortcuts(self) -> None:
        from PySide6.QtGui import QKeySequence, QShortcut  # after the first paint, with the shortcuts

        for index, spec in enumerate(PLACES, start=1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index}"), self)
            shortcut.activated.connect(lambda key=spec.key: self.open_place(key))
        QShortcut(QKeySequence("Ctrl+B"), self).activated.connect(self.sidebar.toggle_collapsed)
        QShortcut(QKeySequence("Ctrl+K"), self).activated.connect(self._focus_search)

    def _focus_search(self) -> None:
        widget = self._pages.get(self._current)
        if widget is not None and hasattr(widget, "focus_search"):
            widget.focus_search()

    def _sidebar_mode_changed(self, mode: str) -> None:
        self.header.set_sidebar_hidden(mode == SidebarMode.CLOSED)
        self.context.ui_state.set("sidebar", mode)

    def _restore_chrome(self) -> None:
        """Sidebar and geometry as they were, and the last place's title, before anything is built."""
        state = self.context.ui_state
        mode = state.get("sidebar", SidebarMode.EXPANDED.value)
        if mode in {member.value for member in SidebarMode}:
            self.sidebar.set_mode(mode)
            self.header.set_sidebar_hidden(mode == SidebarMode.CLOSED)
        self._place_window(state.get("geometry"))
        spec = place(self.initial_place())
        self.sidebar.set_current(spec.key)
        self.header.set_place(spec.title, spec.subtitle)

    def _place_window(self, saved: object) -> None:
        """The saved geometry when it still fits a connected screen, else a size made for this screen."""
        from PySide6.QtCore import QByteArray
        from PySide6.QtGui import QGuiApplication

        screens = [screen.availableGeometry() for screen in QGuiApplication.screens()]
        if isinstance(saved, str) and self.restoreGeometry(QByteArray.fromBase64(saved.encode())):
            if fits_a_screen(self.geometry(), screens):
                return
            log.info("the saved window geometry fits no connected screen; sizing the window for this one")
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            self.setGeometry(first_geometry(screen.availableGeometry()))

    def initial_place(self) -> str:
        last = self.context.ui_state.get("place", DEFAULT_PLACE)
        return last if last in {spec.key for spec in PLACES} else DEFAULT_PLACE

    def open_initial_place(self) -> None:
        """Shortcuts and the place that was open last time; the app calls this right after the first paint."""
        if not self._shortcuts_installed:
            self._install_shortcuts()
            self.sidebar.hold_selected_in_place()
            self._shortcuts_installed = True
        if not self._current:
            self.open_place(self.initial_place())
        self._build_get_started()

    # first-run guide ----------------------------------------------------------------------------------

    def _build_get_started(self) -> None:
        if self.get_started_card is not None:
            return
        from app.views.get_started import GetStartedCard

        controller = self.context.get_started
        self.get_started_card = GetStartedCard(controller)
        margin = QWidget()
        margin.setObjectName("GetStartedMargin")
        layout = QVBoxLayout(margin)
        layout.setContentsMargins(16, 12, 16, 0)
        layout.addWidget(self.get_started_card)
        margin.setVisible(controller.visible)
        controller.changed.connect(lambda: margin.setVisible(controller.visible))
        self._column.insertWidget(1, margin)
        self._tab_after_header(margin)
        self.get_started_card.set_compact(self.height() < COMPACT_BELOW)
        controller.start()

    def _tab_after_header(self, part: QWidget) -> None:
        """Tab goes header → ``part`` → the place, as they are laid out: a part built after the place (the
        Get started card) would otherwise come last in the focus chain, after the place's controls."""
        from PySide6.QtCore import Qt  # not at the top: the Qt namespace costs ~15 ms before the first paint

        def chain(root: QWidget) -> list[QWidget]:
            found: list[QWidget] = []
            widget = self.nextInFocusChain()
            while widget is not None and widget is not self and len(found) < 2000:
                if root.isAncestorOf(widget) and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                    found.append(widget)
                widget = widget.nextInFocusChain()
            return found

        header = chain(self.header)
        if not header:
            return
        anchor = header[-1]
        for widget in chain(part):
            QWidget.setTabOrder(anchor, widget)
            anchor = widget

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.get_started_card is not None:
            self.get_started_card.set_compact(self.height() < COMPACT_BELOW)

    def show_get_started(self) -> None:
        """Help → Get started: the card again, even after it was closed."""
        self._build_get_started()
        self.context.get_started.show()

    def _maybe_chatted(self, message: Any) -> None:
        if getattr(message, "role", "") == "user":
            self.context.get_started.chatted()

    def save_state(self) -> None:
        self.context.ui_state.set("geometry", bytes(self.saveGeometry().toBase64().data()).decode())

    # messages -----------------------------------------------------------------------------------------

    def show_toast(self, title: str, body: str = "", **options: Any) -> Toast:
        from app.views.widgets.toast import Toast

        toast = Toast(self.centralWidget() or self, title, body, **options)
        toast.show_toast()
        return toast

    def bring_to_front(self) -> None:
        from PySide6.QtCore import Qt  # not at the top: building PySide's Qt namespace costs ~15 ms at start-up

        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.tray_available and self.context.settings.value(GENERAL_CLOSE_TO_TRAY):
            event.ignore()
            self.hide()
            return
        for widget in self._pages.values():
            if hasattr(widget, "shutdown"):
                widget.shutdown()
        event.accept()
        self.quit_requested.emit()
